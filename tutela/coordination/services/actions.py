"""Action points: who does what by when, with their full history, and the reminders that chase them.

Rules (see tutela.core.access for roles):
- Everyone with a role in the operation reads action points.
- Managers (coordinator, IMO) and the focal points of the action point's body create and edit them.
- The owner (the person, or any member of the owner organisation), managers and the body's focal
  points change the status and comment.
- Every change leaves an ActionPointEvent (with the values before and after) and an audit entry.

Reminders (`action_point_reminders_send`, run daily by tutela/coordination/schedules.py): one
e-mail REMIND_BEFORE_DAYS before the due date, one the day after it, then one every
OVERDUE_REPEAT_DAYS while the point stays open. `reminded_before_at` / `reminded_after_at` record
what went out, so running the job twice sends nothing twice; changing the due date re-arms them.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tutela.coordination import access as coordination_access
from tutela.coordination.models import ActionPoint, ActionPointEvent, Alert, Meeting, Mission
from tutela.coordination.selectors.actions import OPEN_STATUSES
from tutela.core import access
from tutela.core.models import AuditEntry, Body, Operation, Organisation, User
from tutela.core.services.audit import audit_create, audit_update, audit_write, snapshot
from tutela.core.services.mail import addresses_for_organisations, mail_enqueue

REMIND_BEFORE_DAYS = 3
OVERDUE_REPEAT_DAYS = 7

CLOSED_STATUSES = (ActionPoint.Status.DONE, ActionPoint.Status.DROPPED)
EDITABLE_FIELDS = frozenset(
    {"title", "description", "owner_organisation", "owner", "due_date", "priority", "body"}
)


# --- Who may do what ----------------------------------------------------------------------------


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


# --- Reads used by other parts ------------------------------------------------------------------


def open_action_points_for_body(body: Body) -> QuerySet[ActionPoint]:
    """The body's open (or in progress) action points, oldest due date first (undated last):
    they go on the agenda of the body's next meeting."""
    return (
        ActionPoint.objects.filter(body=body, status__in=OPEN_STATUSES)
        .select_related("owner_organisation", "owner")
        .order_by(F("due_date").asc(nulls_last=True), "id")
    )


# --- Validation helpers -------------------------------------------------------------------------


def _check_links(
    operation: Operation,
    *,
    body: Body | None,
    owner_organisation: Organisation | None,
    owner: User | None,
    meeting: Meeting | None = None,
    alert: Alert | None = None,
    mission: Mission | None = None,
    pau: Any = None,
) -> None:
    errors: dict[str, str] = {}
    if body is not None and body.operation_id != operation.pk:
        errors["body"] = _("This body is not part of the operation.")
    if (
        owner_organisation is not None
        and not operation.organisations.filter(pk=owner_organisation.pk).exists()
    ):
        errors["owner_organisation"] = _(
            "%(organisation)s does not take part in this operation."
        ) % {"organisation": owner_organisation.acronym}
    if owner is not None and not access.roles_in(owner, operation):
        errors["owner"] = _("This person has no role in the operation.")
    for field, linked in (("meeting", meeting), ("alert", alert), ("mission", mission)):
        if linked is not None and linked.operation_id != operation.pk:
            errors[field] = _("This record belongs to another operation.")
    if pau is not None and pau.operation_id != operation.pk:
        errors["pau"] = _("This record belongs to another operation.")
    if errors:
        raise ValidationError(errors)


def _label(value: Any) -> Any:
    """A value as the history shows it: names rather than ids."""
    if isinstance(value, Organisation):
        return value.acronym
    if isinstance(value, User):
        return value.full_name or value.email
    if isinstance(value, Body):
        return value.name
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _history_values(action_point: ActionPoint) -> dict[str, Any]:
    return {field: _label(getattr(action_point, field)) for field in sorted(EDITABLE_FIELDS)}


# --- Writes -------------------------------------------------------------------------------------


@transaction.atomic
def action_point_create(
    *,
    operation: Operation,
    by: User,
    title: str,
    description: str = "",
    owner_organisation: Organisation | None = None,
    owner: User | None = None,
    due_date: datetime.date | None = None,
    priority: str = ActionPoint.Priority.MEDIUM,
    source_kind: str | None = None,
    meeting: Meeting | None = None,
    alert: Alert | None = None,
    mission: Mission | None = None,
    pau: Any = None,
    body: Body | None = None,
) -> ActionPoint:
    """Record an action point. Its source is the meeting, alert, mission or PAU it comes from
    (`source_kind` is inferred from them unless given); a meeting's action point is followed up
    by the meeting's body unless another body is given. An owner person without an owner
    organisation makes their organisation the owner organisation."""
    if body is None and meeting is not None:
        body = meeting.body
    _require(coordination_access.can_manage_body(by, operation, body))
    if source_kind is None:
        source_kind = (
            ActionPoint.SourceKind.MEETING
            if meeting is not None
            else ActionPoint.SourceKind.MISSION
            if mission is not None
            else ActionPoint.SourceKind.ALERT
            if alert is not None
            else ActionPoint.SourceKind.PAU
            if pau is not None
            else ActionPoint.SourceKind.OTHER
        )
    if owner is not None and owner_organisation is None:
        owner_organisation = owner.organisation
    _check_links(
        operation,
        body=body,
        owner_organisation=owner_organisation,
        owner=owner,
        meeting=meeting,
        alert=alert,
        mission=mission,
        pau=pau,
    )
    action_point = ActionPoint(
        operation=operation,
        body=body,
        title=(title or "").strip(),
        description=(description or "").strip(),
        owner_organisation=owner_organisation,
        owner=owner,
        due_date=due_date,
        priority=priority,
        source_kind=source_kind,
        meeting=meeting,
        alert=alert,
        mission=mission,
        pau=pau,
        created_by=by,
    )
    action_point.full_clean()
    action_point.save()
    values = _history_values(action_point)
    ActionPointEvent.objects.create(
        action_point=action_point,
        kind=ActionPointEvent.Kind.CREATED,
        changes={
            field: [None, value] for field, value in values.items() if value not in ("", None)
        },
        by=by,
    )
    audit_create(actor=by, instance=action_point, operation=operation)
    return action_point


@transaction.atomic
def action_point_update(*, action_point: ActionPoint, by: User, **fields: Any) -> ActionPoint:
    """Edit an action point (title, description, owner organisation and person, due date,
    priority, body). Changing the due date re-arms the reminders."""
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"action_point_update() got unknown field(s): {sorted(unknown)}")
    operation = action_point.operation
    _require(coordination_access.can_edit_action_point(by, action_point))
    if "body" in fields and fields["body"] != action_point.body:
        # Moving the point to another body needs the right to manage that body too.
        _require(coordination_access.can_manage_body(by, operation, fields["body"]))
    before_audit = snapshot(action_point)
    before = _history_values(action_point)
    for field, value in fields.items():
        if isinstance(value, str):
            value = value.strip()
        setattr(action_point, field, value)
    _check_links(
        operation,
        body=action_point.body,
        owner_organisation=action_point.owner_organisation,
        owner=action_point.owner,
    )
    after = _history_values(action_point)
    diff = {
        field: [before[field], after[field]] for field in after if before[field] != after[field]
    }
    if not diff:
        return action_point
    if "due_date" in diff:
        action_point.reminded_before_at = None
        action_point.reminded_after_at = None
    action_point.full_clean()
    action_point.save()
    ActionPointEvent.objects.create(
        action_point=action_point, kind=ActionPointEvent.Kind.CHANGED, changes=diff, by=by
    )
    audit_update(actor=by, instance=action_point, operation=operation, before=before_audit)
    return action_point


@transaction.atomic
def action_point_set_status(
    *, action_point: ActionPoint, by: User, status: str, comment: str = ""
) -> ActionPoint:
    """Move an action point to open, in progress, done or dropped, with an optional comment.
    Done and dropped points are closed (closed_at); reopening clears it."""
    _require(coordination_access.can_update_action_point(by, action_point))
    if status not in ActionPoint.Status.values:
        raise ValidationError({"status": _("Unknown status.")})
    comment = (comment or "").strip()
    old = action_point.status
    if status == old:
        if comment:
            action_point_comment(action_point=action_point, by=by, text=comment)
        return action_point
    before = snapshot(action_point)
    action_point.status = status
    if status in CLOSED_STATUSES:
        action_point.closed_at = timezone.now()
    else:
        action_point.closed_at = None
    action_point.full_clean()
    action_point.save()
    ActionPointEvent.objects.create(
        action_point=action_point,
        kind=ActionPointEvent.Kind.STATUS,
        text=comment,
        changes={"status": [old, status]},
        by=by,
    )
    audit_update(actor=by, instance=action_point, operation=action_point.operation, before=before)
    return action_point


@transaction.atomic
def action_point_comment(*, action_point: ActionPoint, by: User, text: str) -> ActionPointEvent:
    _require(coordination_access.can_update_action_point(by, action_point))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write a comment.")})
    if len(text) > 5000:
        raise ValidationError({"text": _("A comment is at most 5,000 characters long.")})
    event = ActionPointEvent.objects.create(
        action_point=action_point, kind=ActionPointEvent.Kind.COMMENT, text=text, by=by
    )
    audit_write(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        instance=action_point,
        operation=action_point.operation,
        summary=_("Comment on action point: %(title)s") % {"title": action_point.title[:200]},
        after={"comment": text[:500]},
    )
    return event


# --- Reminders ----------------------------------------------------------------------------------


def owner_addresses(action_point: ActionPoint) -> tuple[list[User], list[str]]:
    """Who a reminder goes to: the owner person when there is one (their own delivery
    preference applies), otherwise the owner organisation's active contacts in the operation
    (those attending the action point's body when there are any)."""
    if action_point.owner is not None and action_point.owner.is_active:
        return [action_point.owner], []
    if action_point.owner_organisation is None:
        return [], []
    return [], organisation_addresses(
        action_point.operation, action_point.owner_organisation, action_point.body
    )


def organisation_addresses(
    operation: Operation, organisation: Organisation, body: Body | None = None
) -> list[str]:
    """The e-mail addresses of an organisation's active contacts in the operation: those
    attending `body` when there are any, all of them otherwise."""
    return addresses_for_organisations(operation, [organisation], body)


def _reminder_text(action_point: ActionPoint, kind: str, today: datetime.date) -> tuple[str, str]:
    link = settings.BASE_URL + reverse(
        "coordination:action_point_detail", args=[action_point.operation.slug, action_point.pk]
    )
    due = action_point.due_date.isoformat() if action_point.due_date else ""
    if kind == "before":
        subject = _("Action point due on %(date)s: %(title)s") % {
            "date": due,
            "title": action_point.title[:120],
        }
        intro = _("This action point is due on %(date)s.") % {"date": due}
    else:
        days = (today - action_point.due_date).days if action_point.due_date else 0
        subject = _("Overdue action point: %(title)s") % {"title": action_point.title[:120]}
        intro = _(
            "This action point was due on %(date)s (%(days)s days ago) and is still open."
        ) % {
            "date": due,
            "days": days,
        }
    lines = [
        intro,
        "",
        action_point.title,
    ]
    if action_point.description:
        lines += ["", action_point.description]
    lines += [
        "",
        _("Owner: %(owner)s")
        % {
            "owner": " / ".join(
                str(part)
                for part in (
                    action_point.owner_organisation.acronym
                    if action_point.owner_organisation
                    else "",
                    action_point.owner.full_name if action_point.owner else "",
                )
                if part
            )
        },
        _("Status: %(status)s") % {"status": action_point.get_status_display()},
        "",
        _("Update it or comment: %(link)s") % {"link": link},
        "",
        "— " + action_point.operation.name,
    ]
    return f"[{action_point.operation.name}] {subject}", "\n".join(lines)


def _send_reminder(action_point: ActionPoint, kind: str, today: datetime.date) -> bool:
    users, addresses = owner_addresses(action_point)
    if not users and not addresses:
        return False
    operation = action_point.operation
    language = users[0].language if users and users[0].language else operation.default_language
    with translation.override(language):
        subject, text = _reminder_text(action_point, kind, today)
        note = (
            _("Reminder sent before the due date.")
            if kind == "before"
            else _("Reminder sent: the action point is overdue.")
        )
    mail_enqueue(
        operation=operation,
        kind="action_point_reminder",
        subject=subject,
        text=text,
        to_users=users,
        to_addresses=addresses,
    )
    now = timezone.now()
    if kind == "before":
        action_point.reminded_before_at = now
    else:
        action_point.reminded_after_at = now
    action_point.save(update_fields=[f"reminded_{kind}_at", "updated_at"])
    recipients = [user.email for user in users] + addresses
    ActionPointEvent.objects.create(
        action_point=action_point,
        kind=ActionPointEvent.Kind.REMINDER,
        text=note,
        changes={"to": recipients, "kind": kind},
    )
    return True


def action_points_to_remind(
    today: datetime.date,
) -> tuple[QuerySet[ActionPoint], QuerySet[ActionPoint]]:
    """(due soon, not yet reminded; overdue, not reminded in the last OVERDUE_REPEAT_DAYS)."""
    open_points = ActionPoint.objects.filter(
        status__in=OPEN_STATUSES, due_date__isnull=False, operation__is_active=True
    ).select_related("operation", "owner", "owner_organisation", "body")
    before = open_points.filter(
        reminded_before_at__isnull=True,
        due_date__gte=today,
        due_date__lte=today + datetime.timedelta(days=REMIND_BEFORE_DAYS),
    )
    repeat_after = timezone.now() - datetime.timedelta(days=OVERDUE_REPEAT_DAYS)
    # A small margin so that a job running a few minutes earlier than last week still sends.
    repeat_after += datetime.timedelta(hours=1)
    after = open_points.filter(due_date__lt=today).filter(
        Q(reminded_after_at__isnull=True) | Q(reminded_after_at__lte=repeat_after)
    )
    return before, after


def action_point_reminders_send(*, today: datetime.date | None = None) -> int:
    """Send the reminders due today; returns how many action points were reminded. Each action
    point is handled in its own transaction, so one failure does not hold back the others."""
    today = today or timezone.localdate()
    before, after = action_points_to_remind(today)
    sent = 0
    for kind, queryset in (("before", before), ("after", after)):
        for action_point in queryset:
            with transaction.atomic():
                if _send_reminder(action_point, kind, today):
                    sent += 1
    return sent
