"""Reminders before a 5W reporting deadline to the organisations that have not handed in their
report (nothing yet, a draft, or a report returned for correction).

The scheduler's daily pass (tutela/capacity/schedules.py) reminds each such organisation once
per round, the operation's reminder lead time before the deadline (`ComplianceSettings`,
REMINDER_DAYS when the operation set none; or later, up to the deadline itself, if the pass did
not run); the coordinators and IMOs can also send the reminders of a round at once from the
dashboard. An organisation is reached through its users holding a role in the operation (other
than viewer); one with no such user, through its contacts in the directory.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tutela.capacity import access as capacity_access
from tutela.capacity.models import ComplianceSettings, ReportingReminder
from tutela.capacity.selectors import compliance_sources as sources
from tutela.core import access
from tutela.core.models import AuditEntry, Operation, OperationRole, Organisation, User
from tutela.core.models.roles import Role
from tutela.core.services.audit import audit_create, audit_update, audit_write, snapshot
from tutela.core.services.mail import addresses_for_organisations, mail_enqueue

# The reminder lead time of an operation that set none.
REMINDER_DAYS = 3
MAIL_KIND = "capacity.reporting_reminder"


def _not_handed_in(operation: Operation, round: sources.RoundFact) -> list[Organisation]:
    handed_in = {
        f.organisation_id
        for f in sources.submissions([round.id])
        if f.status in ("submitted", "validated")
    }
    return [o for o in operation.organisations.order_by("acronym") if o.pk not in handed_in]


def _recipients(operation: Operation, organisation: Organisation) -> tuple[list[User], list[str]]:
    user_ids = (
        OperationRole.objects.filter(operation=operation, user__organisation=organisation)
        .exclude(role=Role.VIEWER)
        .values_list("user_id", flat=True)
    )
    users = list(User.objects.filter(pk__in=list(user_ids), is_active=True).exclude(email=""))
    if users:
        return users, []
    return [], addresses_for_organisations(operation, [organisation])


def _text(
    operation: Operation, round: sources.RoundFact, organisation: Organisation
) -> tuple[str, str]:
    url = settings.BASE_URL + sources.round_url(operation, round)
    subject = _("5W report of %(month)s due on %(deadline)s") % {
        "month": round.month.strftime("%Y-%m"),
        "deadline": round.deadline.isoformat(),
    }
    text = "\n".join(
        [
            _("Hello,"),
            "",
            _(
                "%(organisation)s has not yet handed in its 5W report of %(month)s for "
                "%(operation)s. The deadline is %(deadline)s."
            )
            % {
                "organisation": organisation.acronym or organisation.name,
                "month": round.month.strftime("%Y-%m"),
                "operation": operation.name,
                "deadline": round.deadline.isoformat(),
            },
            "",
            _("Report here: %(url)s") % {"url": url},
            "",
            _("If you have already sent it, thank you: please ignore this message."),
        ]
    )
    return subject, text


@transaction.atomic
def reporting_reminders_send(
    *, operation: Operation, round: sources.RoundFact, by: User | None
) -> dict[str, int]:
    """Remind the organisations of `round` that have not handed in, each once per round.
    Returns {"organisations": n reminded, "addresses": m, "without_address": k}."""
    if by is not None:
        capacity_access.require(capacity_access.can_see_compliance_detail(by, operation))
    if round.status != "open":
        raise ValidationError(_("Only an open round sends reminders."))
    already = set(
        ReportingReminder.objects.filter(round_id=round.id).values_list(
            "organisation_id", flat=True
        )
    )
    reminded = addresses = without = 0
    for organisation in _not_handed_in(operation, round):
        if organisation.pk in already:
            continue
        users, plain = _recipients(operation, organisation)
        if not users and not plain:
            without += 1
            continue
        with translation.override(operation.default_language or settings.LANGUAGE_CODE):
            subject, text = _text(operation, round, organisation)
        sent = mail_enqueue(
            operation=operation,
            kind=MAIL_KIND,
            subject=subject,
            text=text,
            to_users=users,
            to_addresses=plain,
            # A deadline in a few days cannot wait for tomorrow's digest.
            digestible=False,
        )
        ReportingReminder.objects.create(
            operation=operation,
            round_id=round.id,
            organisation=organisation,
            addresses=len(sent),
        )
        reminded += 1
        addresses += len(sent)
    result = {"organisations": reminded, "addresses": addresses, "without_address": without}
    audit_write(
        actor=by,
        action=AuditEntry.Action.CREATE,
        operation=operation,
        entity_type="capacity.reportingreminder",
        entity_id=str(round.id),
        summary=_("5W reminders of %(month)s: %(n)s organisation(s)")
        % {"month": round.month.strftime("%Y-%m"), "n": reminded},
        after=result,
    )
    return result


def reminder_days(operation: Operation) -> int:
    """The operation's reminder lead time in days (REMINDER_DAYS when it set none)."""
    found = (
        ComplianceSettings.objects.filter(operation=operation)
        .values_list("reminder_days", flat=True)
        .first()
    )
    return REMINDER_DAYS if found is None else found


@transaction.atomic
def compliance_settings_update(
    *, operation: Operation, by: User, reminder_days: int, request: HttpRequest | None = None
) -> ComplianceSettings:
    """Set the operation's reminder lead time (coordinators and IMOs)."""
    access.require_manager(by, operation)
    current = ComplianceSettings.objects.filter(operation=operation).first()
    before = snapshot(current) if current is not None else None
    if current is None:
        current = ComplianceSettings(operation=operation)
    current.reminder_days = reminder_days
    current.full_clean()
    current.save()
    if before is None:
        audit_create(actor=by, instance=current, operation=operation, request=request)
    else:
        audit_update(
            actor=by, instance=current, operation=operation, before=before, request=request
        )
    return current


def reporting_reminders_due(*, today: datetime.date | None = None) -> int:
    """The scheduler's daily pass over every active operation: reminders for the open rounds
    whose deadline is at most the operation's reminder lead time away. Returns the organisations
    reminded."""
    today = today or timezone.localdate()
    lead_times = dict(ComplianceSettings.objects.values_list("operation_id", "reminder_days"))
    total = 0
    for operation in Operation.objects.filter(is_active=True).order_by("pk"):
        days = lead_times.get(operation.pk, REMINDER_DAYS)
        for round in sources.open_rounds_due(
            operation, until=today + datetime.timedelta(days=days)
        ):
            total += reporting_reminders_send(operation=operation, round=round, by=None)[
                "organisations"
            ]
    return total
