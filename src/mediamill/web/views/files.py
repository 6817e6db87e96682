"""The library, a file's page, its player sources, waveform, downloads and deletion.

Every view finds files through ``web.library``, which looks only among the signed-in
person's own: anybody else's file is 404, like one that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
)
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from mediamill import settings
from mediamill.buckets import get_bucket
from mediamill.errors import InvalidStateError, MediamillError, ObjectNotFoundError
from mediamill.jobs import quotas
from mediamill.jobs.lookup import resolve_preset
from mediamill.jobs.models import JobOutput, JobStatus
from mediamill.web import downloads, library, notice_texts, ranges, recipes
from mediamill.web.models import MediaFile

PAGE_SIZE = 25
_FINISHED = (JobStatus.COMPLETE, JobStatus.ERROR, JobStatus.CANCELED)


@dataclass(frozen=True)
class Shown:
    """One file of the detail page: the input or an output."""

    index: int
    label: str
    name: str
    format: str
    duration_ms: int | None
    size: int | None
    width: int | None
    height: int | None
    play_url: str
    download_url: str
    content_type: str


@require_safe
@login_required
def library_page(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()[:100]
    pages = Paginator(library.files(request.user, search), PAGE_SIZE)
    page = pages.get_page(request.GET.get("page"))
    context = {
        "page": page,
        "search": search,
        "recipes": recipes.available(),
        "upload_endpoint": "/uploads/",
        "uploader_module": static("uploads/upload.js"),
        "csrf_token_value": get_token(request),
        "storage": _storage(request),
    }
    if request.headers.get("HX-Request") and request.GET.get("part") == "files":
        return render(request, "web/_files.html", context)
    return render(request, "web/library.html", context)


@require_safe
@login_required
def detail(request: HttpRequest, file_id: int) -> HttpResponse:
    item = library.get(request.user, file_id)
    return render(request, "web/detail.html", _detail_context(request, item))


@never_cache
@require_safe
@login_required
def status(request: HttpRequest, file_id: int) -> HttpResponse:
    """The file's state and progress bar: polled every second while its job runs (htmx)."""
    item = library.get(request.user, file_id)
    response = render(request, "web/_status.html", {"f": item})
    if item.job is not None and item.job.status in _FINISHED:
        response["HX-Trigger"] = "notices-changed"  # the notice region fetches itself again
    return response


@require_POST
@login_required
def delete(request: HttpRequest, file_id: int) -> HttpResponse:
    item = library.get(request.user, file_id)
    if request.POST.get("confirm") != "yes":
        context = _detail_context(request, item)
        context["delete_error"] = "Tick the box to confirm: deleting cannot be undone."
        return render(request, "web/detail.html", context, status=400)
    try:
        library.delete(item)
    except InvalidStateError as exc:
        context = _detail_context(request, item)
        context["delete_error"] = exc.message
        return render(request, "web/detail.html", context, status=409)
    messages.success(request, f"{item.name} and everything made from it were deleted.")
    return redirect("web:library")


@require_safe
@login_required
def play(request: HttpRequest, file_id: int, index: int) -> HttpResponseBase:
    """The input (0) or an output (its index) for the player, with Range support."""
    item = library.get(request.user, file_id)
    bucket, key, name = _object(item, index)
    return _serve(request, bucket, key, name, attachment=False)


@require_safe
@login_required
def waveform_image(request: HttpRequest, file_id: int) -> HttpResponseBase:
    item = library.get(request.user, file_id)
    if not item.waveform_key:
        raise Http404("No waveform")
    return _serve(request, library.output_bucket(item), item.waveform_key, "waveform.png", False)


@require_safe
def download(request: HttpRequest, token: str) -> HttpResponseBase:
    """An expiring link: genuine, unexpired and the signed-in person's, or 404."""
    owner = request.user.pk if request.user.is_authenticated else None
    link = downloads.read_token(token, owner)
    if link is None:
        raise Http404("This link is not valid or has expired")
    return _serve(request, link.bucket, link.key, link.name, attachment=True)


def _serve(
    request: HttpRequest, bucket_name: str, key: str, name: str, attachment: bool
) -> HttpResponseBase:
    bucket = get_bucket(bucket_name)
    try:
        path = bucket.local_path(key)
        if path is None:
            bucket.size(key)  # 404 now rather than a redirect to a missing object
    except ObjectNotFoundError as exc:
        raise Http404("The file is gone") from exc
    if path is not None:
        response = ranges.serve(request, path, name, attachment=attachment)
    else:
        url = bucket.presigned_url(
            key,
            settings.get("MEDIAMILL_WEB_LINK_SECONDS"),
            download_name=name if attachment else None,
        )
        if url is None:
            raise Http404("The file cannot be served")
        response = HttpResponseRedirect(url)
    response["Cache-Control"] = "private, no-store"
    return response


def _object(item: MediaFile, index: int) -> tuple[str, str, str]:
    if index == 0:
        return item.bucket, item.key, item.name
    output = JobOutput.objects.filter(job_id=item.job_id, index=index).first()
    if output is None or output.status != JobStatus.COMPLETE or item.job is None:
        raise Http404("No such output")
    return library.output_bucket(item), item.job.output_key_prefix + output.key, output.key


def _detail_context(request: HttpRequest, item: MediaFile) -> dict[str, object]:
    job = item.job
    shown: list[Shown] = []
    detected = (job.input.get("DetectedProperties", {}) if job is not None else {}) or {}
    shown.append(
        _shown(
            request,
            item,
            0,
            "Original",
            item.name,
            _extension(item.name),
            detected.get("DurationMillis"),
            item.size,
            detected.get("Width"),
            detected.get("Height"),
            (item.bucket, item.key),
        )
    )
    media = library.output_bucket(item)
    for output in library.outputs(item):
        if output.status != JobStatus.COMPLETE or job is None:
            continue
        shown.append(
            _shown(
                request,
                item,
                output.index,
                _preset_name(output.preset_id, request),
                output.key,
                _extension(output.key),
                output.duration_millis,
                output.file_size,
                output.width,
                output.height,
                (media, job.output_key_prefix + output.key),
            )
        )
    playable = [s for s in shown[1:] if s.content_type.startswith(("audio/", "video/"))]
    # A video player only for outputs with pictures (an audio recipe on a video: audio).
    is_video = any(s.width for s in playable)
    playable = [s for s in playable if bool(s.width) == is_video]
    playable.sort(key=lambda s: _PLAYER_ORDER.get(s.format, 9))
    return {
        "item": item,
        "f": item,
        "job": job,
        "files": shown,
        "playable": playable,
        "is_video": is_video,
        "reason": notice_texts.reason(job.status_detail) if job is not None else "",
        "link_minutes": settings.get("MEDIAMILL_WEB_LINK_SECONDS") // 60,
    }


def _storage(request: HttpRequest) -> dict[str, int | None]:
    """What the person's outputs take, and their limit (None: no limit)."""
    limits = quotas.limits_for(request.user)  # type: ignore[arg-type]
    limit = limits.stored_mb * 1024 * 1024 if limits is not None and limits.stored_mb else None
    return {"used": quotas.stored_bytes(request.user), "limit": limit}


# Which outputs a player lists first: compressed before lossless, so it fetches less.
_PLAYER_ORDER = {"MP4": 0, "M4A": 0, "WEBM": 1, "MP3": 2, "OGG": 3, "FLAC": 4, "WAV": 5}


def _shown(
    request: HttpRequest,
    item: MediaFile,
    index: int,
    label: str,
    name: str,
    format: str,
    duration_ms: object,
    size: object,
    width: object,
    height: object,
    where: tuple[str, str],
) -> Shown:
    token = downloads.make_token(downloads.Link(int(request.user.pk or 0), *where, name))
    return Shown(
        index=index,
        label=label,
        name=name,
        format=format,
        duration_ms=_int(duration_ms),
        size=_int(size),
        width=_int(width),
        height=_int(height),
        play_url=reverse("web:file-play", args=[item.pk, index]),
        download_url=reverse("web:download", args=[token]),
        content_type=ranges.content_type(name),
    )


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].upper() if "." in name else "?"


def _preset_name(preset_id: str, request: HttpRequest) -> str:
    try:
        return resolve_preset(preset_id, request.user).name  # type: ignore[arg-type]
    except MediamillError:
        return preset_id
