"""The access gateway: purpose-bound, jurisdiction-checked, logged."""

import dataclasses

import pytest
from django.conf import settings

from townhall.accounts.models import Identity
from townhall.accounts.selectors import identity_get
from townhall.accounts.services import account_set_staff
from townhall.audit.gateway import Actor, Purpose, open_vault
from townhall.audit.selectors import access_log_for_account
from townhall.errors import DomainError, Forbidden


@pytest.fixture
def staff(make_person):
    return account_set_staff(account=make_person("helpdesk"), is_staff=True, jurisdiction="GB")


@pytest.fixture
def deny_in_sg(settings):
    """The operator's policy: nobody working from RU or GB may read Singapore's data."""
    regions = dict(settings.TOWNHALL_REGIONS)
    regions["sg"] = dataclasses.replace(
        regions["sg"],
        deny_jurisdictions=frozenset({"RU", "GB"}),
        system_jobs=frozenset({"residency_scan"}),
    )
    settings.TOWNHALL_REGIONS = regions


def log_of(account):
    return [
        (e.actor_role, e.purpose, e.reference, e.outcome)
        for e in access_log_for_account(account_id=account.pk)
    ]


def test_the_user_reading_their_own_data_is_not_logged(person):
    assert identity_get(account=person).email == "alice@example.org"
    assert log_of(person) == []


def test_staff_access_needs_a_reference_and_is_logged(person, staff):
    vault = open_vault(
        subject=person, actor=Actor.staff(staff), purpose="support_request", reference="T-1"
    )
    assert vault.reveal(vault.rows(Identity).get())["email"] == "alice@example.org"
    assert log_of(person) == [("staff", "support_request", "T-1", "granted")]
    entry = access_log_for_account(account_id=person.pk)[0]
    assert entry.actor_id == staff.pk
    assert entry.actor_jurisdiction == "GB"
    assert entry.region_code == person.home_region


def test_staff_without_reference_is_refused_and_logged(person, staff):
    with pytest.raises(DomainError) as exc:
        open_vault(subject=person, actor=Actor.staff(staff), purpose="support_request")
    assert exc.value.code == "reference_required"
    assert log_of(person) == [("staff", "support_request", "", "refused")]


def test_unknown_purpose(person, staff):
    with pytest.raises(DomainError) as exc:
        open_vault(subject=person, actor=Actor.staff(staff), purpose="curiosity", reference="x")
    assert exc.value.code == "unknown_purpose"
    assert "support_request" in exc.value.message
    assert log_of(person) == [("staff", "curiosity", "x", "refused")]


@pytest.mark.parametrize(
    ("purpose", "code", "logged"),
    [
        ("x" * 33, "unknown_purpose", "x" * 31 + "…"),
        ("legal_request_for_a_very_long_reason_indeed" * 300, "unknown_purpose", None),
        ("", "purpose_required", "(none)"),
        ("   ", "purpose_required", "(none)"),
    ],
)
def test_an_empty_or_over_long_purpose_is_refused_and_the_refusal_logged(
    person, staff, purpose, code, logged
):
    with pytest.raises(DomainError) as exc:
        open_vault(subject=person, actor=Actor.staff(staff), purpose=purpose, reference="T-2")
    assert exc.value.code == code and "support_request" in exc.value.message
    assert len(exc.value.message) < 300
    [entry] = access_log_for_account(account_id=person.pk)
    assert (entry.outcome, entry.reference) == ("refused", "T-2")
    assert len(entry.purpose) <= 32 and entry.reason == exc.value.message
    if logged is not None:
        assert entry.purpose == logged


def test_an_over_long_reference_is_refused_and_the_refusal_logged(person, staff):
    reference = "LEGAL-" + "9" * 300
    with pytest.raises(DomainError) as exc:
        open_vault(
            subject=person, actor=Actor.staff(staff), purpose="legal_request", reference=reference
        )
    assert exc.value.code == "reference_too_long"
    assert "at most 200 characters" in exc.value.message and "306" in exc.value.message
    [entry] = access_log_for_account(account_id=person.pk)
    assert (entry.outcome, entry.purpose) == ("refused", "legal_request")
    assert entry.reference == reference[:199] + "…"
    # The longest reference the log holds is granted.
    open_vault(
        subject=person, actor=Actor.staff(staff), purpose="legal_request", reference="R" * 200
    )
    assert access_log_for_account(account_id=person.pk)[0].reference == "R" * 200


def test_non_staff_cannot_act_as_staff(person, make_person):
    with pytest.raises(Forbidden) as exc:
        open_vault(
            subject=person,
            actor=Actor.staff(make_person()),
            purpose="support_request",
            reference="x",
        )
    assert exc.value.code == "staff_only"


def test_staff_without_jurisdiction_is_refused(person, make_person):
    nowhere = make_person("nowhere")
    nowhere.is_staff = True
    nowhere.save()
    with pytest.raises(Forbidden) as exc:
        open_vault(
            subject=person, actor=Actor.staff(nowhere), purpose="legal_request", reference="L"
        )
    assert exc.value.code == "staff_jurisdiction_missing"


def test_someone_else_cannot_pretend_to_be_the_user(person, make_person):
    with pytest.raises(Forbidden):
        open_vault(subject=person, actor=Actor.itself(make_person()), purpose="service_delivery")


def test_access_from_a_denied_jurisdiction_is_refused_and_logged(deny_in_sg, make_person, staff):
    singaporean = make_person("lim", country="SG")
    with pytest.raises(Forbidden) as exc:
        open_vault(
            subject=singaporean, actor=Actor.staff(staff), purpose="legal_request", reference="L-9"
        )
    assert exc.value.code == "jurisdiction_denied"
    assert "GB" in exc.value.message and "sg" in exc.value.message
    [entry] = access_log_for_account(account_id=singaporean.pk)
    assert (entry.outcome, entry.region_code, entry.actor_jurisdiction) == ("refused", "sg", "GB")
    assert "never allowed" in entry.reason
    # The same staff member may still read data homed in regions without that rule.
    open_vault(
        subject=make_person("bob"),
        actor=Actor.staff(staff),
        purpose="legal_request",
        reference="L-9",
    )


def test_only_listed_system_jobs_run_in_a_region(deny_in_sg, make_person):
    singaporean = make_person("lim", country="SG")
    open_vault(
        subject=singaporean, actor=Actor.system("residency_scan"), purpose="service_delivery"
    )
    with pytest.raises(Forbidden) as exc:
        open_vault(subject=singaporean, actor=Actor.system("analytics"), purpose="service_delivery")
    assert exc.value.code == "job_not_allowed"
    assert log_of(singaporean) == [
        ("system: analytics", "service_delivery", "", "refused"),
        ("system: residency_scan", "service_delivery", "", "granted"),
    ]


def test_purposes_are_the_fixed_list():
    assert {p.value for p in Purpose} == {
        "service_delivery",
        "support_request",
        "safety_investigation",
        "legal_request",
        "data_export",
        "account_closure",
    }


def test_region_policy_is_read_from_configuration():
    assert settings.TOWNHALL_REGIONS["uk"].deny_jurisdictions == frozenset()
    assert settings.TOWNHALL_REGIONS["uk"].system_jobs is None


def test_an_approved_follower_reads_what_is_shared_with_followers_and_is_logged(
    person, make_person
):
    from townhall.audit.gateway import follower_vault
    from townhall.social.models import Follow

    fan = make_person("fan")
    Follow.objects.create(follower=fan, followee=person, state=Follow.State.APPROVED)
    vault = follower_vault(person, follower=fan)
    assert vault.subject.pk == person.pk
    assert log_of(person) == [("follower", "service_delivery", "", "granted")]
    assert access_log_for_account(account_id=person.pk)[0].actor_id == fan.pk


@pytest.mark.parametrize("state", [None, "pending"])
def test_anyone_but_an_approved_follower_is_refused_as_one_and_logged(person, make_person, state):
    from townhall.audit.gateway import follower_vault
    from townhall.social.models import Follow

    stranger = make_person("stranger")
    if state is not None:
        Follow.objects.create(follower=stranger, followee=person, state=state)
    with pytest.raises(Forbidden) as exc:
        follower_vault(person, follower=stranger)
    assert exc.value.code == "not_a_follower"
    assert log_of(person) == [("follower", "service_delivery", "", "refused")]


def test_a_follower_the_account_blocked_reads_nothing(person, make_person):
    from townhall.audit.gateway import follower_vault
    from townhall.social.models import Block, Follow

    fan = make_person("fan")
    Follow.objects.create(follower=fan, followee=person, state=Follow.State.APPROVED)
    Block.objects.create(blocker=person, blocked=fan)
    with pytest.raises(Forbidden):
        follower_vault(person, follower=fan)
