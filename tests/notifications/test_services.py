"""notification_send and the inbox's writes: the rules of what reaches an inbox, grouping,
withdrawing, marking read, preferences."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from townhall.accounts.models import Account
from townhall.errors import DomainError
from townhall.notifications import services
from townhall.notifications.models import Notification, Preference
from townhall.notifications.services import (
    notification_send,
    notifications_mark_read,
    notifications_withdraw,
    preference_set,
)
from townhall.notifications.text import notification_text
from townhall.social.models import Block, Mute

pytestmark = pytest.mark.django_db(databases="__all__")


def like(recipient, actor, video="video:abc"):
    return notification_send(
        recipient=recipient, kind="like", actor=actor, target=video, group_key=video
    )


def test_likes_of_one_video_group_into_one_entry(make_person) -> None:
    owner = make_person("owner")
    fans = [make_person(f"fan{i}") for i in range(13)]

    first = like(owner, fans[0])
    assert first is not None
    assert notification_text(first) == "@fan0 liked your video"
    second = like(owner, fans[1])
    assert second is not None and second.pk == first.pk
    assert notification_text(second) == "@fan1 and 1 other liked your video"
    for fan in fans[2:]:
        last = like(owner, fan)

    entry = Notification.objects.get(recipient=owner)
    assert last is not None and last.pk == entry.pk
    assert (entry.count, entry.actor_id) == (13, fans[-1].pk)
    assert notification_text(entry) == "@fan12 and 12 others liked your video"
    # Another video has its own entry.
    other = like(owner, fans[0], video="video:def")
    assert other is not None and other.pk != entry.pk


@pytest.mark.parametrize(
    ("kind", "target", "sentence"),
    [
        ("follow", "", "@ann started following you"),
        ("follow_request", "", "@ann asked to follow you"),
        ("follow_approved", "", "@ann approved your follow request"),
        ("like", "video:v1", "@ann liked your video"),
        ("like", "video:v1/comment:7", "@ann liked your comment"),
        ("comment", "video:v1/comment:7", "@ann commented on your video"),
        ("reply", "video:v1/comment:8", "@ann replied to your comment"),
        ("mention", "video:v1/comment:9", "@ann mentioned you in a comment"),
    ],
)
def test_each_kind_has_its_sentence(make_person, send, kind, target, sentence) -> None:
    entry = send(make_person(), kind, actor=make_person("ann"), target=target)
    assert notification_text(entry) == sentence


def test_a_system_notice_says_its_message(person, send) -> None:
    entry = send(person, "system", message="This account has closed.")
    assert notification_text(entry) == "This account has closed."


def test_the_latest_liker_again_does_not_count_twice(make_person) -> None:
    owner, fan = make_person(), make_person("fan")
    like(owner, make_person())
    like(owner, fan)
    again = like(owner, fan)  # unliked and liked again
    assert again is not None and again.count == 2


def test_a_read_group_is_closed_and_the_next_like_starts_a_new_one(make_person) -> None:
    owner = make_person()
    first = like(owner, make_person())
    assert first is not None
    notifications_mark_read(account=owner)
    second = like(owner, make_person("late"))
    assert second is not None and second.pk != first.pk
    assert (second.count, notification_text(second)) == (1, "@late liked your video")


def test_a_grouped_like_moves_the_entry_up(make_person) -> None:
    owner = make_person()
    entry = like(owner, make_person())
    assert entry is not None
    joined = like(owner, make_person())
    assert joined is not None and joined.updated_at > entry.updated_at
    assert joined.created_at == entry.created_at


def test_no_notification_to_oneself(person) -> None:
    assert notification_send(recipient=person, kind="follow", actor=person) is None
    assert not Notification.objects.exists()


def test_no_notification_to_an_inactive_account(make_person) -> None:
    gone, actor = make_person(), make_person()
    Account.objects.filter(pk=gone.pk).update(is_active=False)
    gone.refresh_from_db()
    assert notification_send(recipient=gone, kind="follow", actor=actor) is None
    assert not Notification.objects.exists()


def test_a_kind_turned_off_is_not_sent_and_others_are(make_person) -> None:
    me, actor = make_person(), make_person()
    preference_set(account=me, kind="like", enabled=False)
    assert like(me, actor) is None
    assert notification_send(recipient=me, kind="follow", actor=actor) is not None
    preference_set(account=me, kind="like", enabled=True)
    assert like(me, actor) is not None
    assert Preference.objects.filter(account=me).count() == 1


def test_preference_set_refuses_an_unknown_kind(person) -> None:
    with pytest.raises(DomainError) as refused:
        preference_set(account=person, kind="poke", enabled=False)
    assert (refused.value.status, refused.value.code) == (400, "kind_unknown")
    assert refused.value.fields == {"kind": refused.value.message}


def test_an_unknown_kind_is_a_programming_error(person) -> None:
    with pytest.raises(ValueError, match="poke"):
        notification_send(recipient=person, kind="poke")


def test_a_registered_filter_stops_a_send(make_person, monkeypatch) -> None:
    """The filters are the one place rules about delivery (quiet hours, later) plug in."""
    quiet, other, actor = make_person("quiet"), make_person(), make_person()
    seen: list[tuple[int, int | None]] = []

    def quiet_hours(recipient, sender):
        seen.append((recipient.pk, sender.pk if sender else None))
        return recipient.handle != "quiet"

    monkeypatch.setattr(services, "_filters", [*services._filters])
    services.filter_register(quiet_hours)
    services.filter_register(quiet_hours)  # registering twice adds it once
    assert notification_send(recipient=quiet, kind="follow", actor=actor) is None
    assert notification_send(recipient=quiet, kind="system", message="Hello.") is None
    assert notification_send(recipient=other, kind="follow", actor=actor) is not None
    assert seen == [(quiet.pk, actor.pk), (quiet.pk, None), (other.pk, actor.pk)]


def test_the_social_filter_drops_blocked_and_muted_senders(make_person) -> None:
    me, blocked, blocker, muted = (make_person() for _ in range(4))
    Block.objects.create(blocker=me, blocked=blocked)
    Block.objects.create(blocker=blocker, blocked=me)
    Mute.objects.create(muter=me, muted=muted)
    for actor in (blocked, blocker, muted):
        assert notification_send(recipient=me, kind="follow", actor=actor) is None
    assert notification_send(recipient=me, kind="system", message="Still told.") is not None


def test_withdraw_by_target_takes_nested_targets_too(make_person, send) -> None:
    me, actor = make_person(), make_person()
    send(me, "comment", actor=actor, target="video:abc/comment:1")
    send(me, "reply", actor=actor, target="video:abc/comment:1/comment:2")
    send(me, "like", actor=actor, target="video:abc", group_key="video:abc")
    keep = send(me, "comment", actor=actor, target="video:abcd/comment:3")

    assert notifications_withdraw(target="video:abc/comment:1") == 2
    assert notifications_withdraw(target="video:abc") == 1
    assert list(Notification.objects.all()) == [keep]


def test_withdraw_by_kind_and_actor(make_person, send) -> None:
    me, asker, other = make_person(), make_person(), make_person()
    send(me, "follow_request", actor=asker, target=f"account:{asker.pk}")
    kept = send(me, "follow", actor=other, target=f"account:{asker.pk}")
    assert notifications_withdraw(target=f"account:{asker.pk}", kind="follow", actor=asker) == 0
    assert (
        notifications_withdraw(target=f"account:{asker.pk}", kind="follow_request", actor=asker)
        == 1
    )
    assert list(Notification.objects.all()) == [kept]


def test_mark_read_all_some_and_never_anothers(make_person, send) -> None:
    me, you, actor = make_person(), make_person(), make_person()
    mine = [send(me, "follow", actor=actor) for _ in range(3)]
    yours = send(you, "follow", actor=actor)

    assert notifications_mark_read(account=me, ids=[mine[0].pk, yours.pk, 10**12]) == 1
    assert notifications_mark_read(account=me, ids=[mine[0].pk]) == 0  # already read
    assert set(Notification.objects.filter(read_at__isnull=False).values_list("pk", flat=True)) == {
        mine[0].pk
    }
    assert notifications_mark_read(account=me) == 2
    assert notifications_mark_read(account=me, ids=[]) == 0
    yours.refresh_from_db()
    assert yours.read_at is None


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_concurrent_likes_of_one_video_end_in_one_entry(make_person) -> None:
    """Threads (each its own connection) like one video at once: the partial unique
    constraint keeps one unread entry and every like is counted (PostgreSQL only)."""
    if connection.vendor != "postgresql":
        pytest.skip("threads cannot share SQLite's in-memory test database reliably")
    owner = make_person("owner")
    threads_n, each = 6, 5
    fans = [make_person(f"fan{i}") for i in range(threads_n * each)]
    barrier = threading.Barrier(threads_n)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            barrier.wait()
            for fan in fans[n * each : (n + 1) * each]:
                assert like(owner, fan) is not None
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    entries = list(Notification.objects.filter(recipient=owner))
    assert len(entries) == 1
    assert entries[0].count == threads_n * each
