"""Signing in and out, two-factor authentication, the profile page, user administration and
invitations. Views parse input, check access and call `tutela.core.services`."""

from __future__ import annotations

import time
from typing import Any, cast

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from tutela.core import access
from tutela.core.forms.accounts import (
    PasswordConfirmForm,
    ProfileForm,
    SignInForm,
    TwoFactorCodeForm,
)
from tutela.core.models import OperationRole, User
from tutela.core.services import people, security

# Session keys. The pending sign-in waits for the second factor; it is not a signed-in session.
PENDING_KEY = "tutela_2fa_pending"


SETUP_SECRET_KEY = "tutela_totp_setup_secret"  # noqa: S105 (a session key name, not a secret)


# How long the second-factor step may take, and how many wrong codes it allows.
PENDING_MAX_AGE = 5 * 60


MAX_CODE_FAILURES = 5


MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _current_user(request: HttpRequest) -> User:
    """The signed-in user, for views behind `login_required`."""
    return cast(User, request.user)


def _posted(request: HttpRequest) -> Any:
    """The submitted data on POST (even when empty, e.g. every checkbox cleared), else None."""
    return request.POST if request.method == "POST" else None


def _safe_next(request: HttpRequest, url: str) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


def _set_language(response: HttpResponse, language: str) -> HttpResponse:
    translation.activate(language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


def _complete_login(
    request: HttpRequest, user: User, next_url: str, *, method: str, backend: str = ""
) -> HttpResponse:
    login(request, user, backend=backend or getattr(user, "backend", MODEL_BACKEND))
    request.session["last_seen"] = int(time.time())
    people.signin_record(user=user, request=request, method=method)
    target = _safe_next(request, next_url) or resolve_url(settings.LOGIN_REDIRECT_URL)
    return _set_language(redirect(target), user.language)


def language_set(request: HttpRequest) -> HttpResponse:
    """The page's language switch: Django's set_language (cookie, then back to `next`), and for a
    signed-in user the choice is kept on their account, so the next sign-in opens in it."""
    response = set_language(request)
    language = request.POST.get("language", "")
    user = request.user
    if (
        request.method == "POST"
        and user.is_authenticated
        and translation.check_for_language(language)
        and language in {code for code, _label in settings.LANGUAGES}
    ):
        people.user_language_set(user=cast(User, user), language=language, request=request)
    return response


# --- Signing in and out ------------------------------------------------------------------------


@sensitive_post_parameters("password")
@never_cache
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next", "")
    if request.user.is_authenticated:
        return redirect(_safe_next(request, next_url) or resolve_url(settings.LOGIN_REDIRECT_URL))
    form = SignInForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        # `request` lets django-axes count failures per e-mail address and IP address, and
        # refuse every attempt (even with the right password) once the pair is locked. The
        # address goes in as `email` (USERNAME_FIELD): that is the key axes reads from the
        # failure signal; with `username=` every failure would be counted for "no username".
        user = authenticate(request, email=email, password=form.cleaned_data["password"])
        if user is None:
            reason = "locked out" if getattr(request, "axes_locked_out", False) else ""
            people.signin_failure_record(email=email, request=request, reason=reason)
            form.add_error(
                None,
                _(
                    "The e-mail address or the password is not correct. After 5 failed "
                    "attempts, signing in is blocked for 30 minutes."
                ),
            )
        else:
            if user.totp_enabled:
                request.session.cycle_key()
                request.session[PENDING_KEY] = {
                    "user_id": user.pk,
                    "at": int(time.time()),
                    "backend": getattr(user, "backend", MODEL_BACKEND),
                    "next": _safe_next(request, next_url),
                    "failures": 0,
                }
                return redirect("core:two_factor_verify")
            return _complete_login(request, user, next_url, method="password")
    return render(
        request,
        "core/accounts/login.html",
        {
            "form": form,
            "next": _safe_next(request, next_url),
            "expired": request.GET.get("expired") == "1",
        },
    )


def _pending_user(request: HttpRequest) -> tuple[User | None, dict[str, Any]]:
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None, {}
    if int(time.time()) - int(pending.get("at", 0)) > PENDING_MAX_AGE:
        request.session.pop(PENDING_KEY, None)
        return None, {}
    user = User.objects.filter(pk=int(pending.get("user_id", 0)), is_active=True).first()
    if user is None or not user.totp_enabled:
        request.session.pop(PENDING_KEY, None)
        return None, {}
    return user, pending


@sensitive_post_parameters("code")
@never_cache
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    user, pending = _pending_user(request)
    if user is None:
        messages.info(request, _("Please sign in again."))
        return redirect("core:login")
    form = TwoFactorCodeForm(_posted(request))
    if request.method == "POST":
        if form.is_valid() and security.totp_verify(user=user, code=form.cleaned_data["code"]):
            request.session.pop(PENDING_KEY, None)
            return _complete_login(
                request,
                user,
                pending.get("next", ""),
                method="password+totp",
                backend=pending.get("backend", MODEL_BACKEND),
            )
        failures = int(pending.get("failures", 0)) + 1
        people.signin_failure_record(
            email=user.email, request=request, reason="wrong two-factor code"
        )
        if failures >= MAX_CODE_FAILURES:
            request.session.pop(PENDING_KEY, None)
            # Counted by django-axes as one failed sign-in, so that guessing codes round after
            # round also ends in the 30-minute lock.
            user_login_failed.send(
                sender=__name__, credentials={User.USERNAME_FIELD: user.email}, request=request
            )
            messages.error(request, _("Too many wrong codes. Please sign in again."))
            return redirect("core:login")
        pending["failures"] = failures
        request.session[PENDING_KEY] = pending
        if form.is_valid():
            form.add_error("code", _("This code is not valid, or it has already been used."))
    return render(
        request,
        "core/accounts/two_factor_verify.html",
        {"form": form, "attempts_left": MAX_CODE_FAILURES - int(pending.get("failures", 0))},
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        people.signout_record(user=_current_user(request), request=request)
    logout(request)
    messages.info(request, _("You are signed out."))
    return redirect(settings.LOGOUT_REDIRECT_URL)


@login_required
@never_cache
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user = _current_user(request)
    required = access.two_factor_required(user)
    if user.totp_enabled:
        request.session.pop(SETUP_SECRET_KEY, None)
        return render(
            request, "core/accounts/two_factor_setup.html", {"enabled": True, "required": required}
        )
    secret = request.session.get(SETUP_SECRET_KEY)
    if not secret:
        secret = security.totp_new_secret()
        request.session[SETUP_SECRET_KEY] = secret
    form = TwoFactorCodeForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            security.totp_enable(
                user=user, secret=secret, code=form.cleaned_data["code"], request=request
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            request.session.pop(SETUP_SECRET_KEY, None)
            messages.success(request, _("Two-factor authentication is on."))
            return redirect("core:profile")
    uri = security.totp_provisioning_uri(user=user, secret=secret)
    # Inline SVG: no script, no style attribute, so it passes the strict CSP.
    qr_svg = segno.make(uri, error="m").svg_inline(
        scale=5, dark="#000", light="#fff", title=_("QR code for your authenticator app")
    )
    qr_svg = qr_svg.replace("<svg ", '<svg role="img" ', 1)
    return render(
        request,
        "core/accounts/two_factor_setup.html",
        {
            "enabled": False,
            "required": required,
            "form": form,
            "qr_svg": qr_svg,
            # Grouped by four so that it can be typed by hand.
            "secret_display": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        },
    )


@login_required
@sensitive_post_parameters("password")
@never_cache
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    user = _current_user(request)
    if not user.totp_enabled:
        return redirect("core:two_factor_setup")
    if access.two_factor_required(user):
        messages.error(
            request,
            _("An operation you work in requires two-factor authentication for your role."),
        )
        return redirect("core:two_factor_setup")
    form = PasswordConfirmForm(_posted(request), user=user)
    if request.method == "POST" and form.is_valid():
        security.totp_disable(user=user, by=user, request=request)
        messages.success(request, _("Two-factor authentication is off."))
        return redirect("core:profile")
    return render(request, "core/accounts/two_factor_disable.html", {"form": form})


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = _current_user(request)
    form = ProfileForm(
        _posted(request),
        initial={
            "full_name": user.full_name,
            "language": user.language,
            "email_mode": user.email_mode,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            people.user_profile_update(user=user, request=request, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            with translation.override(user.language):
                messages.success(request, _("Your profile is saved."))
            return _set_language(redirect("core:profile"), user.language)
    roles = (
        OperationRole.objects.filter(user=user, operation__is_active=True)
        .select_related("operation", "body")
        .order_by("operation__name", "role")
    )
    return render(
        request,
        "core/accounts/profile.html",
        {
            "form": form,
            "roles": roles,
            "two_factor_required": access.two_factor_required(user),
        },
    )


@login_required
@sensitive_post_parameters("old_password", "new_password1", "new_password2")
def password_change(request: HttpRequest) -> HttpResponse:
    user = _current_user(request)
    form = PasswordChangeForm(user, _posted(request))
    if request.method == "POST" and form.is_valid():
        people.user_password_change(
            user=user, new_password=form.cleaned_data["new_password1"], request=request
        )
        # Keep this session signed in; other sessions of the account are signed out.
        update_session_auth_hash(request, user)
        return redirect("core:password_change_done")
    return render(request, "core/accounts/password_change.html", {"form": form})


@login_required
def password_change_done(request: HttpRequest) -> HttpResponse:
    return render(request, "core/accounts/password_change_done.html")
