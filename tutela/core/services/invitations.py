"""Invitations to an operation: a manager invites a person by e-mail with a role (the link carries
a secret token, of which only the hash is stored, valid INVITATION_VALIDITY); the person accepts
with a new account or signs in with an existing one, and receives the role."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tutela.core import access
from tutela.core.models import (
    AuditEntry,
    Invitation,
    Operation,
    OperationRole,
    Organisation,
    Role,
    User,
)
from tutela.core.services.audit import audit_create, audit_update, audit_write, snapshot
from tutela.core.services.mail import mail_enqueue

INVITATION_VALIDITY = datetime.timedelta(days=7)


def invitation_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def invitation_url(token: str) -> str:
    return settings.BASE_URL + reverse("core:invitation_accept", args=[token])


def _invitation_email_language(invitation: Invitation) -> str:
    existing = User.objects.filter(email__iexact=invitation.email).first()
    if existing is not None and existing.language:
        return existing.language
    return invitation.operation.default_language or settings.LANGUAGE_CODE


def invitation_email_queue(*, invitation: Invitation, token: str) -> None:
    """Render the invitation e-mail in the invitee's language (or the operation's) and put it in
    the outbox; the background worker sends it once the invitation is committed."""

    language = _invitation_email_language(invitation)
    with translation.override(language):
        context = {
            "invitation": invitation,
            "operation": invitation.operation,
            "role_label": str(Role(invitation.role).label),
            "url": invitation_url(token),
            "inviter": invitation.invited_by,
        }
        subject = render_to_string("core/email/invitation_subject.txt", context).strip()
        body = render_to_string("core/email/invitation.txt", context)
        html = render_to_string("core/email/invitation.html", context)
    # The outbox row belongs to this transaction: if the invitation is rolled back, so is its
    # e-mail. The link is personal and short-lived: never held for a digest, erased once sent.
    mail_enqueue(
        operation=invitation.operation,
        kind="core.invitation",
        subject=subject,
        text=body,
        html=html,
        to_addresses=[invitation.email],
        digestible=False,
        contains_secret=True,
    )


@transaction.atomic
def invitation_create(
    *,
    operation: Operation,
    email: str,
    full_name: str,
    organisation: Organisation,
    role: str,
    by: User,
    request: Any = None,
) -> tuple[Invitation, str]:
    """Invite someone to the operation with a role. Returns the invitation and the secret token
    (only its hash is stored; the token exists in the e-mail and nowhere else)."""
    email = email.strip().lower()
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    if not organisation.operations.filter(pk=operation.pk).exists():
        raise ValidationError(
            {"organisation": _("This organisation is not a partner of the operation.")}
        )
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        if not existing.is_active:
            raise ValidationError(
                {"email": _("This account is deactivated. Reactivate it instead of inviting.")}
            )
        if OperationRole.objects.filter(user=existing, operation=operation, role=role).exists():
            raise ValidationError({"email": _("This person already holds this role here.")})
    # A new invitation replaces any open one for the same person and operation ("resend").
    now = timezone.now()
    for old in Invitation.objects.select_for_update().filter(
        operation=operation,
        email__iexact=email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=now,
    ):
        invitation_revoke(invitation=old, by=by, request=request)
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        operation=operation,
        email=email,
        full_name=full_name.strip(),
        organisation=organisation,
        role=role,
        token_hash=invitation_token_hash(token),
        invited_by=by,
        expires_at=now + INVITATION_VALIDITY,
    )
    invitation.full_clean()
    invitation.save()
    audit_create(actor=by, instance=invitation, operation=operation, request=request)
    invitation_email_queue(invitation=invitation, token=token)
    return invitation, token


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, by: User, request: Any = None) -> Invitation:
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation has already been accepted."))
    if invitation.revoked_at is not None:
        return invitation
    before = snapshot(invitation)
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at", "updated_at"])
    audit_update(
        actor=by,
        instance=invitation,
        operation=invitation.operation,
        before=before,
        request=request,
    )
    return invitation


def invitation_get_by_token(token: str) -> Invitation | None:
    """The invitation this token opens, whatever its state (the page explains expired/used)."""
    if not token or len(token) > 200:
        return None
    return (
        Invitation.objects.select_related("operation", "organisation", "invited_by")
        .filter(token_hash=invitation_token_hash(token))
        .first()
    )


def invitation_state(invitation: Invitation | None) -> str:
    """One of: invalid, accepted, revoked, expired, open."""
    if invitation is None:
        return "invalid"
    if invitation.accepted_at is not None:
        return "accepted"
    if invitation.revoked_at is not None:
        return "revoked"
    if invitation.expires_at <= timezone.now():
        return "expired"
    return "open"


def _lock_open_invitation(invitation: Invitation) -> Invitation:
    """Lock the row and check it is still open, so that one token is used only once even when
    two requests race."""
    locked = (
        Invitation.objects.select_for_update()
        .select_related("operation", "organisation")
        .get(pk=invitation.pk)
    )
    if invitation_state(locked) != "open":
        raise ValidationError(_("This invitation can no longer be used."))
    return locked


def _grant_invited_role(*, invitation: Invitation, user: User, request: Any) -> None:
    operation = invitation.operation
    operation_role, created = OperationRole.objects.get_or_create(
        user=user, operation=operation, role=invitation.role
    )
    if created:
        audit_create(actor=user, instance=operation_role, operation=operation, request=request)
    organisation = invitation.organisation
    if not organisation.operations.filter(pk=operation.pk).exists():
        organisation.operations.add(operation)
        audit_write(
            actor=user,
            action=AuditEntry.Action.UPDATE,
            instance=organisation,
            operation=operation,
            summary=f"{organisation.acronym} joined {operation.slug} (invitation)",
            request=request,
        )
    before = snapshot(invitation)
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at", "updated_at"])
    audit_update(
        actor=user, instance=invitation, operation=operation, before=before, request=request
    )
    access.forget_roles(user)


@transaction.atomic
def invitation_accept_new_user(
    *, invitation: Invitation, full_name: str, password: str, request: Any = None
) -> User:
    """Create the invited person's account (the password is validated by the caller's form)."""
    invitation = _lock_open_invitation(invitation)
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise ValidationError(_("An account with this e-mail address already exists. Sign in."))
    user = User(
        email=invitation.email.lower(),
        full_name=full_name.strip(),
        organisation=invitation.organisation,
        language=invitation.operation.default_language or settings.LANGUAGE_CODE,
    )
    user.set_password(password)
    user.full_clean()
    user.save()
    audit_create(actor=user, instance=user, operation=invitation.operation, request=request)
    _grant_invited_role(invitation=invitation, user=user, request=request)
    return user


@transaction.atomic
def invitation_accept_existing_user(
    *, invitation: Invitation, user: User, request: Any = None
) -> User:
    """Add the invited role to an account that already exists; the person is signed in as it."""
    invitation = _lock_open_invitation(invitation)
    if user.email.lower() != invitation.email.lower():
        raise ValidationError(_("This invitation was sent to another e-mail address."))
    if user.organisation_id is None:
        before = snapshot(user)
        user.organisation = invitation.organisation
        user.full_clean()
        user.save()
        audit_update(
            actor=user,
            instance=user,
            operation=invitation.operation,
            before=before,
            request=request,
        )
    _grant_invited_role(invitation=invitation, user=user, request=request)
    return user


def invitation_list_open(*, operation: Operation) -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        operation=operation,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).select_related("organisation", "invited_by")


def invitation_get_for_manager(*, operation: Operation, pk: int) -> Invitation:
    invitation = Invitation.objects.filter(operation=operation, pk=pk).first()
    if invitation is None:
        raise Http404
    return invitation
