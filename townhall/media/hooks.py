"""What media holds about an account, declared to the account-data registry
(``townhall.accountdata.hooks``): registered in ``MediaConfig.ready``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Model

from townhall.accountdata.hooks import (
    AccountDataHooks,
    AccountRecord,
    Leftover,
    Leftovers,
    Sweep,
)
from townhall.audit.gateway import Vault

from . import jobs, uploads
from .models import Upload, Video, VideoText
from .selectors import job_owner_ids
from .services import videos_rehome

WORK_FOLDER = "work folder"


def _switch(account: AccountRecord, region: str) -> None:
    # The originals and sealed renditions were among the account's files: they now live there.
    videos_rehome(owner_id=account.pk, region=region)


def _scan_texts(row: Model, name: str, value: Any) -> list[str]:
    return row.private_texts(name, value) if isinstance(row, Upload) else []


def _files_under(entry: Path) -> list[Path]:
    if entry.is_dir():
        return sorted(p for p in entry.rglob("*") if p.is_file())
    return [entry] if entry.is_file() else []


def _leftovers() -> Leftovers:
    """Files in this machine's work folder that no running transcoding job owns: while a job
    runs its folder holds a decrypted original, and after it, nothing should be left."""
    root = Path(settings.TOWNHALL_WORK_DIR)
    folders = jobs.work_folders_leftover(root)
    owners = job_owner_ids(job_ids=[j for _, j in folders.leftover if j is not None])
    found = [
        Leftover(
            where=WORK_FOLDER,
            name=path.relative_to(root).as_posix(),
            path=path,
            account_id=owners.get(job_id) if job_id is not None else None,
            detail="a file left by a transcoding job that is no longer running",
        )
        for entry, job_id in folders.leftover
        for path in _files_under(entry)
    ]
    in_use = [
        f"{WORK_FOLDER} {name} belongs to a running transcoding job (it holds a decrypted "
        "original while the job runs), so it was not read."
        for name in folders.running
    ]
    return Leftovers(found=found, in_use=in_use)


def _parsed(metadata: str | None) -> Any:
    return json.loads(metadata) if metadata else None


def _export(vault: Vault) -> dict[str, Any]:
    """The account's videos (with the sealed captions of non-public ones) and its uploads."""
    captions = {row.video_id: vault.open(row, "caption") for row in vault.rows(VideoText)}
    videos = [
        {
            "id": video.public_id,
            "visibility": video.visibility,
            "state": video.state,
            "caption": captions.get(video.pk, video.caption),
            "hashtags": list(video.hashtags),
            "duration": video.duration,
            "width": video.width,
            "height": video.height,
            "created_at": video.created_at.isoformat(),
            "published_at": video.published_at.isoformat() if video.published_at else None,
            "uploaded_by_id": video.uploaded_by_id,
        }
        for video in Video.objects.filter(owner_id=vault.subject.pk).order_by("created_at", "pk")
    ]
    upload_rows = vault.rows(Upload).order_by("created_at", "pk")
    exported_uploads = [
        {
            "key": row.key,
            "state": row.state,
            "length": row.length,
            "received": row.offset,
            "created_at": row.created_at.isoformat(),
            "expires_at": row.expires_at.isoformat(),
            "video": row.video_public_id,
            # Caption, visibility, file name and organisation; None once the upload has ended.
            "metadata": _parsed(vault.open(row, "metadata")),
        }
        for row in upload_rows
    ]
    return {"videos": videos, "uploads": exported_uploads}


HOOKS = AccountDataHooks(
    app="media",
    models=(Upload, VideoText),
    folders=("uploads", "videos"),
    switch=_switch,
    scan_texts=_scan_texts,
    leftovers=_leftovers,
    export=_export,
    sweeps=(
        Sweep("requeue stale jobs", jobs.jobs_requeue_stale),
        Sweep("expire uploads", uploads.uploads_expire_all),
        Sweep("clean work folders", jobs.work_folders_clean),
    ),
)
