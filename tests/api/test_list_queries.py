"""The account's own lists in the API cost the same queries, on every database, however long."""

from __future__ import annotations

from townhall.accounts.services import organisation_invite, token_create


def invite(make_org, invitee, count: int) -> None:
    for _ in range(count):
        org = make_org()
        owner = org.members.get(role="owner").member
        organisation_invite(
            organisation=org, actor=owner, invitee_handle=invitee.handle, role="editor"
        )


def test_token_list(person, api_as, assert_queries_all_aliases) -> None:
    client = api_as(person)
    token_create(account=person, name="another")
    client.call("GET", "/tokens")  # the token's first use is recorded (a write), once
    region, keyring = f"region_{person.home_region}", f"keyring_{person.home_region}"
    # default: the token's account; the region: the token (two) and the tokens; the keyring:
    # the data key that opens every token's sealed name.
    expected = {"default": 1, region: 3, keyring: 1}
    with assert_queries_all_aliases(expected):
        assert len(client.call("GET", "/tokens").json()) == 2
    for n in range(4):
        token_create(account=person, name=f"more {n}")
    with assert_queries_all_aliases(expected):
        assert len(client.call("GET", "/tokens").json()) == 6


def test_invitation_list(person, make_org, api_as, assert_queries_all_aliases) -> None:
    client = api_as(person)
    invite(make_org, person, 2)
    client.call("GET", "/invitations")
    region = f"region_{person.home_region}"
    # default: the token's account and the invitations with their organisations and
    # inviters; the region: the token (two).
    expected = {"default": 2, region: 2}
    with assert_queries_all_aliases(expected):
        assert len(client.call("GET", "/invitations").json()) == 2
    invite(make_org, person, 4)
    with assert_queries_all_aliases(expected):
        assert len(client.call("GET", "/invitations").json()) == 6
