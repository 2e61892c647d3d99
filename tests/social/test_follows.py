"""Follow services: public and private accounts, requests, counts, notifications, organisations."""

from __future__ import annotations

import pytest

from townhall.accounts.models import OrganisationAction
from townhall.accounts.services import (
    invitation_respond,
    organisation_invite,
    profile_update,
)
from townhall.errors import DomainError, Forbidden, NotFound
from townhall.notifications.models import Notification
from townhall.social import selectors, services
from townhall.social.models import AccountCounts, Follow


def counts(account) -> tuple[int, int]:
    c = selectors.account_counts(account)
    return c.followers, c.following


def join(org, member, role: str) -> None:
    owner = org.members.get(role="owner").member
    invitation = organisation_invite(
        organisation=org, actor=owner, invitee_handle=member.handle, role=role
    )
    invitation_respond(invitation_id=invitation.pk, account=member, accept=True)


def test_following_a_public_account_is_at_once_and_counted(make_person) -> None:
    ann, bob = make_person("ann"), make_person("bob")
    follow, created = services.follow_create(actor=ann, follower=ann, followee=bob)
    assert created and follow.state == Follow.State.APPROVED and follow.approved_at
    assert counts(bob) == (1, 0) and counts(ann) == (0, 1)
    note = Notification.objects.get(recipient=bob)
    assert (note.kind, note.actor, note.target) == (
        "follow",
        ann,
        f"account:{bob.pk}/follower:{ann.pk}",
    )
    assert selectors.follow_state(ann, bob) == "following"
    assert selectors.follow_state(bob, ann) == "none"
    assert selectors.follow_state(ann, ann) == "self"
    assert selectors.follow_state(None, bob) == "none"


def test_following_again_is_idempotent(make_person) -> None:
    ann, bob = make_person("ann"), make_person("bob")
    first, _ = services.follow_create(actor=ann, follower=ann, followee=bob)
    again, created = services.follow_create(actor=ann, follower=ann, followee=bob)
    assert again.pk == first.pk and not created
    assert counts(bob) == (1, 0)
    assert Notification.objects.filter(recipient=bob).count() == 1


def test_following_yourself_is_400(person) -> None:
    with pytest.raises(DomainError) as raised:
        services.follow_create(actor=person, follower=person, followee=person)
    assert (raised.value.status, raised.value.code) == (400, "cannot_follow_yourself")


def test_a_private_account_gets_a_request_and_a_second_one_is_the_same(make_person) -> None:
    ann, bob = make_person("ann"), make_person("bob")
    profile_update(account=bob, actor=bob, is_private=True)
    follow, created = services.follow_create(actor=ann, follower=ann, followee=bob)
    assert created and follow.state == Follow.State.PENDING
    again, created_again = services.follow_create(actor=ann, follower=ann, followee=bob)
    assert (again.pk, again.state, created_again) == (follow.pk, Follow.State.PENDING, False)
    assert counts(bob) == (0, 0)
    assert list(Notification.objects.filter(recipient=bob).values_list("kind", flat=True)) == [
        "follow_request"
    ]
    assert selectors.follow_state(ann, bob) == "requested"
    page = selectors.follow_request_page(account=bob, after=None, limit=10)
    assert [f.follower for f in page.items] == [ann]


def test_approving_counts_it_and_tells_the_requester(make_person) -> None:
    ann, bob = make_person("ann"), make_person("bob")
    profile_update(account=bob, actor=bob, is_private=True)
    services.follow_create(actor=ann, follower=ann, followee=bob)
    follow = services.follow_request_approve(actor=bob, account=bob, requester=ann)
    assert follow.state == Follow.State.APPROVED
    assert counts(bob) == (1, 0) and counts(ann) == (0, 1)
    assert not Notification.objects.filter(recipient=bob, kind="follow_request").exists()
    assert Notification.objects.filter(recipient=ann, kind="follow_approved", actor=bob).exists()
    with pytest.raises(NotFound) as raised:
        services.follow_request_approve(actor=bob, account=bob, requester=ann)
    assert raised.value.code == "follow_request_not_found"


def test_denying_deletes_the_request_and_its_notification(make_person) -> None:
    ann, bob = make_person("ann"), make_person("bob")
    profile_update(account=bob, actor=bob, is_private=True)
    services.follow_create(actor=ann, follower=ann, followee=bob)
    services.follow_request_deny(actor=bob, account=bob, requester=ann)
    assert not Follow.objects.exists()
    assert not Notification.objects.filter(recipient=bob).exists()
    assert counts(bob) == (0, 0)


def test_withdrawing_a_request_withdraws_its_notification(make_person) -> None:
    ann, bob = make_person("ann"), make_person("bob")
    profile_update(account=bob, actor=bob, is_private=True)
    services.follow_create(actor=ann, follower=ann, followee=bob)
    assert services.follow_delete(actor=ann, follower=ann, followee=bob)
    assert not Notification.objects.filter(recipient=bob).exists()
    assert not services.follow_delete(actor=ann, follower=ann, followee=bob)


def test_approve_all_and_going_public_approve_every_request(make_person) -> None:
    bob = make_person("bob")
    profile_update(account=bob, actor=bob, is_private=True)
    fans = [make_person() for _ in range(3)]
    for fan in fans:
        services.follow_create(actor=fan, follower=fan, followee=bob)
    assert services.follow_requests_approve_all(actor=bob, account=bob) == 3
    assert counts(bob) == (3, 0)
    assert all(counts(fan) == (0, 1) for fan in fans)

    late = make_person()
    services.follow_create(actor=late, follower=late, followee=bob)
    profile_update(account=bob, actor=bob, is_private=False)
    assert Follow.objects.get(follower=late).state == Follow.State.APPROVED
    assert counts(bob) == (4, 0) and counts(late) == (0, 1)
    assert services.follow_requests_approve_all(actor=bob, account=bob) == 0


def test_unfollowing_uncounts_and_withdraws(make_person) -> None:
    ann, bob = make_person("ann"), make_person("bob")
    services.follow_create(actor=ann, follower=ann, followee=bob)
    assert services.follow_delete(actor=ann, follower=ann, followee=bob)
    assert counts(bob) == (0, 0) and counts(ann) == (0, 0)
    assert not Notification.objects.filter(recipient=bob).exists()


def test_removing_a_follower(make_person) -> None:
    ann, bob = make_person("ann"), make_person("bob")
    services.follow_create(actor=ann, follower=ann, followee=bob)
    assert services.follower_remove(actor=bob, account=bob, follower=ann)
    assert counts(bob) == (0, 0) and not Follow.objects.exists()
    with pytest.raises(NotFound) as raised:  # bob is a person: nobody acts as him
        services.follower_remove(actor=ann, account=bob, follower=ann)
    assert raised.value.code == "organisation_not_found"


def test_counts_rows_appear_on_first_use(make_person) -> None:
    ann, bob = make_person("ann"), make_person("bob")
    assert not AccountCounts.objects.exists()
    assert counts(bob) == (0, 0)
    services.follow_create(actor=ann, follower=ann, followee=bob)
    assert AccountCounts.objects.count() == 2


def test_bursts_of_follows_are_429(settings, make_person) -> None:
    settings.TOWNHALL_SOCIAL_RATES = {**settings.TOWNHALL_SOCIAL_RATES, "follow": "2/60"}
    ann = make_person("ann")
    others = [make_person() for _ in range(3)]
    services.follow_create(actor=ann, follower=ann, followee=others[0])
    services.follow_create(actor=ann, follower=ann, followee=others[1])
    with pytest.raises(DomainError) as raised:
        services.follow_create(actor=ann, follower=ann, followee=others[2])
    assert raised.value.status == 429
    assert int(raised.value.response_headers()["Retry-After"]) >= 1


# --- Organisations ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["owner", "admin", "editor"])
def test_any_team_member_follows_as_the_organisation_and_it_is_logged(
    make_person, make_org, role
) -> None:
    member, target = make_person("mia"), make_person("tom")
    org = make_org(handle="civic")
    if role != "owner":
        join(org, member, role)
    else:
        member = org.members.get(role="owner").member
    services.follow_create(actor=member, follower=org, followee=target)
    assert Follow.objects.filter(follower=org, followee=target).exists()
    assert counts(org) == (0, 1)
    services.follow_delete(actor=member, follower=org, followee=target)
    log = list(
        OrganisationAction.objects.filter(organisation=org, action__startswith="follow.")
        .order_by("pk")
        .values_list("action", "actor", "subject")
    )
    assert log == [
        ("follow.create", member.pk, target.pk),
        ("follow.delete", member.pk, target.pk),
    ]


def test_a_stranger_cannot_follow_as_an_organisation(make_person, make_org) -> None:
    stranger, target = make_person(), make_person()
    org = make_org()
    with pytest.raises(Forbidden) as raised:
        services.follow_create(actor=stranger, follower=org, followee=target)
    assert raised.value.code == "not_a_member"
    other = make_person()
    with pytest.raises(NotFound) as not_org:
        services.follow_create(actor=stranger, follower=other, followee=target)
    assert not_org.value.code == "organisation_not_found"


def test_an_editor_cannot_approve_the_organisations_requests(make_person, make_org) -> None:
    editor, fan = make_person(), make_person()
    org = make_org()
    owner = org.members.get(role="owner").member
    join(org, editor, "editor")
    profile_update(account=org, actor=owner, is_private=True)
    services.follow_create(actor=fan, follower=fan, followee=org)
    with pytest.raises(Forbidden) as raised:
        services.follow_request_approve(actor=editor, account=org, requester=fan)
    assert raised.value.code == "role_insufficient"
    services.follow_request_approve(actor=owner, account=org, requester=fan)
    assert OrganisationAction.objects.filter(
        organisation=org, action="follow.approve", actor=owner, subject=fan
    ).exists()
