"""Accounts, identities, tokens and organisations.

``Account`` is the public face of a person or an organisation and lives in the default database,
so every feature can join against it. What is personal and not public (e-mail, date of birth,
password hash, IP addresses, API token hashes) lives in ``Identity`` and ``ApiToken`` rows in
the database of the account's home region, keyed by the account id (no cross-database foreign
key). See townhall/regions/classification.py.
"""

from __future__ import annotations

import secrets
from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac

from townhall.regions.classification import DataClass


def new_auth_salt() -> str:
    return secrets.token_hex(16)


class AccountManager(BaseUserManager["Account"]):
    def get_by_natural_key(self, username: str | None) -> Account:
        return self.get(handle=(username or "").lower())

    def create_user(self, handle: str, password: str | None = None, **extra: Any) -> Account:
        # A model never calls a service: sign-up (identity, data key, home region) has one home.
        raise TypeError(
            "Accounts are created by townhall.accounts.services.account_sign_up (people) and "
            "organisation_create (organisations), never by the model manager."
        )

    def create_superuser(self, handle: str, password: str | None = None, **extra: Any) -> Account:
        from django.core.management import CommandError

        raise CommandError(
            "townhall accounts need an e-mail address and a date of birth: sign up as a person, "
            "then run `townhall staff HANDLE --jurisdiction CC --superuser`."
        )


class Account(AbstractBaseUser, PermissionsMixin):
    """A person or an organisation. Public data only."""

    DATA_CLASS = DataClass.PUBLIC

    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        ORGANISATION = "organisation", "Organisation"

    class AgeBand(models.TextChoices):
        TEEN_13_15 = "13-15", "13 to 15"
        TEEN_16_17 = "16-17", "16 to 17"
        ADULT = "adult", "Adult"

    class State(models.TextChoices):
        ACTIVE = "active", "Active"

    # The password hash is protected data and lives in the home region (Identity.password);
    # last-login times are activity data and are not kept on the public row either.
    password = None  # type: ignore[assignment]
    last_login = None

    handle = models.CharField(max_length=24, unique=True)
    display_name = models.CharField(max_length=50)
    bio = models.CharField(max_length=160, blank=True)
    link = models.URLField(max_length=200, blank=True)
    avatar = models.CharField(max_length=200, blank=True, help_text="Path in public storage")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.PERSON)
    age_band = models.CharField(max_length=8, choices=AgeBand.choices, blank=True)
    home_region = models.CharField(max_length=16)
    state = models.CharField(max_length=16, choices=State.choices, default=State.ACTIVE)
    verified = models.BooleanField(default=False, help_text="Only staff can set this.")
    # A private account approves each follower (a follow is a request until then); its
    # follower and following lists are for its approved followers and itself only.
    is_private = models.BooleanField(default=False)
    staff_jurisdiction = models.CharField(
        max_length=2,
        blank=True,
        help_text="ISO 3166 code of the country a staff member works from; checked by the "
        "access gateway against each region's policy.",
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # Rotated whenever the password changes, so that other sessions end (get_session_auth_hash).
    auth_salt = models.CharField(max_length=32, default=new_auth_salt, editable=False)

    objects: ClassVar[AccountManager] = AccountManager()

    USERNAME_FIELD = "handle"
    # Staff are people who signed up like everyone else and were then made staff with
    # `townhall staff HANDLE --jurisdiction CC` (createsuperuser cannot collect an identity).
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("handle"), name="account_handle_ci_unique"),
        ]

    def __str__(self) -> str:
        return f"@{self.handle}"

    @property
    def is_organisation(self) -> bool:
        return self.kind == self.Kind.ORGANISATION

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.handle

    def get_session_auth_hash(self) -> str:
        return salted_hmac(
            "townhall.accounts.Account.get_session_auth_hash", self.auth_salt, algorithm="sha256"
        ).hexdigest()

    def set_password(self, raw_password: str | None) -> None:
        raise NotImplementedError("Passwords live in the home region: use account_change_password")

    def check_password(self, raw_password: str | None) -> bool:
        raise NotImplementedError("Passwords live in the home region: use the RegionBackend")

    def has_usable_password(self) -> bool:
        return self.kind == self.Kind.PERSON


class Identity(models.Model):
    """The protected identity record of a person, in their home region's database.

    The sealed fields hold AES-GCM ciphertexts under the account's data key; only the access
    gateway (townhall.audit.gateway) opens them.
    """

    DATA_CLASS = DataClass.PROTECTED

    SEALED_FIELDS = (
        "email",
        "password",
        "date_of_birth",
        "country",
        "signup_ip",
        "last_login_ip",
        "last_login_at",
    )
    DATA_CATEGORY = "Identity (e-mail, date of birth, country, password hash, IP addresses)"

    account_id = models.BigIntegerField(unique=True)
    email = models.BinaryField()
    # A keyed hash of the normalised e-mail, for equality look-ups (log-in, uniqueness).
    email_digest = models.CharField(max_length=64, unique=True)
    password = models.BinaryField()
    date_of_birth = models.BinaryField()
    country = models.BinaryField(null=True)
    signup_ip = models.BinaryField(null=True)
    last_login_ip = models.BinaryField(null=True)
    last_login_at = models.BinaryField(null=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "identities"

    def __str__(self) -> str:
        return f"identity of account {self.account_id}"


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 of the secret is kept, in the home region."""

    DATA_CLASS = DataClass.PROTECTED

    SEALED_FIELDS = ("name",)
    DATA_CATEGORY = "API tokens"

    account_id = models.BigIntegerField(db_index=True)
    name = models.BinaryField()
    key_id = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"token {self.name!r} of account {self.account_id}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    EDITOR = "editor", "Editor"


class Membership(models.Model):
    DATA_CLASS = DataClass.PUBLIC

    organisation = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="members")
    member = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=8, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "member"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.member} is {self.role} of {self.organisation}"


class Invitation(models.Model):
    DATA_CLASS = DataClass.PUBLIC

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        REVOKED = "revoked", "Revoked"

    organisation = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="invitations")
    invitee = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="invitations_received"
    )
    invited_by = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=8, choices=Role.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "invitee"],
                condition=models.Q(state="pending"),
                name="one_pending_invitation",
            ),
        ]

    def __str__(self) -> str:
        return f"invitation of {self.invitee} to {self.organisation} as {self.role}"


class OrganisationAction(models.Model):
    """Who did what for an organisation: every service acting for one records a row."""

    DATA_CLASS = DataClass.PUBLIC

    organisation = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="actions")
    actor = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=32)
    subject = models.ForeignKey(
        Account, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.actor} {self.action} for {self.organisation}"
