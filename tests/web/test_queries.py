"""Lists on pages cost the same number of queries however long they are."""

from __future__ import annotations

from django.db import connections
from django.test.utils import CaptureQueriesContext

from townhall.accounts.services import invitation_respond, organisation_invite


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
