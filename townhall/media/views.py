"""The upload page, a video's files, and its processing status (the video's own page is the
social app's: it shows likes and comments).

Views are thin: the upload goes through ``townhall.media.uploads`` (the same service the API's
simple upload calls), playback through ``townhall.media.playback``. A video someone may not see
is a 404, exactly like one that does not exist.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from townhall.accounts.models import Account
from townhall.accounts.selectors import organisation_list_for
from townhall.errors import DomainError
from townhall.web.forms import add_domain_error
from townhall.web.pages import error_page, shows_domain_errors, with_error_headers

from . import playback, selectors, tus, uploads
from .models import Video
from .selectors import video_get_visible
from .services import CAPTION_MAX

# Uploads in progress listed on the upload page; GET /api/v1/uploads/ pages through all of them.
UPLOADS_SHOWN = 20


def _viewer(request: HttpRequest) -> Account | None:
    user = request.user
    return user if isinstance(user, Account) else None


# --- Upload -----------------------------------------------------------------------------------


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Video file",
        help_text="MP4, MOV or WebM, up to 10 minutes.",
        widget=forms.ClearableFileInput(attrs={"accept": "video/*"}),
    )
    caption = forms.CharField(
        required=False,
        max_length=CAPTION_MAX,
        help_text="Use #hashtags and @mentions.",
        widget=forms.Textarea(
            attrs={"rows": 4, "maxlength": CAPTION_MAX, "data-counter": CAPTION_MAX}
        ),
    )
    visibility = forms.ChoiceField(
        choices=Video.Visibility.choices,
        initial=Video.Visibility.PUBLIC,
        help_text="Followers-only and private videos are kept in your home region, encrypted.",
    )
    organisation = forms.ChoiceField(label="Post as", required=False)

    def __init__(self, *args: Any, account: Account, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", f"{account.display_name} (@{account.handle})")]
        choices += [
            (m.organisation.handle, f"{m.organisation.display_name} (@{m.organisation.handle})")
            for m in organisation_list_for(account=account)
        ]
        field = self.fields["organisation"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices


def _upload_page(
    request: HttpRequest, form: UploadForm, status: int = 200, problem: str = ""
) -> HttpResponse:
    account = _viewer(request)
    assert account is not None
    in_progress = selectors.upload_list_in_progress(uploader=account, limit=UPLOADS_SHOWN)
    context = {
        "form": form,
        "problem": problem,
        "in_progress": in_progress.items,
        "more_in_progress": in_progress.after is not None,
        "simple_max_mb": settings.TOWNHALL_SIMPLE_UPLOAD_MAX_BYTES // 1024**2,
        "max_mb": settings.TOWNHALL_UPLOAD_MAX_BYTES // 1024**2,
        "chunk_bytes": settings.TOWNHALL_TUS_MAX_CHUNK_BYTES,
    }
    return render(request, "media/upload.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@shows_domain_errors
def upload(request: HttpRequest) -> HttpResponse:
    """The upload page. With JavaScript, upload.js sends the file with tus to the API; without
    it, the form posts here and the file goes through the simple upload in one request."""
    account = _viewer(request)
    assert account is not None
    if request.method != "POST":
        return _upload_page(request, UploadForm(account=account))
    limit = settings.TOWNHALL_SIMPLE_UPLOAD_MAX_BYTES
    if uploads.simple_upload_declared_too_large(tus.declared_length(request)):
        return _upload_page(
            request, UploadForm(account=account), status=413, problem=_too_large(limit)
        )
    form = UploadForm(request.POST, request.FILES, account=account)
    if not form.is_valid():
        return _upload_page(request, form, status=400)
    file = form.cleaned_data["file"]
    if (file.size or 0) > limit:
        form.add_error("file", _too_large(limit))
        return _upload_page(request, form, status=413)
    try:
        video = uploads.video_upload_simple(
            uploader=account,
            chunks=file.chunks(tus.CHUNK_SIZE),
            size=file.size or 0,
            caption=form.cleaned_data["caption"],
            visibility=form.cleaned_data["visibility"],
            filename=file.name or "",
            organisation=form.cleaned_data["organisation"],
        )
    except DomainError as error:
        if error.status in (403, 404) and not error.fields:
            return error_page(request, error)
        add_domain_error(form, error, aliases={"Upload-Metadata": "caption"})
        status = error.status if error.status >= 400 else 400
        return with_error_headers(_upload_page(request, form, status=status), error)
    return redirect("social:video", public_id=video.public_id)


@login_required
@require_POST
@shows_domain_errors
def upload_terminate(request: HttpRequest, upload_id: str) -> HttpResponse:
    """Cancel one of the signed-in account's uploads in progress: its parts go, and what it
    sent still counts against the daily quota (a record of it is kept for that).

    It is the tus termination service, as DELETE /api/v1/uploads/<id> calls it: only the
    account that started the upload may cancel it, and anyone else's upload is a 404, exactly
    like one that does not exist.
    """
    account = _viewer(request)
    assert account is not None
    uploads.upload_terminate(uploader=account, upload_id=upload_id)
    messages.success(
        request,
        "The upload was cancelled and what it had sent was deleted (it still counts against "
        "your daily upload quota).",
    )
    return redirect("media:upload")


def _too_large(limit: int) -> str:
    return (
        f"Without JavaScript a video can be at most {limit // 1024**2} MB. Turn JavaScript on "
        "to upload bigger files (they are sent in resumable parts)."
    )


# --- A video's files and status -------------------------------------------------------------


@require_safe
def video_status(request: HttpRequest, public_id: str) -> JsonResponse:
    """What the video page polls while a video is processing."""
    try:
        video = video_get_visible(public_id=public_id, viewer=_viewer(request))
    except DomainError as error:
        return JsonResponse(
            {"error": {"code": error.code, "message": error.message}}, status=error.status
        )
    response = JsonResponse(
        {
            "state": video.state,
            "progress": video.progress,
            "failure_code": video.failure_code,
            "failure_message": video.failure_message,
        }
    )
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def video_file(request: HttpRequest, public_id: str, name: str) -> HttpResponseBase:
    """One file of a video (an MP4, an HLS playlist or segment, the poster), with Range."""
    try:
        viewer = _viewer(request)
        video = video_get_visible(public_id=public_id, viewer=viewer)
        return playback.serve_rendition(request, video=video, name=name, viewer=viewer)
    except DomainError as error:
        return error_page(request, error)
