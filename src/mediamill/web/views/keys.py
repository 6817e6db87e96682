"""A person's own API access keys: create (the secret shown once), list, revoke."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from mediamill import settings
from mediamill.accounts import access_keys
from mediamill.web.forms import AccessKeyForm


@never_cache  # the page may hold a secret
@require_http_methods(["GET", "POST"])
@login_required
def page(request: HttpRequest) -> HttpResponse:
    form = AccessKeyForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        key_id, secret = access_keys.create_key(
            request.user,  # type: ignore[arg-type]
            form.cleaned_data["description"],
        )
        new_key = {"id": key_id, "secret": secret}
        form = AccessKeyForm()
    return render(
        request,
        "web/keys.html",
        {
            "form": form,
            "new_key": new_key,
            "keys": access_keys.list_keys(request.user).order_by("-created"),  # type: ignore[arg-type]
            "endpoint": settings.get("MEDIAMILL_PUBLIC_URL"),
            "region": settings.get("MEDIAMILL_REGION"),
        },
    )


@require_POST
@login_required
def revoke(request: HttpRequest, key_id: str) -> HttpResponse:
    if not access_keys.list_keys(request.user).filter(pk=key_id).exists():  # type: ignore[arg-type]
        raise Http404("No such key")
    access_keys.revoke(key_id)
    return redirect("web:keys")
