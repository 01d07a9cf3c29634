"""Rapid alerts: who they go to, sending them with an acknowledgement link, and tracking the
acknowledgements and responses per organisation.

Who manages alerts: managers (coordinator, IMO) and the operation's focal points (AoR and
regional focal points raise alerts from the field). Draft alerts are visible to them only; sent
and closed alerts to everyone with a role in the operation.

Recipients are computed from the coordination structure (services/alert_recipients.py); the
coordinator then adds or removes organisations (or adds a whole body) before sending.

Sending e-mails each recipient organisation's active contacts attending the body it was reached
through (all its active contacts in the operation when none attends it), with a link carrying a
secret token; only its SHA-256 is stored (AlertRecipient.token_hash, set when the link is sent).
The token does one thing: acknowledge and answer that alert for that organisation.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tutela.coordination import access as coordination_access
from tutela.coordination.access import require
from tutela.coordination.models import Alert, AlertRecipient
from tutela.coordination.services.alert_recipients import (
    alert_recipients_refresh,
    alert_send_to_recipient,
    require_draft,
    token_hash,
)
from tutela.core.models import (
    AdminArea,
    AuditEntry,
    Operation,
    User,
)
from tutela.core.services.audit import audit_create, audit_update, audit_write, snapshot
from tutela.monitoring.selectors import signals_for_user
from tutela.monitoring.selectors.base import PUBLICATION

EDITABLE_FIELDS = frozenset(
    {"kind", "title", "occurred_on", "area", "people_affected", "source", "description"}
)


def _check_area(operation: Operation, area: AdminArea | None) -> None:
    if area is None:
        return
    countries = set(operation.countries.values_list("pcode", flat=True))
    if area.country_pcode not in countries:
        raise ValidationError({"area": _("This place is outside the operation's countries.")})


@transaction.atomic
def alert_create(
    *,
    operation: Operation,
    by: User,
    kind: str,
    title: str,
    occurred_on: datetime.date,
    area: AdminArea,
    people_affected: int | None = None,
    source: str = "",
    description: str = "",
    signal: Any = None,
) -> Alert:
    """A draft alert, with its recipients computed from the structure (adjust them, then
    send)."""
    require(coordination_access.can_manage_alerts(by, operation))
    _check_area(operation, area)
    alert = Alert(
        operation=operation,
        kind=kind,
        title=(title or "").strip(),
        occurred_on=occurred_on,
        area=area,
        people_affected=people_affected,
        source=(source or "").strip(),
        description=(description or "").strip(),
        signal=signal,
        created_by=by,
    )
    alert.full_clean()
    alert.save()
    audit_create(actor=by, instance=alert, operation=operation)
    alert_recipients_refresh(alert=alert, by=by)
    return alert


@transaction.atomic
def alert_update(*, alert: Alert, by: User, **fields: Any) -> Alert:
    """Edit a draft alert. A change of kind or location recomputes the recipients (those added
    by hand stay)."""
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"alert_update() got unknown field(s): {sorted(unknown)}")
    require(coordination_access.can_manage_alerts(by, alert.operation))
    require_draft(alert)
    before = snapshot(alert)
    for field, value in fields.items():
        setattr(alert, field, value.strip() if isinstance(value, str) else value)
    _check_area(alert.operation, alert.area)
    alert.full_clean()
    alert.save()
    audit_update(actor=by, instance=alert, operation=alert.operation, before=before)
    if before.get("kind") != alert.kind or before.get("area_id") != alert.area_id:
        alert_recipients_refresh(alert=alert, by=by)
    return alert


@transaction.atomic
def alert_send(*, alert: Alert, by: User) -> dict[int, int]:
    """Send a draft alert to its recipients. Returns {organisation id: addresses e-mailed}; an
    organisation without any contact e-mail gets nothing (0), which the tracking page shows."""
    require(coordination_access.can_manage_alerts(by, alert.operation))
    require_draft(alert)
    recipients = list(alert.recipients.select_related("organisation", "body", "alert__operation"))
    if not recipients:
        raise ValidationError(_("This alert has no recipients."))
    before = snapshot(alert)
    alert.status = Alert.Status.SENT
    alert.sent_at = timezone.now()
    alert.sent_by = by
    alert.save(update_fields=["status", "sent_at", "sent_by", "updated_at"])
    sent = {
        recipient.organisation_id: alert_send_to_recipient(recipient) for recipient in recipients
    }
    audit_update(actor=by, instance=alert, operation=alert.operation, before=before)
    return sent


@transaction.atomic
def alert_close(*, alert: Alert, by: User) -> Alert:
    require(coordination_access.can_manage_alerts(by, alert.operation))
    if alert.status != Alert.Status.SENT:
        raise ValidationError(_("Only a sent alert can be closed."))
    before = snapshot(alert)
    alert.status = Alert.Status.CLOSED
    alert.save(update_fields=["status", "updated_at"])
    audit_update(actor=by, instance=alert, operation=alert.operation, before=before)
    return alert


def recipient_for_token(*, alert_id: int, token: str) -> AlertRecipient | None:
    """The recipient an acknowledgement link is for, or None (unknown token, token of another
    alert, or an alert not sent)."""
    if not token or len(token) > 200:
        return None
    recipient = (
        AlertRecipient.objects.filter(alert_id=alert_id, token_hash=token_hash(token))
        .exclude(token_hash="")
        .select_related("alert", "alert__operation", "alert__area", "organisation", "body")
        .first()
    )
    if recipient is None or recipient.alert.status == Alert.Status.DRAFT:
        return None
    return recipient


@transaction.atomic
def alert_acknowledge(
    *, recipient: AlertRecipient, by: User | None = None, response: str = ""
) -> AlertRecipient:
    """Acknowledge an alert for the recipient organisation, with an optional response (what
    the organisation can do). `by` is None through the e-mailed link (the link is the proof),
    a signed-in member of the organisation otherwise. The first acknowledgement counts; a later
    response replaces the previous one."""
    alert = recipient.alert
    if by is not None:
        require(coordination_access.can_acknowledge(by, recipient))
    if alert.status != Alert.Status.SENT:
        raise ValidationError(_("This alert is no longer open for acknowledgement."))
    response = (response or "").strip()
    if len(response) > 5000:
        raise ValidationError({"response": _("A response is at most 5,000 characters long.")})
    before = snapshot(recipient)
    now = timezone.now()
    if recipient.acknowledged_at is None:
        recipient.acknowledged_at = now
        recipient.acknowledged_by = by
    if response:
        recipient.response = response
        recipient.responded_at = now
    recipient.save()
    audit_update(actor=by, instance=recipient, operation=alert.operation, before=before)
    return recipient


@transaction.atomic
def alert_from_signal(*, signal: Any, by: User) -> Alert:
    """A draft early-warning alert from a monitoring signal (area, risk, month, observed against
    expected, as the signals page shows them to a reader outside every organisation), with its
    recipients computed; the signal is marked "alerted". A signal already
    turned into an alert gives that alert back."""
    existing = Alert.objects.filter(signal=signal).order_by("id").first()
    if existing is not None:
        require(coordination_access.can_manage_alerts(by, existing.operation))
        return existing
    operation = signal.operation
    require(coordination_access.can_manage_alerts(by, operation))
    with translation.override(operation.default_language):
        month = signal.month.strftime("%Y-%m")
        title = _("Early warning: %(risk)s in %(area)s (%(month)s)") % {
            "risk": signal.risk.name,
            "area": signal.area.name,
            "month": month,
        }
        # The alert goes to other organisations: the figures are those of the signals page for
        # a reader outside every organisation (blocks, suppression, p-value in bands), never the
        # raw figures stored on the signal (an exact count, mean and p-value would give small
        # or unshared counts back).

        view = signals_for_user(user=PUBLICATION, operation=operation, signals=[signal])[0]
        withheld = _("not published (small numbers)")
        description = _(
            "Protection monitoring recorded an unusual increase of incidents of “%(risk)s” in "
            "%(area)s (%(pcode)s) in %(month)s: %(observed)s incident(s), against %(expected)s "
            "a month in the previous months (p %(p)s)."
        ) % {
            "observed": view.observed if view.observed is not None else withheld,
            "risk": signal.risk.name,
            "area": signal.area.name,
            "pcode": signal.area.pcode,
            "month": month,
            "expected": view.expected if view.expected is not None else withheld,
            "p": view.p_band,
        }
        source = _("Protection monitoring early-warning signal")
    alert = alert_create(
        operation=operation,
        by=by,
        kind=Alert.Kind.EARLY_WARNING,
        title=title[:300],
        occurred_on=signal.month,
        area=signal.area,
        source=source,
        description=description,
        signal=signal,
    )
    signal.status = "alerted"
    signal.save(update_fields=["status", "updated_at"])
    audit_write(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        instance=signal,
        operation=operation,
        summary=_("Early-warning signal turned into an alert"),
        after={"status": "alerted", "alert": alert.pk},
    )
    return alert
