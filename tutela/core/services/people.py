"""People: sign-in records, profiles, passwords, roles in an operation, invitations, deactivation.

Every write here is keyword-only, atomic, validated with `full_clean()` and audited explicitly.
The few reads the user administration pages need (`user_list_for_operation`...) are kept at the
end of this module, next to the writes they serve.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from tutela.core import access
from tutela.core.models import (
    ApiToken,
    AuditEntry,
    Body,
    Operation,
    OperationRole,
    Role,
    User,
)
from tutela.core.models.roles import MANAGER_ROLES
from tutela.core.services.api_tokens import (
    api_tokens_revoke_all,
    api_tokens_revoke_without_second_factor,
)
from tutela.core.services.audit import audit_update, audit_write, snapshot


@transaction.atomic
def signin_record(*, user: User, request: Any = None, method: str = "password") -> AuditEntry:
    """Audit a completed sign-in (after the second factor, when there is one)."""
    return audit_write(
        actor=user,
        action=AuditEntry.Action.LOGIN,
        instance=user,
        summary=f"signed in ({method})",
        request=request,
    )


@transaction.atomic
def signin_failure_record(*, email: str, request: Any = None, reason: str = "") -> AuditEntry:
    """Audit a refused sign-in. There is no actor: nobody is signed in."""
    summary = f"sign-in failed for {email}"
    if reason:
        summary += f" ({reason})"
    return audit_write(
        actor=None,
        action=AuditEntry.Action.LOGIN_FAILED,
        summary=summary,
        request=request,
        entity_type="core.user",
    )


@transaction.atomic
def signout_record(*, user: User, request: Any = None) -> AuditEntry:
    return audit_write(
        actor=user,
        action=AuditEntry.Action.LOGOUT,
        instance=user,
        summary="signed out",
        request=request,
    )


@transaction.atomic
def user_profile_update(
    *, user: User, full_name: str, language: str, email_mode: str, request: Any = None
) -> User:
    codes = {code for code, _label in settings.LANGUAGES}
    if language not in codes:
        raise ValidationError({"language": _("Unknown language.")})
    before = snapshot(user)
    user.full_name = full_name.strip()
    user.language = language
    user.email_mode = email_mode
    user.full_clean()
    user.save()
    audit_update(actor=user, instance=user, operation=None, before=before, request=request)
    return user


@transaction.atomic
def user_language_set(*, user: User, language: str, request: Any = None) -> User:
    """Remember the language chosen with the page's language switch, so that the next sign-in (on
    any browser) opens in it. Nothing is written when it is already the user's language."""
    codes = {code for code, _label in settings.LANGUAGES}
    if language not in codes:
        raise ValidationError({"language": _("Unknown language.")})
    if user.language == language:
        return user
    before = snapshot(user)
    user.language = language
    user.save(update_fields=["language", "updated_at"])
    audit_update(actor=user, instance=user, operation=None, before=before, request=request)
    return user


@transaction.atomic
def user_password_change(*, user: User, new_password: str, request: Any = None) -> User:
    """Set a new password. The caller has validated it (Django's password validators). Other
    sessions end (Django ties them to the password) and so do the user's API tokens: whoever
    may have learnt the old password keeps nothing it gave them."""
    user.set_password(new_password)
    user.save(update_fields=["password", "updated_at"])
    audit_write(
        actor=user,
        action=AuditEntry.Action.SECURITY,
        instance=user,
        summary="password changed",
        request=request,
    )
    api_tokens_revoke_all(user=user, by=user, request=request, reason="password changed")
    return user


def _role_values(user: User, operation: Operation) -> list[str]:
    return sorted(
        OperationRole.objects.filter(user=user, operation=operation).values_list("role", flat=True)
    )


@transaction.atomic
def user_roles_set(
    *,
    operation: Operation,
    user: User,
    roles: Iterable[str],
    by: User,
    body: Body | None = None,
    request: Any = None,
) -> list[str]:
    """Replace the user's roles in this operation (and only this one). `body` limits the focal
    point role to one body (an AoR, a regional working group). Returns the new roles."""
    wanted = set(roles)
    unknown = wanted - set(Role.values)
    if unknown:
        raise ValidationError({"roles": _("Unknown role.")})
    if body is not None and body.operation_id != operation.pk:
        raise ValidationError({"body": _("This body belongs to another operation.")})
    current = set(_role_values(user, operation))
    # A manager who removed their own management role could lock the operation out of its
    # user administration; another manager (or a server administrator) must do it.
    if user.pk == by.pk and (current & MANAGER_ROLES) and not (wanted & MANAGER_ROLES):
        raise ValidationError(_("You cannot remove your own management role."))
    OperationRole.objects.filter(user=user, operation=operation, role__in=current - wanted).delete()
    for role in sorted(wanted - current):
        operation_role = OperationRole(user=user, operation=operation, role=role)
        operation_role.full_clean()
        operation_role.save()
    focal_body_before: int | None = None
    focal = OperationRole.objects.filter(
        user=user, operation=operation, role=Role.FOCAL_POINT
    ).first()
    if focal is not None:
        focal_body_before = focal.body_id
        focal.body = body
        focal.full_clean()
        focal.save()
    new = sorted(wanted)
    body_after = body.pk if (body is not None and focal is not None) else None
    if sorted(current) != new or focal_body_before != body_after:
        audit_write(
            actor=by,
            action=AuditEntry.Action.UPDATE,
            instance=user,
            operation=operation,
            summary=f"roles of {user.email} in {operation.slug}: {', '.join(new) or 'none'}",
            before={"roles": sorted(current), "focal_point_body": focal_body_before},
            after={"roles": new, "focal_point_body": body_after},
            request=request,
        )
    access.forget_roles(user)
    if wanted - current:
        # A new role may come under the operation's two-factor rule.
        api_tokens_revoke_without_second_factor(users=[user], by=by, request=request)
    return new


def _check_may_manage_account(*, user: User, by: User) -> None:
    """Deactivating an account locks it out of every operation, so a manager may only do it to
    people whose every role is in an operation they manage."""
    if user.pk == by.pk:
        raise ValidationError(_("You cannot deactivate your own account."))
    if by.is_superuser:
        return
    if user.is_superuser or user.is_staff:
        raise ValidationError(_("Only a server administrator can change this account."))
    for operation in Operation.objects.filter(roles__user=user).distinct():
        if not access.is_manager(by, operation):
            raise ValidationError(
                _(
                    "This person also holds roles in operations you do not manage. Remove their "
                    "roles in this operation instead, or ask a server administrator."
                )
            )


@transaction.atomic
def user_deactivate(
    *, user: User, by: User, operation: Operation | None = None, request: Any = None
) -> User:
    """Stop the account from signing in. Its roles and history are kept, so it can be
    reactivated and its past actions still show who did them."""
    _check_may_manage_account(user=user, by=by)
    if not user.is_active:
        return user
    before = snapshot(user)
    user.is_active = False
    user.deactivated_at = timezone.now()
    user.full_clean()
    user.save()
    # An API token must not come back to life with a later reactivation: the person signs in again.
    ApiToken.objects.filter(user=user).delete()
    audit_update(actor=by, instance=user, operation=operation, before=before, request=request)
    return user


@transaction.atomic
def user_reactivate(
    *, user: User, by: User, operation: Operation | None = None, request: Any = None
) -> User:
    _check_may_manage_account(user=user, by=by)
    if user.is_active:
        return user
    before = snapshot(user)
    user.is_active = True
    user.deactivated_at = None
    user.full_clean()
    user.save()
    audit_update(actor=by, instance=user, operation=operation, before=before, request=request)
    return user


def user_list_for_operation(
    *,
    operation: Operation,
    organisation_id: int | None = None,
    role: str = "",
    search: str = "",
) -> QuerySet[User]:
    """People holding a role in the operation, each with `roles_here` (their roles in it)."""
    holders = OperationRole.objects.filter(operation=operation)
    if role:
        holders = holders.filter(role=role)
    users = User.objects.filter(pk__in=holders.values("user_id"))
    if organisation_id:
        users = users.filter(organisation_id=organisation_id)
    search = search.strip()
    if search:
        users = users.filter(Q(full_name__icontains=search) | Q(email__icontains=search))
    return users.select_related("organisation").prefetch_related(
        Prefetch(
            "operation_roles",
            queryset=OperationRole.objects.filter(operation=operation).select_related("body"),
            to_attr="roles_here",
        )
    )


def user_get_for_manager(*, operation: Operation, pk: int) -> User:
    """A user holding a role in the operation; 404 for anyone else (a manager acts only on the
    people of their own operation)."""
    user = user_list_for_operation(operation=operation).filter(pk=pk).first()
    if user is None:
        raise Http404
    return user
