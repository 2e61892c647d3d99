"""An organisation cannot sign in: its team reads its inbox (``as``), in the API and the page."""

from __future__ import annotations

from townhall.notifications.models import Notification

from ..social.talk import join


def test_a_team_member_reads_and_marks_the_organisations_inbox(
    make_person, make_org, api_as, send
) -> None:
    owner, editor, stranger, fan = make_person(), make_person(), make_person(), make_person()
    org = make_org(owner)
    join(org, owner, editor, "editor")
    entry = send(org, "follow", actor=fan)
    send(editor, "follow", actor=fan)

    client = api_as(editor)
    listed = client.call("GET", f"/notifications?as={org.handle}").json()
    assert [item["id"] for item in listed["items"]] == [entry.pk]
    assert client.call("GET", f"/notifications/unread-count?as={org.handle}").json() == {
        "unread": 1
    }
    # Its own inbox is apart.
    assert len(client.call("GET", "/notifications").json()["items"]) == 1
    marked = client.call("POST", f"/notifications/read?as={org.handle}", {"ids": None}).json()
    assert marked == {"marked": 1, "unread": 0}
    assert Notification.objects.get(pk=entry.pk).read_at is not None
    assert Notification.objects.get(recipient=editor).read_at is None

    refused = api_as(stranger).call("GET", f"/notifications?as={org.handle}")
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "not_a_member")
    person = api_as(stranger).call("GET", f"/notifications?as={fan.handle}")
    assert (person.status_code, person.json()["error"]["code"]) == (404, "organisation_not_found")


def test_the_page_switches_between_ones_inboxes(make_person, make_org, browser, send) -> None:
    owner, fan, stranger = make_person(), make_person(), make_person()
    org = make_org(owner)
    send(org, "follow", actor=fan)
    client = browser(owner)
    mine = client.get("/notifications").content.decode()
    assert f"?as={org.handle}" in mine  # the switcher
    theirs = client.get(f"/notifications?as={org.handle}")
    html = theirs.content.decode()
    assert f"Notifications of @{org.handle}" in html
    assert "started following you" in html and "1 unread" in html
    response = client.post("/notifications/read", {"as": org.handle})
    assert response.status_code == 302
    assert response["Location"] == f"/notifications?as={org.handle}"
    assert not Notification.objects.filter(recipient=org, read_at__isnull=True).exists()
    assert browser(stranger).get(f"/notifications?as={org.handle}").status_code == 403
    assert "?as=" not in browser(stranger).get("/notifications").content.decode()
