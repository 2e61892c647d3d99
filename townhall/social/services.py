"""Every social write: follows, blocks and mutes; likes, comments and shares; views.

The one home of each: pages, the API and later apps (feeds, closure) call these functions,
never the models. Each is keyword-only and atomic; notifications go through
``notifications.services.notification_send``; an action for an organisation is recorded in
its action log (``accounts.services.organisation_action_record``) naming the member.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils import timezone

from townhall.accounts import roles
from townhall.accounts.models import Account
from townhall.accounts.roles import acts_for
from townhall.accounts.services import organisation_action_record
from townhall.accounts.visibility import is_hidden
from townhall.audit.gateway import own_vault
from townhall.errors import DomainError, Forbidden, NotFound
from townhall.media.captions import mentions_in
from townhall.media.models import Video
from townhall.media.selectors import video_list_visible
from townhall.notifications.models import Kind
from townhall.notifications.services import (
    notification_send,
    notifications_between_withdraw,
    notifications_withdraw,
)

from .commenting import (
    COMMENT_MAX,
    comment_powers,
    comment_refusal,
    comment_target,
    video_target,
)
from .limits import rate_check
from .models import (
    AccountCounts,
    Block,
    Comment,
    CommentLike,
    Follow,
    Like,
    Mute,
    SearchEntry,
    VideoStats,
    VideoTag,
    WatchEntry,
)

# --- Follows, blocks, mutes ------------------------------------------------------------------
#
# Who acts: ``actor`` is the signed-in person; the account that follows (blocks, mutes,
# approves) is the actor itself or an organisation. Any member of an organisation's team
# follows and unfollows as it (as it posts for it); approving requests, removing followers,
# blocking and muting for an organisation is for those who edit its profile (owners, admins).
#
# Counts: ``AccountCounts`` counts approved follows only, changed with ``F()`` in the
# transaction that writes the follow, the rows of both accounts in the order of their ids (so
# that two transactions never wait for each other in a circle). A counts row is created on
# first use with an INSERT that ignores a conflict, so that two first follows at once do not
# race.
#
# Notifications of a follow are rows of the same database, written in the follow's own
# transaction, so that one exists exactly when its follow does. Their target is
# ``account:<followee id>/follower:<follower id>``: one per pair, nested under the followee.


def _require_acts_as(*, actor: Account, account: Account, manages: bool) -> None:
    """``actor`` may act as ``account``: it is ``account``, or on the organisation's team (with
    a managing role when ``manages``). 404 ``organisation_not_found`` for another person, 403
    ``not_a_member`` / ``role_insufficient`` otherwise."""
    if actor.pk == account.pk:
        return
    if manages:
        roles.require_team_manager(account, actor)
    else:
        roles.require_member(account, actor)


def _require_not_hidden(*, actor: Account, acting: Account, other: Account) -> None:
    """404 ``account_not_found``, as if ``other`` did not exist, when a block stands between it
    and the acting account or the person acting."""
    if is_hidden(acting, other) or (actor.pk != acting.pk and is_hidden(actor, other)):
        raise NotFound("account_not_found", f"No account @{other.handle}.")


def follow_target(*, follower_id: int, followee_id: int) -> str:
    """The notification target of a follow (its request, its approval)."""
    return f"account:{followee_id}/follower:{follower_id}"


def _counts_change(changes: dict[int, dict[str, int]]) -> None:
    """Add to the counts of each account (by id) in one transaction, in the order of the ids."""
    ids = sorted(changes)
    AccountCounts.objects.bulk_create(
        [AccountCounts(account_id=pk) for pk in ids], ignore_conflicts=True
    )
    for pk in ids:
        fields = {name: F(name) + delta for name, delta in changes[pk].items() if delta}
        if fields:
            AccountCounts.objects.filter(account_id=pk).update(**fields)


def _approved_counts(follower_id: int, followee_id: int, delta: int) -> None:
    _counts_change({follower_id: {"following": delta}, followee_id: {"followers": delta}})


def _send_follow_notification(follow: Follow) -> None:
    follower, followee = follow.follower, follow.followee
    approved = follow.state == Follow.State.APPROVED
    notification_send(
        recipient=followee,
        kind="follow" if approved else "follow_request",
        actor=follower,
        target=follow_target(follower_id=follower.pk, followee_id=followee.pk),
        link=reverse("social:profile", kwargs={"handle": follower.handle})
        if approved
        else reverse("social:follow_requests"),
    )


def follow_create(*, actor: Account, follower: Account, followee: Account) -> tuple[Follow, bool]:
    """``follower`` (the actor, or an organisation it is on the team of) follows ``followee``:
    at once for a public account, as a request (pending) for a private one.

    Idempotent: a second request while one is pending, or a follow that stands, returns the
    existing row (``created`` False) and changes nothing. 400 ``cannot_follow_yourself``; 404
    ``account_not_found`` when a block stands between them (as if it did not exist); 429 on
    bursts (``TOWNHALL_RATE_FOLLOW``, counted per person acting).
    """
    _require_acts_as(actor=actor, account=follower, manages=False)
    if follower.pk == followee.pk:
        raise DomainError("cannot_follow_yourself", "You cannot follow yourself.")
    _require_not_hidden(actor=actor, acting=follower, other=followee)
    rate_check("follow", str(actor.pk))
    with transaction.atomic():
        existing = Follow.objects.filter(follower=follower, followee=followee).first()
        if existing is not None:
            return existing, False
        private = followee.is_private
        now = timezone.now()
        try:
            with transaction.atomic():
                follow = Follow.objects.create(
                    follower=follower,
                    followee=followee,
                    state=Follow.State.PENDING if private else Follow.State.APPROVED,
                    created_at=now,
                    approved_at=None if private else now,
                )
        except IntegrityError:
            # The same follow, by a request that came at the same time: that one counted it.
            return Follow.objects.get(follower=follower, followee=followee), False
        if not private:
            _approved_counts(follower.pk, followee.pk, +1)
        organisation_action_record(
            organisation=follower,
            actor=actor,
            action="follow.create" if not private else "follow.request",
            subject=followee,
        )
        _send_follow_notification(follow)
    return follow, True


def _follow_remove(follow: Follow) -> bool:
    """Delete ``follow`` (locked first), its counts and its notifications; False when another
    request deleted it first."""
    locked = Follow.objects.select_for_update().filter(pk=follow.pk).first()
    if locked is None:
        return False
    locked.delete()
    if locked.state == Follow.State.APPROVED:
        _approved_counts(locked.follower_id, locked.followee_id, -1)
    notifications_withdraw(
        target=follow_target(follower_id=locked.follower_id, followee_id=locked.followee_id)
    )
    return True


def follow_delete(*, actor: Account, follower: Account, followee: Account) -> bool:
    """``follower`` unfollows ``followee``, or withdraws its pending request (and the request's
    notification goes). Idempotent: True when there was a follow or a request to end."""
    _require_acts_as(actor=actor, account=follower, manages=False)
    with transaction.atomic():
        follow = Follow.objects.filter(follower=follower, followee=followee).first()
        if follow is None or not _follow_remove(follow):
            return False
        organisation_action_record(
            organisation=follower, actor=actor, action="follow.delete", subject=followee
        )
    return True


def _pending(account: Account, requester: Account) -> Follow:
    follow = (
        Follow.objects.select_for_update()
        .select_related("follower", "followee")
        .filter(follower=requester, followee=account, state=Follow.State.PENDING)
        .first()
    )
    if follow is None:
        raise NotFound(
            "follow_request_not_found", f"@{requester.handle} has no pending follow request."
        )
    return follow


def _approve(follow: Follow, *, now: dt.datetime) -> None:
    """Approve a locked pending follow: count it, tell the requester."""
    follow.state = Follow.State.APPROVED
    follow.approved_at = now
    follow.save(update_fields=["state", "approved_at"])
    target = follow_target(follower_id=follow.follower_id, followee_id=follow.followee_id)
    notifications_withdraw(target=target, kind="follow_request")
    notification_send(
        recipient=follow.follower,
        kind="follow_approved",
        actor=follow.followee,
        target=target,
        link=reverse("social:profile", kwargs={"handle": follow.followee.handle}),
    )


def follow_request_approve(*, actor: Account, account: Account, requester: Account) -> Follow:
    """``account`` (the actor, or an organisation it manages) approves ``requester``'s pending
    request; 404 ``follow_request_not_found`` when there is none."""
    _require_acts_as(actor=actor, account=account, manages=True)
    with transaction.atomic():
        follow = _pending(account, requester)
        _approve(follow, now=timezone.now())
        _approved_counts(follow.follower_id, follow.followee_id, +1)
        organisation_action_record(
            organisation=account, actor=actor, action="follow.approve", subject=requester
        )
    return follow


def follow_request_deny(*, actor: Account, account: Account, requester: Account) -> None:
    """``account`` denies ``requester``'s pending request: it is deleted (the requester may ask
    again), with its notification; the requester is not told."""
    _require_acts_as(actor=actor, account=account, manages=True)
    with transaction.atomic():
        follow = _pending(account, requester)
        _follow_remove(follow)
        organisation_action_record(
            organisation=account, actor=actor, action="follow.deny", subject=requester
        )


def _approve_all(account: Account) -> int:
    pending = list(
        Follow.objects.select_for_update()
        .select_related("follower", "followee")
        .filter(followee=account, state=Follow.State.PENDING)
        .order_by("pk")
    )
    now = timezone.now()
    for follow in pending:
        _approve(follow, now=now)
    if pending:
        changes: dict[int, dict[str, int]] = {f.follower_id: {"following": 1} for f in pending}
        changes[account.pk] = {"followers": len(pending)}
        _counts_change(changes)
    return len(pending)


def follow_requests_approve_all(*, actor: Account, account: Account) -> int:
    """Approve every pending request of ``account``; how many there were."""
    _require_acts_as(actor=actor, account=account, manages=True)
    with transaction.atomic():
        approved = _approve_all(account)
        if approved:
            organisation_action_record(
                organisation=account,
                actor=actor,
                action="follow.approve_all",
                detail={"approved": approved},
            )
    return approved


def account_opened(account: Account, actor: Account) -> None:
    """An account made public again approves its pending requests (``accounts.privacy``'s
    hook, inside the profile change's transaction; the change is recorded there)."""
    _approve_all(account)


def follower_remove(*, actor: Account, account: Account, follower: Account) -> bool:
    """``account`` removes ``follower`` (an approved follow, or a pending request) without
    blocking it; the follower may follow again. True when there was one."""
    _require_acts_as(actor=actor, account=account, manages=True)
    with transaction.atomic():
        follow = Follow.objects.filter(follower=follower, followee=account).first()
        if follow is None or not _follow_remove(follow):
            return False
        organisation_action_record(
            organisation=account, actor=actor, action="follower.remove", subject=follower
        )
    return True


def block_create(*, actor: Account, blocker: Account, blocked: Account) -> tuple[Block, bool]:
    """``blocker`` blocks ``blocked``: the follows both ways end (requests too, with their
    counts and notifications), every notification either sent the other is taken back, and
    each is hidden from the other. Idempotent."""
    _require_acts_as(actor=actor, account=blocker, manages=True)
    if blocker.pk == blocked.pk:
        raise DomainError("cannot_block_yourself", "You cannot block yourself.")
    with transaction.atomic():
        existing = Block.objects.filter(blocker=blocker, blocked=blocked).first()
        if existing is not None:
            return existing, False
        try:
            with transaction.atomic():
                block = Block.objects.create(blocker=blocker, blocked=blocked)
        except IntegrityError:
            return Block.objects.get(blocker=blocker, blocked=blocked), False
        between = Follow.objects.filter(
            Q(follower=blocker, followee=blocked) | Q(follower=blocked, followee=blocker)
        ).order_by("pk")
        for follow in between:
            _follow_remove(follow)
        notifications_between_withdraw(one=blocker, other=blocked)
        organisation_action_record(
            organisation=blocker, actor=actor, action="block.create", subject=blocked
        )
    return block, True


def block_delete(*, actor: Account, blocker: Account, blocked: Account) -> bool:
    """Undo a block (the follows it ended stay ended). Idempotent: True when there was one."""
    _require_acts_as(actor=actor, account=blocker, manages=True)
    with transaction.atomic():
        deleted, _ = Block.objects.filter(blocker=blocker, blocked=blocked).delete()
        if deleted:
            organisation_action_record(
                organisation=blocker, actor=actor, action="block.delete", subject=blocked
            )
    return bool(deleted)


def mute_create(*, actor: Account, muter: Account, muted: Account) -> tuple[Mute, bool]:
    """``muter`` stops seeing ``muted``'s videos and comments in lists, feeds and comments (a
    direct link still opens) and its notifications; ``muted`` is not told. Idempotent."""
    _require_acts_as(actor=actor, account=muter, manages=True)
    if muter.pk == muted.pk:
        raise DomainError("cannot_mute_yourself", "You cannot mute yourself.")
    _require_not_hidden(actor=actor, acting=muter, other=muted)
    with transaction.atomic():
        mute, created = Mute.objects.get_or_create(muter=muter, muted=muted)
        if created:
            organisation_action_record(
                organisation=muter, actor=actor, action="mute.create", subject=muted
            )
    return mute, created


def mute_delete(*, actor: Account, muter: Account, muted: Account) -> bool:
    """Undo a mute. Idempotent: True when there was one."""
    _require_acts_as(actor=actor, account=muter, manages=True)
    with transaction.atomic():
        deleted, _ = Mute.objects.filter(muter=muter, muted=muted).delete()
        if deleted:
            organisation_action_record(
                organisation=muter, actor=actor, action="mute.delete", subject=muted
            )
    return bool(deleted)


# --- Likes, comments, shares -----------------------------------------------------------------

# How many of the accounts a comment mentions are notified (all of them are linked).
MENTIONS_NOTIFIED_MAX = 20


def _require_acts_for(actor: Account, account: Account) -> None:
    """``actor`` likes, comments and shares as itself or as an organisation whose team it is on
    (any role: the same rule as posting, ``roles.acts_for``)."""
    if not acts_for(actor, account):
        raise Forbidden("not_allowed", f"You cannot act for @{account.handle}.")


def _video_seen_by(video: Video, viewer: Account | None) -> Video:
    """``video`` as ``viewer`` may see it (with its owner), or 404 ``video_not_found``: the
    same answer for a video that is not there, one that is not for the viewer, and one of an
    account that blocked it or that it blocked (``media.selectors.video_list_visible``)."""
    found = video_list_visible(viewer=viewer).filter(pk=video.pk).first()
    if found is None:
        raise NotFound("video_not_found", "No such video.")
    return found


def _sees(viewer: Account, video: Video) -> bool:
    return video_list_visible(viewer=viewer).filter(pk=video.pk).exists()


def _comment_seen_by(comment: Comment, viewer: Account) -> Video:
    """The comment's video as ``viewer`` sees it; 404 ``comment_not_found`` when the comment's
    author is hidden from ``viewer`` (a block), as if it were not there."""
    video = _video_seen_by(comment.video, viewer)
    if is_hidden(viewer, comment.author):
        raise NotFound("comment_not_found", "No such comment.")
    return video


def _stats_of(video: Video) -> VideoStats:
    """The video's stats row, made on first use (a video's rows are media's; its counts are
    ours). Safe under concurrency: ``get_or_create`` takes the row another request made."""
    stats, _ = VideoStats.objects.get_or_create(video=video)
    return stats


def _recorded(*, account: Account, actor: Account, action: str, detail: dict[str, object]) -> None:
    """An action done for an organisation goes into its action log, naming the member."""
    if account.pk != actor.pk:
        organisation_action_record(organisation=account, actor=actor, action=action, detail=detail)


def _video_link(video: Video) -> str:
    return reverse("social:video", kwargs={"public_id": video.public_id})


def _comment_link(comment: Comment) -> str:
    return f"{_video_link(comment.video)}#comment-{comment.pk}"


def like_create(*, actor: Account, account: Account, video: Video) -> bool:
    """``account`` (``actor`` itself, or an organisation it acts for) likes ``video``;
    idempotent. True when the like is new: then the video's count and its owner's count go up
    by one (``F()``, in the same transaction, so they stay exact under concurrent likes) and
    the owner is told, in one entry per video ("@a and 12 others liked your video")."""
    _require_acts_for(actor, account)
    video = _video_seen_by(video, account)
    rate_check("like", str(actor.pk))
    with transaction.atomic():
        _, created = Like.objects.get_or_create(account=account, video=video)
        if not created:
            return False
        _stats_of(video)
        VideoStats.objects.filter(video=video).update(likes=F("likes") + 1)
        AccountCounts.objects.get_or_create(account_id=video.owner_id)
        AccountCounts.objects.filter(account_id=video.owner_id).update(likes=F("likes") + 1)
        _recorded(
            account=account, actor=actor, action="video.like", detail={"video": video.public_id}
        )
        notification_send(
            recipient=video.owner,
            kind=Kind.LIKE,
            actor=account,
            target=video_target(video),
            group_key=video_target(video),
            link=_video_link(video),
        )
    return True


def like_delete(*, actor: Account, account: Account, video: Video) -> bool:
    """Take ``account``'s like of ``video`` back; idempotent. True when there was one (the
    counts go down by one). The owner's grouped notification stays: it told of a like."""
    _require_acts_for(actor, account)
    video = _video_seen_by(video, account)
    rate_check("like", str(actor.pk))
    with transaction.atomic():
        deleted, _ = Like.objects.filter(account=account, video=video).delete()
        if not deleted:
            return False
        VideoStats.objects.filter(video=video, likes__gt=0).update(likes=F("likes") - 1)
        AccountCounts.objects.filter(account_id=video.owner_id, likes__gt=0).update(
            likes=F("likes") - 1
        )
        _recorded(
            account=account, actor=actor, action="video.unlike", detail={"video": video.public_id}
        )
    return True


def clean_comment(body: str) -> str:
    """A comment's text without surrounding whitespace: 1 to ``COMMENT_MAX`` characters, no
    NUL (PostgreSQL cannot store one)."""
    text = (body or "").strip()
    if "\x00" in text:
        raise DomainError.for_field(
            "body", "comment_invalid", "A comment cannot contain NUL characters."
        )
    if not text:
        raise DomainError.for_field("body", "comment_empty", "Write something to comment.")
    if len(text) > COMMENT_MAX:
        raise DomainError.for_field(
            "body",
            "comment_too_long",
            f"A comment is at most {COMMENT_MAX} characters; this one has {len(text)}.",
        )
    return text


def _mentioned(text: str) -> list[Account]:
    """The active accounts ``text`` mentions, in the order it names them (one query)."""
    handles = mentions_in(text)
    if not handles:
        return []
    found = {a.handle: a for a in Account.objects.filter(handle__in=handles, is_active=True)}
    return [found[h] for h in handles if h in found]


def _comment_notify(
    comment: Comment, *, video: Video, parent: Comment | None, mentioned: list[Account]
) -> None:
    """ "reply" to the parent's author, "comment" to the video's owner, "mention" to each
    account mentioned: each account once, and only an account that may see the video."""
    target, link, author = comment_target(comment), _comment_link(comment), comment.author
    told = {author.pk}

    def tell(recipient: Account, kind: str, *, seen: bool = False) -> None:
        if recipient.pk in told or not (seen or _sees(recipient, video)):
            return
        told.add(recipient.pk)
        notification_send(recipient=recipient, kind=kind, actor=author, target=target, link=link)

    if parent is not None:
        tell(parent.author, Kind.REPLY)
    tell(video.owner, Kind.COMMENT, seen=True)
    for account in mentioned[:MENTIONS_NOTIFIED_MAX]:
        tell(account, Kind.MENTION)


def comment_create(
    *,
    actor: Account,
    author: Account,
    video: Video,
    body: str,
    parent: Comment | None = None,
) -> Comment:
    """``author`` (``actor``, or an organisation it acts for, recorded in its action log)
    comments on ``video``, or replies to ``parent`` (one level: a reply to a reply is 400
    ``reply_to_reply``). The video's comment setting decides who may (``comment_refusal``:
    403 ``comments_off``, ``comments_followers_only``). Mentions of existing accounts are kept
    with the comment, linked on the page and notified."""
    _require_acts_for(actor, author)
    video = _video_seen_by(video, author)
    text = clean_comment(body)
    if parent is not None:
        if parent.video_id != video.pk or is_hidden(author, parent.author):
            raise NotFound("comment_not_found", "No such comment.")
        if parent.parent_id is not None:
            raise DomainError.for_field(
                "parent",
                "reply_to_reply",
                "Replies go one level deep: reply to the comment, not to a reply.",
            )
    refusal = comment_refusal(author=author, video=video, policy=_stats_of(video).comment_policy)
    if refusal is not None:
        raise refusal
    rate_check("comment", str(actor.pk))
    mentioned = _mentioned(text)
    with transaction.atomic():
        comment = Comment.objects.create(
            video=video,
            author=author,
            written_by=actor,
            parent=parent,
            body=text,
            mentions=[account.handle for account in mentioned],
        )
        VideoStats.objects.filter(video=video).update(comments=F("comments") + 1)
        if parent is not None:
            Comment.objects.filter(pk=parent.pk).update(reply_count=F("reply_count") + 1)
        _recorded(
            account=author,
            actor=actor,
            action="comment.post",
            detail={"video": video.public_id, "comment": comment.pk},
        )
        _comment_notify(comment, video=video, parent=parent, mentioned=mentioned)
    return comment


def comment_delete(*, actor: Account, comment: Comment) -> None:
    """Delete ``comment`` and its replies (``CommentPowers.may_delete``, else 403 ``not_allowed``),
    with every notification about them. Done for an organisation, it is recorded in its action
    log: the author's, when the team deletes the organisation's own comment, else the video
    owner's."""
    video = _comment_seen_by(comment, actor)
    powers = comment_powers(actor, video)
    if not powers.may_delete(comment):
        raise Forbidden("not_allowed", "Only its author or the video's owner can delete this.")
    on_behalf = comment.author if comment.author_id in powers.acts_as else video.owner
    with transaction.atomic():
        gone = 1 + Comment.objects.filter(parent=comment).count()
        notifications_withdraw(target=comment_target(comment))
        Comment.objects.filter(pk=comment.pk).delete()
        VideoStats.objects.filter(video=video).update(comments=Greatest(F("comments") - gone, 0))
        if comment.parent_id is not None:
            Comment.objects.filter(pk=comment.parent_id, reply_count__gt=0).update(
                reply_count=F("reply_count") - 1
            )
        _recorded(
            account=on_behalf,
            actor=actor,
            action="comment.delete",
            detail={"video": video.public_id, "comment": comment.pk},
        )


def comment_like_create(*, actor: Account, account: Account, comment: Comment) -> bool:
    """``account`` likes ``comment``; idempotent, True when new (its count goes up with
    ``F()``). No notification: the kinds have none for a comment's likes."""
    _require_acts_for(actor, account)
    _comment_seen_by(comment, account)
    rate_check("like", str(actor.pk))
    with transaction.atomic():
        _, created = CommentLike.objects.get_or_create(account=account, comment=comment)
        if created:
            Comment.objects.filter(pk=comment.pk).update(likes=F("likes") + 1)
            _recorded(
                account=account, actor=actor, action="comment.like", detail={"comment": comment.pk}
            )
    return created


def comment_like_delete(*, actor: Account, account: Account, comment: Comment) -> bool:
    """Take ``account``'s like of ``comment`` back; idempotent, True when there was one."""
    _require_acts_for(actor, account)
    _comment_seen_by(comment, account)
    rate_check("like", str(actor.pk))
    with transaction.atomic():
        deleted, _ = CommentLike.objects.filter(account=account, comment=comment).delete()
        if deleted:
            Comment.objects.filter(pk=comment.pk, likes__gt=0).update(likes=F("likes") - 1)
            _recorded(
                account=account,
                actor=actor,
                action="comment.unlike",
                detail={"comment": comment.pk},
            )
    return bool(deleted)


def _require_manages_comments(actor: Account, video: Video) -> Video:
    """The video's owner, or anyone on its team, runs its comments (pin, setting)."""
    video = _video_seen_by(video, actor)
    if not acts_for(actor, video.owner):
        raise Forbidden("not_allowed", "Only the video's owner can change its comments.")
    return video


def comment_pin(*, actor: Account, video: Video, comment: Comment | None) -> VideoStats:
    """Pin ``comment`` above the others of ``video`` (replacing the one pinned before), or
    unpin with None. A reply cannot be pinned (400 ``pin_reply``); a comment of another video
    is 404 ``comment_not_found``."""
    video = _require_manages_comments(actor, video)
    if comment is not None:
        if comment.video_id != video.pk:
            raise NotFound("comment_not_found", "No such comment.")
        if comment.parent_id is not None:
            raise DomainError.for_field(
                "comment", "pin_reply", "Only a comment can be pinned, not a reply."
            )
    with transaction.atomic():
        stats = _stats_of(video)
        VideoStats.objects.filter(video=video).update(pinned_comment=comment)
        _recorded(
            account=video.owner,
            actor=actor,
            action="comment.pin" if comment is not None else "comment.unpin",
            detail={"video": video.public_id, "comment": comment.pk if comment else None},
        )
    stats.pinned_comment = comment
    return stats


def comment_policy_set(*, actor: Account, video: Video, policy: str) -> VideoStats:
    """Who may comment on ``video``: "on" (everyone who sees it), "followers" (the owner's
    approved followers) or "off"; the owner and its team always may. Comments already
    written stay."""
    if policy not in VideoStats.Comments.values:
        raise DomainError.for_field(
            "policy",
            "comment_policy_invalid",
            f"Comments are one of: {', '.join(VideoStats.Comments.values)}.",
        )
    video = _require_manages_comments(actor, video)
    with transaction.atomic():
        stats = _stats_of(video)
        VideoStats.objects.filter(video=video).update(comment_policy=policy)
        _recorded(
            account=video.owner,
            actor=actor,
            action="comment.settings",
            detail={"video": video.public_id, "policy": policy},
        )
    stats.comment_policy = policy
    return stats


@dataclass(frozen=True)
class Shared:
    """A share counted: the video's share count after it, and whether it may be embedded."""

    video: Video
    shares: int
    embeddable: bool


def share_record(*, actor: Account | None, video: Video, client_key: str) -> Shared:
    """Count one share of ``video`` (copying its link): any video ``actor`` may see can be
    shared by link (who opens the link sees it only if they may), and a public one may also be
    embedded. Rate-limited per account, or signed out per ``client_key`` (a keyed hash of the
    client, never stored)."""
    video = _video_seen_by(video, actor)
    rate_check("share", str(actor.pk) if actor is not None else f"client:{client_key}")
    with transaction.atomic():
        _stats_of(video)
        VideoStats.objects.filter(video=video).update(shares=F("shares") + 1)
        shares = VideoStats.objects.filter(video=video).values_list("shares", flat=True).get()
    embeddable = video.is_public and video.state == Video.State.PUBLISHED
    return Shared(video=video, shares=shares, embeddable=embeddable)


# --- Views, watch history, hashtags, search ---------------------------------------------------

# How long a view must have played to count: 2 s, or half of a video shorter than 4 s.
VIEW_MIN_SECONDS = 2.0
VIEW_SHORT_VIDEO_SECONDS = 4.0
# A viewer's views of one video count at most once in this many seconds.
VIEW_DEDUPE_SECONDS = 3600
# The random salt of a UTC day, for the marks of signed-out viewers: kept a little longer than
# the day it salts, so that a mark made just before midnight is still found until it expires.
VIEW_SALT_SECONDS = 2 * 24 * 3600
# What a client may claim it played, at most (a day); more is refused, not clamped.
VIEW_PLAYED_MAX = 86400.0


def view_threshold(video: Video) -> float:
    """How many seconds of ``video`` a view must have played to count."""
    duration = video.duration
    if duration is not None and 0 < duration < VIEW_SHORT_VIDEO_SECONDS:
        return duration / 2
    return VIEW_MIN_SECONDS


def _view_salt(day: str) -> str:
    """The random salt of the UTC ``day`` (shared by every web process through the cache)."""
    key = f"social:view-salt:{day}"
    for _ in range(2):
        fresh = secrets.token_hex(32)
        if cache.add(key, fresh, timeout=VIEW_SALT_SECONDS):
            return fresh
        found = cache.get(key)
        if isinstance(found, str):
            return found
    # The cache dropped it twice over: a salt of our own still dedupes this process's views.
    return fresh


def _view_mark(*, viewer: Account | None, video: Video, client: str) -> str:
    """The cache key that marks ``viewer``'s (or, signed out, ``client``'s) view of ``video``.

    Keyed hashes only: a signed-in viewer's account id under the instance's secret key; a
    signed-out client (IP address and User-Agent) under the secret key and the day's random
    salt, so that nothing in the cache names the client, and once a day's salt has expired not
    even the secret key links that day's marks to a client or to another day's.
    """
    secret = settings.SECRET_KEY.encode()
    if viewer is not None:
        message = f"account|{viewer.pk}|{video.pk}"
        return "social:view:a:" + hmac.new(secret, message.encode(), hashlib.sha256).hexdigest()
    day = timezone.now().astimezone(dt.UTC).date().isoformat()
    message = f"{_view_salt(day)}|{client}|{video.pk}"
    return "social:view:c:" + hmac.new(secret, message.encode(), hashlib.sha256).hexdigest()


def clean_played(played: float) -> float:
    if not isinstance(played, int | float) or not math.isfinite(played):
        raise DomainError.for_field("played", "played_invalid", "Played is a number of seconds.")
    if played < 0 or played > VIEW_PLAYED_MAX:
        raise DomainError.for_field(
            "played",
            "played_invalid",
            f"Played is between 0 and {VIEW_PLAYED_MAX:.0f} seconds; this was {played}.",
        )
    return float(played)


def view_record(*, viewer: Account | None, video: Video, played: float, client: str) -> bool:
    """Count a view of ``video`` (which ``viewer`` may see: the caller checked) once it has
    played long enough (``view_threshold``), at most once per viewer per video per hour.

    Returns whether it counted. The count (``VideoStats.views``) is public; for a signed-in
    viewer the view is also a row of its watch history, protected, in its home region. A
    signed-out viewer is told apart only by ``client`` (IP address and User-Agent, from the
    request), hashed as ``_view_mark`` says, never stored.
    """
    played = clean_played(played)
    if video.state != Video.State.PUBLISHED or played < view_threshold(video):
        return False
    mark = _view_mark(viewer=viewer, video=video, client=client)
    if not cache.add(mark, 1, timeout=VIEW_DEDUPE_SECONDS):
        return False
    try:
        if viewer is None:
            _views_add(video)
            return True
        vault = own_vault(viewer, acting=viewer)
        with transaction.atomic(), transaction.atomic(using=vault.region.db_alias):
            _views_add(video)
            vault.create(WatchEntry, video=watched_value(video.public_id), played=f"{played:.3f}")
    except BaseException:
        # Not counted after all: the next report of the same view may count it.
        cache.delete(mark)
        raise
    return True


# A watch entry seals "watched:<public id>", not the bare id: the residency scan looks for every
# sealed value in plaintext everywhere, and a public video's id is in the clear by design (the
# video row, links). A plaintext copy of the entry itself is still found.
WATCHED_PREFIX = "watched:"


def watched_value(public_id: str) -> str:
    return WATCHED_PREFIX + public_id


def watched_public_id(value: object) -> str:
    """The public id in an opened watch entry's ``video``."""
    return str(value).removeprefix(WATCHED_PREFIX)


def _views_add(video: Video) -> None:
    if not VideoStats.objects.filter(video=video).update(views=F("views") + 1):
        VideoStats.objects.get_or_create(video=video)
        VideoStats.objects.filter(video=video).update(views=F("views") + 1)


def watch_history_clear(*, account: Account) -> int:
    """Delete ``account``'s whole watch history (in its home region); how many rows went."""
    vault = own_vault(account, acting=account)
    deleted, _ = vault.rows(WatchEntry).delete()
    return deleted


# The search index: VideoTag rows and SearchEntry rows, kept by the receivers connected in
# ``SocialConfig.ready`` (a published video, a saved account) and rebuilt by
# ``townhall search-reindex``. The SQL indexes over them are migration 0002's.

ACCOUNT_INDEXED_FIELDS = frozenset({"handle", "display_name"})


def video_index(*, video_id: int) -> None:
    """Index one video as it is now: its hashtags and caption if it is published and public,
    nothing otherwise (a video that stopped being public leaves the index)."""
    video = Video.objects.filter(pk=video_id).first()
    if video is None:
        return
    with transaction.atomic():
        if video.state != Video.State.PUBLISHED or not video.is_public:
            VideoTag.objects.filter(video=video).delete()
            SearchEntry.objects.filter(video=video).delete()
            return
        published_at = video.published_at or video.created_at
        tags = index_tags(video.hashtags)
        VideoTag.objects.filter(video=video).exclude(tag__in=tags).delete()
        VideoTag.objects.bulk_create(
            [VideoTag(video=video, tag=tag, published_at=published_at) for tag in tags],
            ignore_conflicts=True,
        )
        VideoTag.objects.filter(video=video).update(published_at=published_at)
        SearchEntry.objects.update_or_create(
            video=video,
            defaults={
                "kind": SearchEntry.Kind.VIDEO,
                "handle": "",
                "text": video.caption,
                "created_at": published_at,
            },
        )


def account_index(*, account: Account) -> None:
    """Index an account's handle and display name (every account: who may see it is decided
    when searching)."""
    SearchEntry.objects.update_or_create(
        account=account,
        defaults={
            "kind": SearchEntry.Kind.ACCOUNT,
            "handle": account.handle.lower(),
            "text": account_text(account.handle, account.display_name),
            "created_at": account.date_joined,
        },
    )


def index_tags(hashtags: object) -> list[str]:
    """A video's stored hashtags as index rows take them: text, lower-cased, each once."""
    if not isinstance(hashtags, list):
        return []
    tags = (str(tag).lower()[:50] for tag in hashtags if isinstance(tag, str) and tag)
    return list(dict.fromkeys(tags))


def account_text(handle: str, display_name: str) -> str:
    return f"{handle} {display_name}"


def search_reindex() -> tuple[int, int]:
    """Rebuild VideoTag and SearchEntry from scratch (``townhall search-reindex``): (accounts,
    videos) indexed. The full-text index follows the rows (triggers on SQLite, an expression
    index on PostgreSQL)."""
    with transaction.atomic():
        VideoTag.objects.all().delete()
        SearchEntry.objects.all().delete()
        accounts = 0
        for account in Account.objects.order_by("pk").iterator():
            account_index(account=account)
            accounts += 1
        videos = 0
        public = Video.objects.filter(
            state=Video.State.PUBLISHED, visibility=Video.Visibility.PUBLIC
        )
        for video_id in public.order_by("pk").values_list("pk", flat=True).iterator():
            video_index(video_id=video_id)
            videos += 1
    return accounts, videos
