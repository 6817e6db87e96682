"""Dismissing notices (POST, CSRF-checked) and the notice region htmx fetches again."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from mediamill.notifications import notices
from mediamill.web import notice_texts


@never_cache
@require_safe
@login_required
def region(request: HttpRequest) -> HttpResponse:
    return render(
        request, "web/_notices.html", {**notice_texts.for_page(request.user), "oob": True}
    )


@require_POST
@login_required
def dismiss(request: HttpRequest) -> HttpResponse:
    """Mark the named notices read; only the person's own are touched (others: nothing)."""
    ids = [i for i in request.POST.getlist("id") if i.isdigit()]
    notices.mark_read(request.user, [int(i) for i in ids])
    if request.headers.get("HX-Request"):
        context = {**notice_texts.for_page(request.user), "oob": True}
        return render(request, "web/_notices.html", context)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = ""
    return redirect(back or "web:library")
