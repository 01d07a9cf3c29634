"""The daily reminder: each caseworker and supervisor with tasks due within two days or overdue
gets one e-mail listing them by case code (never a name), through the outbox."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from tutela.cases.selectors.tasks import tasks_due_soon
from tutela.core.models import Operation, OperationRole, User
from tutela.core.models.roles import Role
from tutela.core.services.mail import mail_enqueue


def case_reminders_send() -> int:
    """Queue the reminders of every operation; returns how many e-mails were queued."""
    sent = 0
    staff = OperationRole.objects.filter(
        role__in=[Role.CASEWORKER, Role.SUPERVISOR],
        operation__is_active=True,
        user__is_active=True,
    ).select_related("operation", "user")
    seen: set[tuple[int, int]] = set()
    for role in staff:
        key = (role.operation_id, role.user_id)
        if key in seen:
            continue
        seen.add(key)
        sent += _remind(role.user, role.operation)
    return sent


def _remind(user: User, operation: Operation) -> int:
    tasks = tasks_due_soon(user, operation)
    if not tasks:
        return 0
    with translation.override(user.language or operation.default_language):
        lines = [
            f"- {task.due:%Y-%m-%d} {task.case_code}: {task.label}"
            + (f" ({_('overdue')})" if task.overdue else "")
            for task in tasks
        ]
        url = settings.BASE_URL + reverse("cases:tasks", kwargs={"slug": operation.slug})
        subject = _("%(count)d case management task(s) due") % {"count": len(tasks)}
        text = _("Your tasks due within two days or overdue:") + "\n\n" + "\n".join(lines)
        text += "\n\n" + url
        mail_enqueue(
            operation=operation,
            kind="cases.reminder",
            subject=str(subject),
            text=str(text),
            to_users=[user],
        )
    return 1
