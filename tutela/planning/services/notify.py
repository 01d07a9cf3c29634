"""E-mails of the planning module, through the outbox, each in its recipient's language."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.conf import settings
from django.utils import translation

from tutela.core.models import Operation, OperationRole, User
from tutela.core.models.roles import MANAGER_ROLES
from tutela.core.services.mail import mail_enqueue


def managers_of(operation: Operation) -> list[User]:
    return list(
        User.objects.filter(
            operation_roles__operation=operation,
            operation_roles__role__in=list(MANAGER_ROLES),
            is_active=True,
        ).distinct()
    )


def members_of(operation: Operation, organisation_id: int) -> list[User]:
    """The organisation's users with a role in the operation (other than viewer)."""
    return list(
        User.objects.filter(
            organisation_id=organisation_id,
            is_active=True,
            pk__in=OperationRole.objects.filter(operation=operation)
            .exclude(role="viewer")
            .values("user_id"),
        ).distinct()
    )


def absolute(path: str) -> str:
    return f"{settings.BASE_URL}{path}"


def notify(
    *,
    operation: Operation,
    users: Iterable[User],
    kind: str,
    subject: Callable[[], str],
    text: Callable[[], str],
) -> int:
    """Queue one e-mail per user, written in their language; returns how many were queued."""
    count = 0
    for user in {u.pk: u for u in users}.values():
        with translation.override(user.language or operation.default_language):
            count += len(
                mail_enqueue(
                    operation=operation,
                    kind=kind,
                    subject=subject(),
                    text=text(),
                    to_users=[user],
                )
            )
    return count
