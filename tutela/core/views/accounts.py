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
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from tutela.core import access
from tutela.core.forms.accounts import (
    InvitationAcceptForm,
    InviteForm,
    PasswordConfirmForm,
    ProfileForm,
    SignInForm,
    TwoFactorCodeForm,
    UserFilterForm,
    UserRolesForm,
)
from tutela.core.models import Invitation, OperationRole, Role, User
from tutela.core.services import api_tokens, people, security
from tutela.core.views.common import managed_operation, paginate

# Session keys. The pending sign-in waits for the second factor; it is not a signed-in session.
PENDING_KEY = "tutela_2fa_pending"
SETUP_SECRET_KEY = "tutela_totp_setup_secret"  # noqa: S105 (a session key name, not a secret)
# How long the second-factor step may take, and how many wrong codes it allows.
PENDING_MAX_AGE = 5 * 60
MAX_CODE_FAILURES = 5
PER_PAGE = 50
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


# --- Two-factor set-up -------------------------------------------------------------------------


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


# --- Profile and password ----------------------------------------------------------------------


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


# --- User administration (coordinators and information management officers) ---------------------


@login_required
def users(request: HttpRequest, slug: str) -> HttpResponse:
    operation = managed_operation(request, slug)
    form = UserFilterForm(request.GET or None, operation=operation)
    filters: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    organisation = filters.get("organisation")
    queryset = people.user_list_for_operation(
        operation=operation,
        organisation_id=organisation.pk if organisation else None,
        role=filters.get("role") or "",
        search=filters.get("q") or "",
    )
    page = paginate(request, queryset, PER_PAGE)
    return render(
        request,
        "core/accounts/users.html",
        {
            "operation": operation,
            "form": form,
            "page": page,
            "filtered": any(filters.values()),
            "invitations": people.invitation_list_open(operation=operation),
            "role_choices": Role.choices,
        },
    )


@login_required
def user_invite(request: HttpRequest, slug: str) -> HttpResponse:
    operation = managed_operation(request, slug)
    form = InviteForm(_posted(request), operation=operation)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _token = people.invitation_create(
                operation=operation, by=_current_user(request), request=request, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Invitation sent to %(email)s. It is valid for 7 days.")
                % {"email": invitation.email},
            )
            return redirect("core:users", slug=operation.slug)
    return render(request, "core/accounts/user_invite.html", {"operation": operation, "form": form})


@login_required
def user_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation = managed_operation(request, slug)
    person = people.user_get_for_manager(operation=operation, pk=pk)
    roles_here: list[OperationRole] = getattr(person, "roles_here", [])
    focal = next((r for r in roles_here if r.role == Role.FOCAL_POINT), None)
    form = UserRolesForm(
        _posted(request),
        operation=operation,
        initial={"roles": [r.role for r in roles_here], "body": focal.body if focal else None},
    )
    if request.method == "POST" and form.is_valid():
        try:
            new_roles = people.user_roles_set(
                operation=operation,
                user=person,
                roles=form.cleaned_data["roles"],
                body=form.cleaned_data["body"],
                by=_current_user(request),
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if not new_roles:
                messages.success(
                    request,
                    _("%(name)s no longer has a role in this operation.") % {"name": person},
                )
                return redirect("core:users", slug=operation.slug)
            messages.success(request, _("Roles saved."))
            return redirect("core:user_detail", slug=operation.slug, pk=person.pk)
    return render(
        request,
        "core/accounts/user_detail.html",
        {
            "operation": operation,
            "person": person,
            "roles_here": roles_here,
            "form": form,
            "is_self": person.pk == request.user.pk,
            "tokens": api_tokens.api_token_list(user=person),
        },
    )


def _account_action(request: HttpRequest, slug: str, pk: int, *, activate: bool) -> HttpResponse:
    operation = managed_operation(request, slug)
    person = people.user_get_for_manager(operation=operation, pk=pk)
    action = people.user_reactivate if activate else people.user_deactivate
    try:
        action(user=person, by=_current_user(request), operation=operation, request=request)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        if activate:
            messages.success(request, _("%(name)s can sign in again.") % {"name": person})
        else:
            messages.success(request, _("%(name)s can no longer sign in.") % {"name": person})
    return redirect("core:user_detail", slug=operation.slug, pk=person.pk)


@login_required
@require_POST
def user_deactivate(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _account_action(request, slug, pk, activate=False)


@login_required
@require_POST
def user_reactivate(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _account_action(request, slug, pk, activate=True)


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation = managed_operation(request, slug)
    invitation = people.invitation_get_for_manager(operation=operation, pk=pk)
    try:
        people.invitation_revoke(invitation=invitation, by=_current_user(request), request=request)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, _("The invitation to %(email)s is revoked.") % {"email": invitation.email}
        )
    return redirect("core:users", slug=operation.slug)


# --- Accepting an invitation -------------------------------------------------------------------


def _invitation_page(
    request: HttpRequest, invitation: Invitation | None, state: str, **extra: Any
) -> HttpResponse:
    status = {"invalid": 404, "accepted": 410, "revoked": 410, "expired": 410}.get(state, 200)
    context = {"invitation": invitation, "state": state, **extra}
    if invitation is not None:
        context["role_label"] = Role(invitation.role).label
    return render(request, "core/accounts/invitation_accept.html", context, status=status)


@sensitive_post_parameters("password1", "password2")
@never_cache
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = people.invitation_get_by_token(token)
    state = people.invitation_state(invitation)
    if invitation is None or state != "open":
        return _invitation_page(request, invitation, state)
    existing = User.objects.filter(email__iexact=invitation.email).first()
    if existing is not None:
        # The account exists: the role is added once its owner has signed in.
        if not request.user.is_authenticated:
            login_url = f"{reverse('core:login')}?{urlencode({'next': request.path})}"
            return _invitation_page(request, invitation, "sign_in", login_url=login_url)
        if request.user.pk != existing.pk:
            return _invitation_page(request, invitation, "other_account")
        if request.method == "POST":
            try:
                people.invitation_accept_existing_user(
                    invitation=invitation, user=existing, request=request
                )
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
                return redirect("core:invitation_accept", token=token)
            messages.success(
                request,
                _("You now work in %(operation)s.") % {"operation": invitation.operation},
            )
            return redirect(settings.LOGIN_REDIRECT_URL)
        return _invitation_page(request, invitation, "confirm")
    if request.user.is_authenticated:
        return _invitation_page(request, invitation, "other_account")
    form = InvitationAcceptForm(
        _posted(request), email=invitation.email, initial={"full_name": invitation.full_name}
    )
    if request.method == "POST" and form.is_valid():
        try:
            user = people.invitation_accept_new_user(
                invitation=invitation,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Welcome to Tutela. Your account is ready."))
            return _complete_login(request, user, "", method="invitation", backend=MODEL_BACKEND)
    return _invitation_page(request, invitation, "new_account", form=form)
