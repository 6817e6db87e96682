"""Sign up, sign in, sign out and passwords, on Django's auth views with the app's templates."""

from __future__ import annotations

from django.contrib.auth import login
from django.contrib.auth import views as auth
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_http_methods

from mediamill import settings
from mediamill.accounts.signin import SignInForm
from mediamill.web.forms import SignUpForm


class SignIn(auth.LoginView):
    template_name = "web/accounts/signin.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


class SignOut(auth.LogoutView):  # POST only (Django's LogoutView refuses GET)
    next_page = "web:signin"


class PasswordChange(auth.PasswordChangeView):
    template_name = "web/accounts/password_change.html"
    success_url = reverse_lazy("web:password-done")


class PasswordChangeDone(auth.PasswordChangeDoneView):
    template_name = "web/accounts/message.html"
    extra_context = {  # noqa: RUF012 -- Django's attribute, read only
        "title": "Password changed",
        "message": "Your password has been changed.",
    }


class PasswordReset(auth.PasswordResetView):
    template_name = "web/accounts/password_reset.html"
    email_template_name = "web/accounts/password_reset_email.txt"
    subject_template_name = "web/accounts/password_reset_subject.txt"
    success_url = reverse_lazy("web:password-reset-sent")


class PasswordResetSent(auth.PasswordResetDoneView):
    template_name = "web/accounts/message.html"
    extra_context = {  # noqa: RUF012 -- Django's attribute, read only
        "title": "Check your mail",
        "message": "If an account has that address, a link to choose a new password is on its way.",
    }


class PasswordResetConfirm(auth.PasswordResetConfirmView):
    template_name = "web/accounts/password_reset_confirm.html"
    success_url = reverse_lazy("web:password-reset-complete")


class PasswordResetComplete(auth.PasswordResetCompleteView):
    template_name = "web/accounts/message.html"
    extra_context = {  # noqa: RUF012 -- Django's attribute, read only
        "title": "Password set",
        "message": "You can sign in with it now.",
    }


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if not settings.get("MEDIAMILL_WEB_SIGNUP"):
        raise Http404("Sign-up is turned off")
    if request.user.is_authenticated:
        return redirect("web:library")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="mediamill.accounts.signin.ThrottledModelBackend")
        return redirect("web:library")
    return render(request, "web/accounts/signup.html", {"form": form})
