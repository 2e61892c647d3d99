"""``townhall demo-data``: an organisation with a team, and people of every age band.

Safe to run again: accounts that exist already are left as they are.
"""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import tempfile
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

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
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

        if not options["no_videos"] and not Video.objects.exists():
            self._videos(org=org, people=people)

        if not options["quiet"]:
            self.stdout.write(
                "Demo data ready (the worker publishes the demo videos within a minute). "
                "Sign in as any of "
                + ", ".join(f"@{h}" for h, *_ in PEOPLE)
                + f" or the staff account @operator, password '{DEMO_PASSWORD}'."
            )

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
