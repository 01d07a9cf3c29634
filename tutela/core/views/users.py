"""User administration of an operation (coordinators and information management officers): the
users and their roles, invitations, deactivating and reactivating accounts; and the page where
an invited person accepts."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from tutela.core.forms.accounts import (
    InvitationAcceptForm,
    InviteForm,
    UserFilterForm,
    UserRolesForm,
)
from tutela.core.models import Invitation, OperationRole, Role, User
from tutela.core.services import api_tokens, invitations, people
from tutela.core.views.accounts import MODEL_BACKEND, _complete_login, _current_user, _posted
from tutela.core.views.common import managed_operation, paginate

PER_PAGE = 50


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
            "invitations": invitations.invitation_list_open(operation=operation),
            "role_choices": Role.choices,
        },
    )


@login_required
def user_invite(request: HttpRequest, slug: str) -> HttpResponse:
    operation = managed_operation(request, slug)
    form = InviteForm(_posted(request), operation=operation)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _token = invitations.invitation_create(
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
    invitation = invitations.invitation_get_for_manager(operation=operation, pk=pk)
    try:
        invitations.invitation_revoke(
            invitation=invitation, by=_current_user(request), request=request
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, _("The invitation to %(email)s is revoked.") % {"email": invitation.email}
        )
    return redirect("core:users", slug=operation.slug)


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
    invitation = invitations.invitation_get_by_token(token)
    state = invitations.invitation_state(invitation)
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
                invitations.invitation_accept_existing_user(
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
            user = invitations.invitation_accept_new_user(
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
