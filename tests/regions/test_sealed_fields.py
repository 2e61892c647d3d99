"""Every field of a protected model that could hold personal text is sealed, or says why not.

The classification puts protected rows in the owner's home region; ``SEALED_FIELDS`` says which
of their fields are encrypted with the owner's data key. Nothing else made sure that the two
agree, so a protected text field added later could be stored in plaintext without anyone
noticing. This test fails for any text-like field (characters, text, dates and times, JSON,
bytes, addresses) of a protected model that is neither sealed nor allowed below with a reason.
"""

from __future__ import annotations

from django.apps import apps
from django.db import models

from townhall.regions.classification import DataClass, classify, model_label

# Field types that can carry personal data as written (numbers and booleans are left out: ids,
# counts and sizes, which are not searchable text).
TEXT_LIKE: tuple[type[models.Field], ...] = (
    models.CharField,  # and EmailField, SlugField, URLField
    models.TextField,
    models.DateField,  # and DateTimeField
    models.TimeField,
    models.DurationField,
    models.JSONField,
    models.BinaryField,
    models.GenericIPAddressField,
    models.UUIDField,
    models.FileField,
)

_ACCESS_LOG = (
    "the access log stays readable without any key, on purpose: each region's hash chain is "
    "verified by anyone with database access, outside auditors included (docs/audit-log.md)"
)

# Unsealed text-like fields of protected models, each with the reason it may stay in clear.
ALLOWED_UNSEALED: dict[str, dict[str, str]] = {
    "accounts.identity": {
        "email_digest": "a keyed HMAC of the e-mail, for equality look-ups; reveals no address",
        "created_at": "when the record was made, set by the platform",
    },
    "accounts.apitoken": {
        "key_id": "the random public half of a token, to find its row; nothing the user wrote",
        "secret_hash": "a SHA-256 of the random secret, to check it; reveals nothing",
        "created_at": "a timestamp set by the platform",
        "last_used_at": "a timestamp set by the platform",
        "revoked_at": "a timestamp set by the platform, filtered on for the active tokens",
    },
    "media.upload": {
        "key": "the random upload id (region code and random hex)",
        "state": "a state from a fixed list",
        "created_at": "a timestamp set by the platform, summed over for the daily quota",
        "expires_at": "a timestamp set by the platform, filtered on by the expiry sweep",
        "video_public_id": "the public id of the video the upload became",
    },
    "social.watchentry": {
        "watched_at": "when a view counted, set by the platform, for the history's order and "
        "cursor; which video it was is sealed",
    },
    "audit.accesslogentry": {
        name: _ACCESS_LOG
        for name in (
            "created_at",
            "actor_kind",
            "actor_role",
            "actor_jurisdiction",
            "purpose",
            "reference",
            "outcome",
            "reason",
            "detail",
            "prev_hash",
            "entry_hash",
        )
    },
}


def protected_models() -> list[type[models.Model]]:
    return [model for model in apps.get_models() if classify(model) is DataClass.PROTECTED]


def problems_of(model: type[models.Model], allowed: dict[str, str]) -> list[str]:
    """What is wrong with one protected model's sealing, as readable lines."""
    label = model_label(model)
    sealed = set(getattr(model, "SEALED_FIELDS", ()))
    fields = {f.name: f for f in model._meta.concrete_fields}
    found = []
    for name in sorted(sealed - set(fields)):
        found.append(f"{label}.SEALED_FIELDS names {name!r}, which is not a field")
    for name in sorted(sealed & set(fields)):
        if not isinstance(fields[name], models.BinaryField):
            found.append(
                f"{label}.{name} is sealed but is not a BinaryField (ciphertexts are bytes)"
            )
    for name, field in fields.items():
        if field.primary_key or not isinstance(field, TEXT_LIKE):
            continue
        if name in sealed or name in allowed:
            continue
        found.append(
            f"{label}.{name} ({type(field).__name__}) is protected but neither in SEALED_FIELDS "
            "nor allowed unsealed (with a reason) in tests/regions/test_sealed_fields.py"
        )
    for name in sorted(set(allowed) - set(fields)):
        found.append(f"{label}.{name} is allowed unsealed but is not a field (remove it)")
    for name in sorted(set(allowed) & sealed):
        found.append(f"{label}.{name} is sealed; remove it from the allowed list")
    return found


def test_every_text_like_field_of_a_protected_model_is_sealed_or_explained() -> None:
    models_ = protected_models()
    labels = {model_label(m) for m in models_}
    assert {"accounts.identity", "media.videotext", "media.upload"} <= labels
    problems = [
        p for m in models_ for p in problems_of(m, ALLOWED_UNSEALED.get(model_label(m), {}))
    ]
    assert not problems, "\n".join(problems)
    assert not set(ALLOWED_UNSEALED) - labels, "allowed fields of a model that is not protected"
    assert all(reason.strip() for fields in ALLOWED_UNSEALED.values() for reason in fields.values())


class _Note(models.Model):
    """A protected model as someone might add it: one field sealed, one forgotten."""

    SEALED_FIELDS = ("body", "gone")

    account_id = models.BigIntegerField()
    body = models.BinaryField()
    title = models.CharField(max_length=100)
    written_on = models.DateField()
    tags = models.JSONField(default=list)
    signed = models.CharField(max_length=10)
    pages = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True
        app_label = "media"


def test_the_check_catches_an_unsealed_field() -> None:
    problems = problems_of(_Note, {"signed": "a reason", "missing": "a reason"})

    assert any("media._note.title (CharField) is protected but neither" in p for p in problems)
    assert any("written_on (DateField)" in p for p in problems)
    assert any("tags (JSONField)" in p for p in problems)
    assert not any(".body " in p or ".pages " in p or ".signed " in p for p in problems)
    assert any("SEALED_FIELDS names 'gone'" in p for p in problems)
    assert any("missing is allowed unsealed but is not a field" in p for p in problems)
