"""``townhall demo-data``: an organisation with a team, people of every age band, who follows
whom, and (once the demo videos are published) likes, comments and views.

Safe to run again: accounts, follows and interactions that exist already are left as they are.
The videos are transcoded by the worker; ``--wait N`` waits up to N seconds for them to be
published before adding the likes and comments (``make demo`` starts the worker first).
"""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from townhall.accounts import services
from townhall.accounts.models import Account, Role
from townhall.audit.gateway import Actor, Purpose, open_vault
from townhall.media.ffmpeg import ffmpeg_binary
from townhall.media.models import Video
from townhall.media.uploads import video_upload_simple
from townhall.social import services as social
from townhall.social.models import Follow, Like

DEMO_PASSWORD = "townhall-demo-2026"

PEOPLE = [
    # handle, display name, age in years, country, role in the organisation
    ("clerk", "Committee Clerk", 41, "GB", Role.OWNER),
    ("comms", "Comms Officer", 29, "GB", Role.ADMIN),
    ("editor", "Video Editor", 24, "GB", Role.EDITOR),
    ("sam", "Sam (14)", 14, "GB", None),
    ("mia", "Mia (13)", 13, "US", None),
    ("jordan", "Jordan (17)", 17, "US", None),
    ("noah", "Noah (16)", 16, "GB", None),
    ("priya", "Priya", 35, "SG", None),
    ("teacher", "A Teacher", 52, "GB", None),
]
COLOURS = [
    "#3b5bdb",
    "#c2255c",
    "#2b8a3e",
    "#e67700",
    "#5f3dc4",
    "#0b7285",
    "#862e9c",
    "#d9480f",
    "#087f5b",
]


def _avatar(text: str, colour: str) -> SimpleUploadedFile:
    image = Image.new("RGB", (400, 400), colour)
    draw = ImageDraw.Draw(image)
    draw.text((200, 200), text[:2].upper(), fill="white", anchor="mm", font_size=160)
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return SimpleUploadedFile(f"{text}.png", buf.getvalue(), content_type="image/png")


def _born(years: int) -> dt.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years, day=min(today.day, 28)) - dt.timedelta(days=40)


# Short vertical clips, generated with FFmpeg's own test sources: (who, caption, filter, hue).
VIDEOS = [
    ("clerk", "How a bill becomes law, in 8 seconds #parliament #civics", "testsrc2", 0),
    ("clerk", "Question time, explained #parliament @exampleparliament", "smptehdbars", 0),
    ("priya", "My first townhall video #hello", "testsrc2", 140),
]


def _clip(path: Path, source: str, hue: int) -> None:
    subprocess.run(  # noqa: S603 (fixed arguments, no shell)
        [
            ffmpeg_binary(),
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"{source}=size=720x1280:rate=25:duration=8",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=330:duration=8",
            "-vf",
            f"hue=h={hue}",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-shortest",
            str(path),
        ],
        check=True,
    )


class Command(BaseCommand):
    help = (
        "Load demo accounts: Example Parliament with a team of three, and people of every age band."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quiet", action="store_true")
        parser.add_argument("--no-videos", action="store_true", help="Skip the demo videos")
        parser.add_argument(
            "--wait",
            type=int,
            default=0,
            metavar="SECONDS",
            help="Wait up to this long for a running worker to publish the demo videos, then "
            "add likes, comments and views to them",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            org, people = self._accounts(no_videos=options["no_videos"])
        if options["wait"] and not options["no_videos"]:
            self._wait_published(options["wait"], quiet=options["quiet"])
        with transaction.atomic():
            interactions = self._interactions(org=org, people=people)

        if not options["quiet"]:
            if not interactions and not options["no_videos"]:
                self.stdout.write(
                    "The demo videos are not published yet: run `townhall demo-data` again "
                    "once the worker has published them, for likes and comments on them."
                )
            self.stdout.write(
                "Demo data ready. Sign in as any of "
                + ", ".join(f"@{h}" for h, *_ in PEOPLE)
                + f" or the staff account @operator, password '{DEMO_PASSWORD}'."
            )

    def _accounts(self, *, no_videos: bool) -> tuple[Account, dict[str, Account]]:
        people: dict[str, Account] = {}
        for i, (handle, name, age, country, _role) in enumerate(PEOPLE):
            account = Account.objects.filter(handle=handle).first()
            if account is None:
                account = services.account_sign_up(
                    handle=handle,
                    display_name=name,
                    email=f"{handle}@demo.townhall.invalid",
                    password=DEMO_PASSWORD,
                    date_of_birth=_born(age),
                    country=country,
                    reserved_ok=True,
                    rate_limited=False,
                )
                services.avatar_set(
                    account=account,
                    actor=account,
                    upload=_avatar(handle, COLOURS[i % len(COLOURS)]),
                )
            people[handle] = account

        staff = Account.objects.filter(handle="operator").first()
        if staff is None:
            staff = services.account_sign_up(
                handle="operator",
                display_name="Instance Operator",
                email="operator@demo.townhall.invalid",
                password=DEMO_PASSWORD,
                date_of_birth=_born(45),
                country="GB",
                rate_limited=False,
            )
            services.account_set_staff(
                account=staff, is_staff=True, is_superuser=True, jurisdiction="GB"
            )
            # A support request, so that @sam's "My data" page shows a logged access.
            open_vault(
                subject=people["sam"],
                actor=Actor.staff(staff),
                purpose=Purpose.SUPPORT_REQUEST,
                reference="T-1042",
            )

        org = Account.objects.filter(handle="exampleparliament").first()
        if org is None:
            owner = people["clerk"]
            org = services.organisation_create(
                creator=owner,
                handle="exampleparliament",
                display_name="Example Parliament",
                bio="Short videos about how laws are made. A townhall demo organisation.",
            )
            services.profile_update(account=org, actor=owner, link="https://www.parliament.uk")
            services.avatar_set(account=org, actor=owner, upload=_avatar("EP", "#1c7ed6"))
            for handle, *_rest, role in PEOPLE:
                if role in (Role.ADMIN, Role.EDITOR):
                    invitation = services.organisation_invite(
                        organisation=org, actor=owner, invitee_handle=handle, role=role
                    )
                    services.invitation_respond(
                        invitation_id=invitation.pk, account=people[handle], accept=True
                    )
            services.organisation_invite(
                organisation=org, actor=owner, invitee_handle="teacher", role=Role.EDITOR
            )
            services.organisation_set_verified(organisation=org, actor=staff, verified=True)

        if not no_videos and not Video.objects.exists():
            self._videos(org=org, people=people)
        self._follows(org=org, people=people)
        return org, people

    def _follows(self, *, org: Account, people: dict[str, Account]) -> None:
        """Everyone follows Example Parliament; @priya and @teacher follow each other; @jordan
        is private, follows back @noah, and has a pending request from @mia."""
        if Follow.objects.exists():
            return
        for handle, *_ in PEOPLE:
            person = people[handle]
            social.follow_create(actor=person, follower=person, followee=org)
        for follower, followee in [("priya", "teacher"), ("teacher", "priya"), ("jordan", "noah")]:
            social.follow_create(
                actor=people[follower], follower=people[follower], followee=people[followee]
            )
        jordan = people["jordan"]
        services.profile_update(account=jordan, actor=jordan, is_private=True)
        social.follow_create(actor=people["noah"], follower=people["noah"], followee=jordan)
        social.follow_request_approve(actor=jordan, account=jordan, requester=people["noah"])
        social.follow_create(actor=people["mia"], follower=people["mia"], followee=jordan)
        # The organisation follows back its own team, as the clerk.
        social.follow_create(actor=people["clerk"], follower=org, followee=people["teacher"])

    def _wait_published(self, seconds: int, *, quiet: bool) -> None:
        deadline = time.monotonic() + seconds
        pending = Video.objects.filter(state=Video.State.PROCESSING)
        if not quiet and pending.exists():
            self.stdout.write(f"Waiting up to {seconds} s for the worker to publish the videos…")
        while pending.exists() and time.monotonic() < deadline:
            time.sleep(1)

    def _interactions(self, *, org: Account, people: dict[str, Account]) -> bool:
        """Likes, comments (a mention, a reply as the organisation) and views on the published
        demo videos, through the same services as the pages. False when none is published."""
        videos = list(
            Video.objects.filter(state=Video.State.PUBLISHED, visibility="public").order_by("pk")
        )
        if not videos:
            return False
        if Like.objects.exists():
            return True
        first, *rest = videos
        for handle in ("sam", "mia", "jordan", "noah", "priya", "teacher"):
            person = people[handle]
            social.like_create(actor=person, account=person, video=first)
            social.view_record(viewer=person, video=first, played=5.0, client="demo")
        question = social.comment_create(
            actor=people["sam"],
            author=people["sam"],
            video=first,
            body="Does a bill go to the Lords after the Commons every time?",
        )
        social.comment_create(
            actor=people["comms"],
            author=org,
            video=first,
            body="Almost always, @sam: most bills pass both Houses. The next video explains it.",
            parent=question,
        )
        social.comment_create(
            actor=people["teacher"],
            author=people["teacher"],
            video=first,
            body="Showing this to my class tomorrow. Thank you! @priya, you might like it too.",
        )
        for video in rest:
            social.like_create(actor=people["teacher"], account=people["teacher"], video=video)
            social.view_record(viewer=people["teacher"], video=video, played=5.0, client="demo")
        return True

    def _videos(self, *, org: Account, people: dict[str, Account]) -> None:
        with tempfile.TemporaryDirectory() as folder:
            for index, (handle, caption, source, hue) in enumerate(VIDEOS):
                path = Path(folder) / f"demo{index}.mp4"
                _clip(path, source, hue)
                data = path.read_bytes()
                video_upload_simple(
                    uploader=people[handle],
                    chunks=[data],
                    size=len(data),
                    caption=caption,
                    organisation=org.handle if handle == "clerk" else "",
                )
