"""Who may do what: kinds of viewer, actions, visibilities and states, through the API and
the pages, each row with the exact status that comes back.

The rules live in ``townhall/accounts/roles.py`` (team roles),
``townhall/media/selectors.py`` (``video_list_visible``, who sees a video) and
``townhall/social/services.py`` (who follows, approves and blocks as whom); this table pins
what they add up to from the outside. It is written out, not computed from the rules: a change
of behaviour must change a row here.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from townhall.accounts.models import Account
from townhall.accounts.services import (
    account_set_staff,
    invitation_respond,
    member_remove,
    organisation_invite,
    profile_update,
)
from townhall.media.models import Rendition, Video, VideoText
from townhall.media.services import owner_vault
from townhall.notifications.models import Notification, Preference
from townhall.notifications.services import notification_send
from townhall.regions.selectors import storage_for
from townhall.social.services import follow_create

from .conftest import ApiClient

BACKEND = "townhall.accounts.backends.RegionBackend"
FILE = b"not really an mp4, but bytes to serve"


# --- The world --------------------------------------------------------------------------------


@dataclass
class World:
    pat: Account  # a person who posts for themselves
    civic: Account  # an organisation
    people: dict[str, Account]  # every kind of viewer but the anonymous one


@pytest.fixture
def world(make_person, make_org) -> World:
    pat = make_person("pat")
    olga = make_person("olga")
    civic = make_org(owner=olga, handle="civic")
    people = {
        "stranger": make_person("sam"),
        "person owner": pat,
        "org owner": olga,
        "org admin": make_person("adam"),
        "org editor": make_person("edna"),
        "former member": make_person("fred"),
        "staff": make_person("stu"),
    }
    for kind, role in (
        ("org admin", "admin"),
        ("org editor", "editor"),
        ("former member", "editor"),
    ):
        invitation = organisation_invite(
            organisation=civic, actor=olga, invitee_handle=people[kind].handle, role=role
        )
        invitation_respond(invitation_id=invitation.pk, account=people[kind], accept=True)
    member_remove(organisation=civic, actor=olga, member_handle="fred")
    account_set_staff(account=people["staff"], is_staff=True, jurisdiction="GB")
    return World(pat=pat, civic=civic, people=people)


def video_of(owner: Account, visibility: str, state: str) -> Video:
    """A video row with one file (a real one, sealed when the video is not public)."""
    video = Video.objects.create(
        owner=owner,
        uploaded_by=owner,
        visibility=visibility,
        state=state,
        region=owner.home_region,
        created_at=timezone.now() - dt.timedelta(minutes=5),
        published_at=timezone.now() if state == "published" else None,
    )
    name = f"videos/{video.public_id}/360.mp4"
    if visibility == "public":
        stored, sealed = storage_for("videos").save(name, ContentFile(FILE)), False
    else:
        vault = owner_vault(owner, acting=owner)
        vault.create(VideoText, video_id=video.pk, caption="not for everyone")
        stored, sealed = vault.save_file(name, [FILE]), True
    Rendition.objects.create(
        video=video,
        kind="mp4",
        name="360.mp4",
        content_type="video/mp4",
        storage_name=stored,
        sealed=sealed,
        size=len(FILE),
    )
    return video


def api_for(kind: str, world: World, api_as) -> ApiClient:
    return ApiClient() if kind == "anonymous" else api_as(world.people[kind])


def browser_for(kind: str, world: World) -> Client:
    client = Client()
    if kind != "anonymous":
        client.force_login(world.people[kind], backend=BACKEND)
    return client


# --- Seeing and playing a video ---------------------------------------------------------------

VIEWERS_OF = {
    "person": ["anonymous", "stranger", "person owner", "staff", "org owner"],
    "organisation": [
        "anonymous",
        "stranger",
        "org owner",
        "org admin",
        "org editor",
        "former member",
        "staff",
        "person owner",
    ],
}
# Who acts for each owner: the person themself; every member of the organisation's team,
# whatever their role. Nobody else, staff included.
ACTS_FOR = {
    ("person", "person owner"),
    ("organisation", "org owner"),
    ("organisation", "org admin"),
    ("organisation", "org editor"),
}
# (visibility, state) → the status of the video page, the API's detail and a file of the video
# for a viewer who does not act for its owner. Followers-only is as private as private until
# follows exist.
AUDIENCE = {
    ("public", "published"): 200,
    ("public", "processing"): 404,
    ("public", "failed"): 404,
    ("followers", "published"): 404,
    ("followers", "processing"): 404,
    ("private", "published"): 404,
    ("private", "failed"): 404,
}
# The same for the owner and the team: everything.
TEAM = dict.fromkeys(AUDIENCE, 200)

SEE_ROWS = [
    (owner, visibility, state, viewer)
    for owner, viewers in VIEWERS_OF.items()
    for viewer in viewers
    for visibility, state in AUDIENCE
]


@pytest.mark.parametrize(
    ("owner_kind", "visibility", "state", "viewer"),
    SEE_ROWS,
    ids=[f"{o}-{v}-{s}-{w.replace(' ', '_')}" for o, v, s, w in SEE_ROWS],
)
def test_seeing_a_video(world, api_as, owner_kind, visibility, state, viewer) -> None:
    owner = world.pat if owner_kind == "person" else world.civic
    video = video_of(owner, visibility, state)
    expected = (TEAM if (owner_kind, viewer) in ACTS_FOR else AUDIENCE)[(visibility, state)]
    api, browser = api_for(viewer, world, api_as), browser_for(viewer, world)

    page = browser.get(f"/v/{video.public_id}")
    detail = api.call("GET", f"/videos/{video.public_id}")
    played = browser.get(f"/v/{video.public_id}/360.mp4")
    listed = api.call("GET", f"/accounts/{owner.handle}/videos")
    status = browser.get(f"/v/{video.public_id}/status")

    assert (page.status_code, detail.status_code, played.status_code, status.status_code) == (
        expected,
    ) * 4
    if expected == 200:
        assert b"".join(played.streaming_content) == FILE  # type: ignore[attr-defined]
        assert detail.json()["caption"] == ("" if visibility == "public" else "not for everyone")
    else:
        assert detail.json()["error"]["code"] == "video_not_found"
    assert listed.status_code == 200
    assert [v["id"] for v in listed.json()["items"]] == (
        [video.public_id] if expected == 200 else []
    )


def test_an_unknown_video_is_the_same_404(world, api_as) -> None:
    """No video and somebody else's private video answer alike, to everyone."""
    private = video_of(world.pat, "private", "published")
    api = api_as(world.people["stranger"])
    missing, hidden = (
        api.call("GET", "/videos/nosuchvideo1"),
        api.call("GET", f"/videos/{private.public_id}"),
    )
    assert missing.status_code == hidden.status_code == 404
    assert missing.json() == hidden.json()


# --- Deleting a video -------------------------------------------------------------------------

# (owner, viewer) → the status of DELETE /api/v1/videos/<id> for a public, published video and
# for a private one. Who cannot see a video cannot learn that it exists (404); who sees it but
# may not delete it gets 403. Editors post for the organisation but do not delete.
DELETE_ROWS = [
    ("person", "anonymous", 401, 401),
    ("person", "stranger", 403, 404),
    ("person", "person owner", 204, 204),
    ("person", "staff", 403, 404),
    ("person", "org owner", 403, 404),
    ("organisation", "anonymous", 401, 401),
    ("organisation", "stranger", 403, 404),
    ("organisation", "org owner", 204, 204),
    ("organisation", "org admin", 204, 204),
    ("organisation", "org editor", 403, 403),
    ("organisation", "former member", 403, 404),
    ("organisation", "staff", 403, 404),
    ("organisation", "person owner", 403, 404),
]


@pytest.mark.parametrize(
    ("owner_kind", "viewer", "public_status", "private_status"),
    DELETE_ROWS,
    ids=[f"{o}-{w.replace(' ', '_')}" for o, w, _, _ in DELETE_ROWS],
)
def test_deleting_a_video(
    world,
    api_as,
    django_capture_on_commit_callbacks,
    owner_kind,
    viewer,
    public_status,
    private_status,
) -> None:
    owner = world.pat if owner_kind == "person" else world.civic
    api = api_for(viewer, world, api_as)
    for visibility, expected in (("public", public_status), ("private", private_status)):
        video = video_of(owner, visibility, "published")
        with django_capture_on_commit_callbacks(execute=True):
            res = api.call("DELETE", f"/videos/{video.public_id}")
        assert res.status_code == expected, (visibility, res.content)
        assert Video.objects.filter(pk=video.pk).exists() == (expected != 204)
        if expected == 403:
            assert res.json()["error"]["code"] == "not_allowed"


# --- Acting for the organisation --------------------------------------------------------------

# viewer → (post a video for @civic, edit its profile through the API, open its edit page,
# invite someone to its team). Posting needs any role; editing and the team need owner or admin;
# anyone else is refused with 403 (a person who is signed out is sent to log in by the page).
ORGANISATION_ROWS = [
    ("anonymous", 401, 401, 302, 401),
    ("stranger", 403, 403, 403, 403),
    ("org owner", 201, 200, 200, 201),
    ("org admin", 201, 200, 200, 201),
    ("org editor", 201, 403, 403, 403),
    ("former member", 403, 403, 403, 403),
    ("staff", 403, 403, 403, 403),
]
# The error code of each 403, in the same order.
ORGANISATION_ERRORS = {
    "stranger": ("not_allowed", "not_a_member", "role_insufficient", "not_a_member"),
    "org editor": (None, "role_insufficient", "role_insufficient", "role_insufficient"),
    "former member": ("not_allowed", "not_a_member", "role_insufficient", "not_a_member"),
    "staff": ("not_allowed", "not_a_member", "role_insufficient", "not_a_member"),
}


def _b64(value: str) -> str:
    return base64.b64encode(value.encode()).decode()


@pytest.mark.parametrize(
    ("viewer", "post", "edit_api", "edit_page", "invite"),
    ORGANISATION_ROWS,
    ids=[row[0].replace(" ", "_") for row in ORGANISATION_ROWS],
)
def test_acting_for_the_organisation(
    world, api_as, make_person, viewer, post, edit_api, edit_page, invite
) -> None:
    api, browser = api_for(viewer, world, api_as), browser_for(viewer, world)
    posted = api.call(
        "POST",
        "/uploads/",
        HTTP_TUS_RESUMABLE="1.0.0",
        HTTP_UPLOAD_LENGTH="1000",
        HTTP_UPLOAD_METADATA=f"organisation {_b64('civic')},filename {_b64('a.mp4')}",
    )
    edited = api.call("PATCH", "/organisations/civic", {"bio": "Edited."})
    page = browser.get("/@civic/edit")
    invited = api.call(
        "POST",
        "/organisations/civic/invitations",
        {"handle": make_person().handle, "role": "editor"},
    )
    responses = (posted, edited, page, invited)
    assert tuple(r.status_code for r in responses) == (post, edit_api, edit_page, invite)
    for response, code in zip(responses, ORGANISATION_ERRORS.get(viewer, (None,) * 4), strict=True):
        if code is not None and response is not page:
            assert response.json()["error"]["code"] == code


# --- Managing the team ------------------------------------------------------------------------

# (actor, the member's role) → the status of changing that member to editor and of removing
# them. Admins manage editors and admins; only owners touch an owner. The target is always a
# second member, never the actor.
TEAM_ROWS = [
    ("org owner", "owner", 200, 204),
    ("org owner", "admin", 200, 204),
    ("org owner", "editor", 200, 204),
    ("org admin", "owner", 403, 403),
    ("org admin", "admin", 200, 204),
    ("org admin", "editor", 200, 204),
    ("org editor", "admin", 403, 403),
    ("org editor", "editor", 403, 403),
    ("former member", "editor", 403, 403),
    ("stranger", "editor", 403, 403),
    ("staff", "editor", 403, 403),
    ("anonymous", "editor", 401, 401),
]


@pytest.mark.parametrize(
    ("actor", "member_role", "change", "remove"),
    TEAM_ROWS,
    ids=[f"{a.replace(' ', '_')}-on-{r}" for a, r, _, _ in TEAM_ROWS],
)
def test_managing_the_team(world, api_as, make_person, actor, member_role, change, remove) -> None:
    target = make_person()
    invitation = organisation_invite(
        organisation=world.civic,
        actor=world.people["org owner"],
        invitee_handle=target.handle,
        role=member_role,
    )
    invitation_respond(invitation_id=invitation.pk, account=target, accept=True)
    api = api_for(actor, world, api_as)
    path = f"/organisations/civic/members/{target.handle}"
    changed = api.call("PATCH", path, {"role": "editor"})
    removed = api.call("DELETE", path)
    assert (changed.status_code, removed.status_code) == (change, remove)
    if change == 403:
        assert changed.json()["error"]["code"] in ("role_insufficient", "not_a_member")


# (viewer) → the team page's status, and whether it offers to manage, to invite, and shows the
# pending invitations and the action log.
TEAM_PAGE_ROWS = [
    ("anonymous", False, False),
    ("stranger", False, False),
    ("org owner", True, True),
    ("org admin", True, True),
    ("org editor", False, True),
    ("former member", False, False),
    ("staff", False, False),
]


@pytest.mark.parametrize(
    ("viewer", "manages", "sees_records"),
    TEAM_PAGE_ROWS,
    ids=[row[0].replace(" ", "_") for row in TEAM_PAGE_ROWS],
)
def test_team_page(world, viewer, manages, sees_records) -> None:
    organisation_invite(
        organisation=world.civic,
        actor=world.people["org owner"],
        invitee_handle="pat",
        role="editor",
    )
    res = browser_for(viewer, world).get("/@civic/team")
    assert res.status_code == 200
    assert (res.context["can_manage"], bool(res.context["invite_form"])) == (manages, manages)
    assert bool(res.context["invitations"]) == sees_records
    assert bool(res.context["actions"]) == sees_records


# --- Following, and an organisation's follows -------------------------------------------------

# viewer → (follow @pat as oneself, follow @pat as @civic, approve a request to follow @civic
# (private), block an account for @civic, read @civic's followers). Any team member follows as
# the organisation; its owners and admins approve requests and block for it; a private
# account's lists are for its team and approved followers (403 ``lists_private``).
FOLLOW_ROWS = [
    ("anonymous", 401, 401, 401, 401, 403),
    ("stranger", 200, 403, 403, 403, 403),
    ("person owner", 400, 403, 403, 403, 403),
    ("org owner", 200, 200, 200, 204, 200),
    ("org admin", 200, 200, 200, 204, 200),
    ("org editor", 200, 200, 403, 403, 200),
    ("former member", 200, 403, 403, 403, 403),
    ("staff", 200, 403, 403, 403, 403),
]


@pytest.mark.parametrize(
    ("viewer", "follow", "follow_as", "approve", "block", "lists"),
    FOLLOW_ROWS,
    ids=[row[0].replace(" ", "_") for row in FOLLOW_ROWS],
)
def test_following_and_acting_for_the_organisation(
    world, api_as, make_person, viewer, follow, follow_as, approve, block, lists
) -> None:
    profile_update(account=world.civic, actor=world.people["org owner"], is_private=True)
    fan, nuisance = make_person(), make_person()
    follow_create(actor=fan, follower=fan, followee=world.civic)
    api = api_for(viewer, world, api_as)
    responses = (
        api.call("PUT", "/accounts/pat/follow"),
        api.call("PUT", "/accounts/pat/follow?as=civic"),
        api.call("POST", f"/follow-requests/{fan.handle}/approve?as=civic"),
        api.call("PUT", f"/accounts/{nuisance.handle}/block?as=civic"),
        api.call("GET", "/accounts/civic/followers"),
    )
    assert tuple(r.status_code for r in responses) == (follow, follow_as, approve, block, lists)
    if lists == 403:
        assert responses[4].json()["error"]["code"] == "lists_private"


# --- The inbox --------------------------------------------------------------------------------

# viewer → (list, mark all read, turn a kind off: through the API; the same three on the
# pages). Each account reaches its own inbox only: there is no address for another's, and
# marking ids that are not yours changes nothing. Staff and team mates are strangers here.
INBOX_ROWS = [
    ("anonymous", (401, 401, 401), (302, 302, 302)),
    ("person owner", (200, 200, 200), (200, 302, 302)),
    ("stranger", (200, 200, 200), (200, 302, 302)),
    ("org owner", (200, 200, 200), (200, 302, 302)),
    ("staff", (200, 200, 200), (200, 302, 302)),
]


@pytest.mark.parametrize(
    ("viewer", "api_statuses", "page_statuses"),
    INBOX_ROWS,
    ids=[row[0].replace(" ", "_") for row in INBOX_ROWS],
)
def test_the_inbox_is_its_owners_only(world, api_as, viewer, api_statuses, page_statuses) -> None:
    entry = notification_send(recipient=world.pat, kind="follow", actor=world.people["stranger"])
    assert entry is not None
    api, browser = api_for(viewer, world, api_as), browser_for(viewer, world)

    listed = api.call("GET", "/notifications")
    marked = api.call("POST", "/notifications/read", {"ids": [entry.pk]})
    turned = api.call("PATCH", "/notifications/preferences", {"kind": "like", "enabled": False})
    assert (listed.status_code, marked.status_code, turned.status_code) == api_statuses
    if listed.status_code == 200:
        expected = [entry.pk] if viewer == "person owner" else []
        assert [i["id"] for i in listed.json()["items"]] == expected
    entry.refresh_from_db()
    assert (entry.read_at is not None) == (viewer == "person owner")

    Notification.objects.filter(pk=entry.pk).update(read_at=None)
    page = browser.get("/notifications")
    marked_page = browser.post("/notifications/read", {"id": [entry.pk]})
    settings_page = browser.post("/settings/notifications", {"enabled": ["follow"]})
    assert (
        page.status_code,
        marked_page.status_code,
        settings_page.status_code,
    ) == page_statuses
    entry.refresh_from_db()
    assert (entry.read_at is not None) == (viewer == "person owner")
    # Preferences are the viewer's own: pat's stay as they were unless pat changed them.
    assert Preference.objects.filter(account=world.pat).exists() == (viewer == "person owner")


# --- Likes and comments -----------------------------------------------------------------------

# (owner, viewer) → the status of liking a public video, commenting on it, pinning a comment of
# someone else's, setting who may comment, deleting that comment, and liking a private video.
# Anyone who sees a video likes and comments; its owner and its whole team pin and set the
# comment setting; deleting another's comment takes the owner, or an organisation's owner or
# admin (an editor gets 403). Who cannot see a video gets 404, as for no video.
TALK_ROWS = [
    ("person", "anonymous", 401, 401, 401, 401, 401, 401),
    ("person", "stranger", 200, 201, 403, 403, 403, 404),
    ("person", "person owner", 200, 201, 200, 200, 204, 200),
    ("person", "staff", 200, 201, 403, 403, 403, 404),
    ("person", "org owner", 200, 201, 403, 403, 403, 404),
    ("organisation", "anonymous", 401, 401, 401, 401, 401, 401),
    ("organisation", "stranger", 200, 201, 403, 403, 403, 404),
    ("organisation", "org owner", 200, 201, 200, 200, 204, 200),
    ("organisation", "org admin", 200, 201, 200, 200, 204, 200),
    ("organisation", "org editor", 200, 201, 200, 200, 403, 200),
    ("organisation", "former member", 200, 201, 403, 403, 403, 404),
    ("organisation", "staff", 200, 201, 403, 403, 403, 404),
]


@pytest.mark.parametrize(
    ("owner_kind", "viewer", "like", "comment", "pin", "policy", "delete", "like_private"),
    TALK_ROWS,
    ids=[f"{row[0]}-{row[1].replace(' ', '_')}" for row in TALK_ROWS],
)
def test_likes_and_comments(
    world,
    api_as,
    make_person,
    owner_kind,
    viewer,
    like,
    comment,
    pin,
    policy,
    delete,
    like_private,
) -> None:
    from townhall.social.services import comment_create

    owner = world.pat if owner_kind == "person" else world.civic
    public, private = (
        video_of(owner, "public", "published"),
        video_of(owner, "private", "published"),
    )
    writer = make_person()
    theirs = comment_create(actor=writer, author=writer, video=public, body="a comment")
    api = api_for(viewer, world, api_as)
    base = f"/videos/{public.public_id}"
    responses = (
        api.call("PUT", f"{base}/like"),
        api.call("POST", f"{base}/comments", {"body": "hello"}),
        api.call("PUT", f"{base}/pin", {"comment": theirs.pk}),
        api.call("PATCH", f"{base}/comment-settings", {"policy": "followers"}),
        api.call("DELETE", f"/comments/{theirs.pk}"),
        api.call("PUT", f"/videos/{private.public_id}/like"),
    )
    assert tuple(r.status_code for r in responses) == (
        like,
        comment,
        pin,
        policy,
        delete,
        like_private,
    )
    for response in responses:
        if response.status_code == 403:
            assert response.json()["error"]["code"] == "not_allowed"
        if response.status_code == 404:
            assert response.json()["error"]["code"] == "video_not_found"


# --- Counting a view, and one's watch history -------------------------------------------------

VIEW_ROWS = [
    (owner, visibility, state, viewer)
    for owner, viewers in VIEWERS_OF.items()
    for viewer in viewers
    for visibility, state in AUDIENCE
]


@pytest.mark.parametrize(
    ("owner_kind", "visibility", "state", "viewer"),
    VIEW_ROWS,
    ids=[f"{o}-{v}-{s}-{w.replace(' ', '_')}" for o, v, s, w in VIEW_ROWS],
)
def test_counting_a_view(world, api_as, owner_kind, visibility, state, viewer) -> None:
    """Who may see a video may report a view of it (the same 404 otherwise); only a view of a
    published one counts."""
    owner = world.pat if owner_kind == "person" else world.civic
    video = video_of(owner, visibility, state)
    expected = (TEAM if (owner_kind, viewer) in ACTS_FOR else AUDIENCE)[(visibility, state)]
    response = api_for(viewer, world, api_as).call(
        "POST", f"/videos/{video.public_id}/views", {"played": 5}
    )
    assert response.status_code == expected
    if expected == 200:
        assert response.json()["counted"] == (state == "published")
    else:
        assert response.json()["error"]["code"] == "video_not_found"


@pytest.mark.parametrize("viewer", ["anonymous", "stranger", "person owner", "staff"])
def test_clearing_watch_history_is_ones_own(world, api_as, viewer) -> None:
    """Anyone signed in clears their own history, never another's; signed out, 401."""
    video = video_of(world.pat, "public", "published")
    others = world.people["org admin"]
    assert (api_as(others).call("POST", f"/videos/{video.public_id}/views", {"played": 5}).json())[
        "counted"
    ]
    response = api_for(viewer, world, api_as).call("DELETE", "/me/history")
    assert response.status_code == (401 if viewer == "anonymous" else 204)
    kept = api_as(others).call("GET", "/me/history").json()["items"]
    assert [item["video_id"] for item in kept] == [video.public_id]
