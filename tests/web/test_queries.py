"""Lists on pages cost the same number of queries however long they are."""

from __future__ import annotations

from django.db import connections
from django.test.utils import CaptureQueriesContext

from townhall.accounts.services import invitation_respond, organisation_invite, token_create

# The session, the account, the organisation, the viewer's role, the members, the pending
# invitations' and unread notifications' counts (the menu), the team's pending invitations and
# its action log.
EXPECTED_TEAM = 9
# The session, the account, the pending invitations' and unread notifications' counts; the
# tokens are in the region.
EXPECTED_TOKENS = 4
# The session, the account, the pending invitations' and unread notifications' counts and the
# invitations.
EXPECTED_INVITATIONS = 5


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connections["default"]) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_home_page_queries_do_not_grow_with_organisations(client, make_org) -> None:
    make_org()
    few = queries(client, "/")
    for _ in range(5):
        make_org()
    assert queries(client, "/") == few


def test_team_page_queries_do_not_grow_with_the_team(client_as, make_person, make_org) -> None:
    owner = make_person()
    organisation = make_org(owner=owner)
    client = client_as(owner)
    url = f"/@{organisation.handle}/team"

    def add_member() -> None:
        invitation = organisation_invite(
            organisation=organisation,
            actor=owner,
            invitee_handle=make_person().handle,
            role="editor",
        )
        invitation_respond(invitation_id=invitation.pk, account=invitation.invitee, accept=True)
        organisation_invite(
            organisation=organisation,
            actor=owner,
            invitee_handle=make_person().handle,
            role="admin",
        )

    add_member()
    few = queries(client, url)
    for _ in range(5):
        add_member()
    assert queries(client, url) == few


def test_team_page_pinned_on_every_database(
    client_as, make_person, make_org, assert_queries_all_aliases
) -> None:
    """The team page, as its owner, with its members, pending invitations and action log."""
    owner = make_person()
    organisation = make_org(owner=owner)
    client = client_as(owner)
    url = f"/@{organisation.handle}/team"

    def grow(count: int) -> None:
        for _ in range(count):
            invitation = organisation_invite(
                organisation=organisation,
                actor=owner,
                invitee_handle=make_person().handle,
                role="editor",
            )
            invitation_respond(invitation_id=invitation.pk, account=invitation.invitee, accept=True)
            organisation_invite(
                organisation=organisation,
                actor=owner,
                invitee_handle=make_person().handle,
                role="admin",
            )

    grow(1)
    expected = {"default": EXPECTED_TEAM}
    with assert_queries_all_aliases(expected):
        assert client.get(url).status_code == 200
    grow(4)
    with assert_queries_all_aliases(expected):
        assert client.get(url).status_code == 200


def test_token_and_invitation_pages_pinned_on_every_database(
    client_as, make_person, make_org, assert_queries_all_aliases
) -> None:
    person = make_person()
    client = client_as(person)
    region, keyring = f"region_{person.home_region}", f"keyring_{person.home_region}"

    def grow(count: int) -> None:
        for n in range(count):
            token_create(account=person, name=f"token {n}")
            org = make_org()
            organisation_invite(
                organisation=org,
                actor=org.members.get(role="owner").member,
                invitee_handle=person.handle,
                role="editor",
            )

    grow(2)
    tokens = {"default": EXPECTED_TOKENS, region: 1, keyring: 1}
    invitations = {"default": EXPECTED_INVITATIONS}
    with assert_queries_all_aliases(tokens):
        assert client.get("/settings/tokens").status_code == 200
    with assert_queries_all_aliases(invitations):
        assert client.get("/invitations").status_code == 200
    grow(4)
    with assert_queries_all_aliases(tokens):
        assert client.get("/settings/tokens").status_code == 200
    with assert_queries_all_aliases(invitations):
        assert client.get("/invitations").status_code == 200
