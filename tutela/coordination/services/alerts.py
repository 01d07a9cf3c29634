"""Rapid alerts: who they go to, sending them with an acknowledgement link, and tracking the
acknowledgements and responses per organisation.

Who manages alerts: managers (coordinator, IMO) and the operation's focal points (AoR and
regional focal points raise alerts from the field). Draft alerts are visible to them only; sent
and closed alerts to everyone with a role in the operation.

Recipients (`alert_recipients_compute`), computed from the coordination structure:
1. Nuclear members: organisations with a current membership flagged `is_nuclear` in the
   operation's national cluster body (every body of kind "cluster").
2. The AoRs concerned, by the alert's kind:
   - attack on civilians, new displacement: every AoR;
   - eviction: the Housing, Land and Property AoR (body code ending in HLP or LTP);
   - early-warning signal under a GBV risk: the GBV AoR (code ending in GBV or VBG);
   - access restriction, other, other early-warning signals: none by default, the coordinator
     adds the AoR(s) concerned on the recipients page.
   An AoR whose scope is set and does not contain the location is left out. An AoR is reached
   through its lead and co-lead organisations (all its current members when it has none).
3. The regional working group(s) whose scope contains the location: a group's scope contains it
   when the alert's area or one of its ancestors is in the scope (a group without a scope is not
   regional and is skipped). A regional group is reached through all its current members, who
   are the responders on the ground.
An organisation reached several ways is listed once, with the first reason in that order. The
coordinator then adds or removes organisations (or adds a whole body) before sending.

Sending e-mails each recipient organisation's active contacts attending the body it was reached
through (all its active contacts in the operation when none attends it), with a link carrying a
secret token; only its SHA-256 is stored (AlertRecipient.token_hash, set when the link is sent).
The token does one thing: acknowledge and answer that alert for that organisation.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tutela.coordination import access as coordination_access
from tutela.coordination.models import Alert, AlertRecipient
from tutela.coordination.services.actions import organisation_addresses
from tutela.core.models import (
    AdminArea,
    AuditEntry,
    Body,
    Membership,
    Operation,
    Organisation,
    User,
)
from tutela.core.services.audit import audit_create, audit_update, audit_write, snapshot
from tutela.core.services.mail import mail_enqueue
from tutela.monitoring.selectors import signals_for_user
from tutela.monitoring.selectors.base import PUBLICATION

EDITABLE_FIELDS = frozenset(
    {"kind", "title", "occurred_on", "area", "people_affected", "source", "description"}
)
# Body code suffixes of the AoRs concerned by an alert kind (see the module docstring).
HLP_CODES = ("HLP", "LTP")
GBV_CODES = ("GBV", "VBG")
ALL_AORS_KINDS = frozenset({Alert.Kind.ATTACK, Alert.Kind.DISPLACEMENT})


# --- Who may do what ----------------------------------------------------------------------------


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _require_draft(alert: Alert) -> None:
    if alert.status != Alert.Status.DRAFT:
        raise ValidationError(_("This alert has been sent: it can no longer be changed."))


# --- Recipients ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProposedRecipient:
    organisation: Organisation
    reason: str
    body: Body | None


def area_lineage(area: AdminArea) -> list[int]:
    """The area's id and those of all its ancestors."""
    ids: list[int] = []
    current: AdminArea | None = area
    while current is not None and current.pk not in ids:
        ids.append(current.pk)
        current = current.parent
    return ids


def _current_memberships(body: Body, today: datetime.date) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(body=body)
        .filter(Q(since__isnull=True) | Q(since__lte=today))
        .filter(Q(until__isnull=True) | Q(until__gte=today))
        .select_related("organisation")
        .order_by("organisation__acronym")
    )


def _covers(body: Body, lineage: list[int], *, empty_means_all: bool) -> bool:
    scope = [area.pk for area in body.scope.all()]
    if not scope:
        return empty_means_all
    return any(pk in scope for pk in lineage)


def _code_ends_with(body: Body, suffixes: Iterable[str]) -> bool:
    code = (body.code or "").upper().replace("_", "-")
    return any(code.endswith(suffix) for suffix in suffixes)


def concerned_aors(alert: Alert) -> list[Body]:
    """The AoRs an alert of this kind concerns (see the module docstring)."""
    aors = list(
        Body.objects.filter(operation=alert.operation, kind=Body.Kind.AOR)
        .prefetch_related("scope")
        .order_by("name")
    )
    if alert.kind in ALL_AORS_KINDS:
        chosen = aors
    elif alert.kind == Alert.Kind.EVICTION:
        chosen = [aor for aor in aors if _code_ends_with(aor, HLP_CODES)]
    elif (
        alert.kind == Alert.Kind.EARLY_WARNING
        and alert.signal is not None
        and alert.signal.risk.is_gbv
    ):
        chosen = [aor for aor in aors if _code_ends_with(aor, GBV_CODES)]
    else:
        chosen = []
    lineage = area_lineage(alert.area)
    return [aor for aor in chosen if _covers(aor, lineage, empty_means_all=True)]


def covering_regional_groups(alert: Alert) -> list[Body]:
    lineage = area_lineage(alert.area)
    groups = (
        Body.objects.filter(operation=alert.operation, kind=Body.Kind.REGIONAL)
        .prefetch_related("scope")
        .order_by("name")
    )
    return [group for group in groups if _covers(group, lineage, empty_means_all=False)]


def _body_leads(body: Body, today: datetime.date) -> list[Organisation]:
    """A body's lead and co-lead organisations (from the body and its memberships); all its
    current members when it has no lead."""
    memberships = list(_current_memberships(body, today))
    leads: dict[int, Organisation] = {}
    for organisation in (body.lead, body.co_lead):
        if organisation is not None:
            leads.setdefault(organisation.pk, organisation)
    for membership in memberships:
        if membership.role in (Membership.Role.LEAD, Membership.Role.CO_LEAD):
            leads.setdefault(membership.organisation_id, membership.organisation)
    if leads:
        return list(leads.values())
    return [membership.organisation for membership in memberships]


def _body_members(body: Body, today: datetime.date) -> list[Organisation]:
    found: dict[int, Organisation] = {}
    for organisation in (body.lead, body.co_lead):
        if organisation is not None:
            found.setdefault(organisation.pk, organisation)
    for membership in _current_memberships(body, today):
        found.setdefault(membership.organisation_id, membership.organisation)
    return sorted(found.values(), key=lambda org: org.acronym)


def body_recipients(body: Body, today: datetime.date | None = None) -> list[Organisation]:
    """The organisations an alert reaches through a body: an AoR through its leads, any other
    body through all its current members."""
    today = today or timezone.localdate()
    if body.kind == Body.Kind.AOR:
        return _body_leads(body, today)
    return _body_members(body, today)


def alert_recipients_compute(alert: Alert) -> list[ProposedRecipient]:
    """The organisations the alert should go to, with why, from the coordination structure
    (nuclear members, AoRs concerned, regional working groups covering the location). Reads
    only; `alert_recipients_refresh` stores the result."""
    today = timezone.localdate()
    proposed: dict[int, ProposedRecipient] = {}

    def add(organisation: Organisation, reason: str, body: Body) -> None:
        if organisation.pk not in proposed:
            proposed[organisation.pk] = ProposedRecipient(organisation, reason, body)

    clusters = Body.objects.filter(operation=alert.operation, kind=Body.Kind.CLUSTER).order_by(
        "name"
    )
    for cluster in clusters:
        for membership in _current_memberships(cluster, today).filter(is_nuclear=True):
            add(membership.organisation, AlertRecipient.Reason.NUCLEAR, cluster)
    for aor in concerned_aors(alert):
        for organisation in body_recipients(aor, today):
            add(organisation, AlertRecipient.Reason.AOR, aor)
    for group in covering_regional_groups(alert):
        for organisation in body_recipients(group, today):
            add(organisation, AlertRecipient.Reason.REGIONAL, group)
    return list(proposed.values())


def _recipients_snapshot(alert: Alert) -> list[str]:
    return sorted(
        f"{r.organisation.acronym}:{r.reason}"
        for r in alert.recipients.select_related("organisation")
    )


@transaction.atomic
def alert_recipients_refresh(*, alert: Alert, by: User) -> list[AlertRecipient]:
    """Replace the computed recipients of a draft alert with a fresh computation; organisations
    the coordinator added by hand stay."""
    _require(coordination_access.can_manage_alerts(by, alert.operation))
    _require_draft(alert)
    before = _recipients_snapshot(alert)
    alert.recipients.exclude(reason=AlertRecipient.Reason.MANUAL).delete()
    manual = set(alert.recipients.values_list("organisation_id", flat=True))
    for proposal in alert_recipients_compute(alert):
        if proposal.organisation.pk in manual:
            continue
        AlertRecipient.objects.create(
            alert=alert,
            organisation=proposal.organisation,
            reason=proposal.reason,
            body=proposal.body,
        )
    after = _recipients_snapshot(alert)
    if before != after:
        audit_write(
            actor=by,
            action=AuditEntry.Action.UPDATE,
            instance=alert,
            operation=alert.operation,
            summary=_("Alert recipients computed: %(title)s") % {"title": alert.title[:200]},
            before={"recipients": before},
            after={"recipients": after},
        )
    return list(alert.recipients.select_related("organisation", "body"))


@transaction.atomic
def alert_recipient_add(
    *,
    alert: Alert,
    by: User,
    organisation: Organisation | None = None,
    body: Body | None = None,
) -> list[AlertRecipient]:
    """Add an organisation (reason "manual"), or every organisation a body reaches (an AoR
    through its leads, reason "aor"; a regional group through its members, "regional"; any other
    body through its members, "manual"). On an alert already sent, the new recipients are sent
    the alert at once."""
    operation = alert.operation
    _require(coordination_access.can_manage_alerts(by, operation))
    if alert.status == Alert.Status.CLOSED:
        raise ValidationError(_("This alert is closed."))
    if organisation is None and body is None:
        raise ValidationError({"organisation": _("Choose an organisation or a body.")})
    if body is not None and body.operation_id != operation.pk:
        raise ValidationError({"body": _("This body is not part of the operation.")})
    additions: list[tuple[Organisation, str, Body | None]] = []
    if organisation is not None:
        if not operation.organisations.filter(pk=organisation.pk).exists():
            raise ValidationError(
                {
                    "organisation": _("%(organisation)s does not take part in this operation.")
                    % {"organisation": organisation.acronym}
                }
            )
        additions.append((organisation, AlertRecipient.Reason.MANUAL, body))
    else:
        assert body is not None
        reasons: dict[str, str] = {
            Body.Kind.AOR: AlertRecipient.Reason.AOR,
            Body.Kind.REGIONAL: AlertRecipient.Reason.REGIONAL,
        }
        reason = reasons.get(body.kind, AlertRecipient.Reason.MANUAL)
        additions += [(org, reason, body) for org in body_recipients(body)]
    existing = set(alert.recipients.values_list("organisation_id", flat=True))
    added = []
    for org, reason, via in additions:
        if org.pk in existing:
            continue
        existing.add(org.pk)
        added.append(
            AlertRecipient.objects.create(alert=alert, organisation=org, reason=reason, body=via)
        )
    if added:
        audit_write(
            actor=by,
            action=AuditEntry.Action.UPDATE,
            instance=alert,
            operation=operation,
            summary=_("Alert recipients added: %(organisations)s")
            % {"organisations": ", ".join(r.organisation.acronym for r in added)},
            after={"added": [r.organisation.acronym for r in added]},
        )
        if alert.status == Alert.Status.SENT:
            for recipient in added:
                _send_to_recipient(recipient)
    return added


@transaction.atomic
def alert_recipient_remove(*, recipient: AlertRecipient, by: User) -> None:
    alert = recipient.alert
    _require(coordination_access.can_manage_alerts(by, alert.operation))
    _require_draft(alert)
    acronym = recipient.organisation.acronym
    recipient.delete()
    audit_write(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        instance=alert,
        operation=alert.operation,
        summary=_("Alert recipient removed: %(organisation)s") % {"organisation": acronym},
        before={"removed": acronym},
    )


def recipient_addresses(recipient: AlertRecipient) -> list[str]:
    return organisation_addresses(recipient.alert.operation, recipient.organisation, recipient.body)


# --- Alerts -------------------------------------------------------------------------------------


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
    _require(coordination_access.can_manage_alerts(by, operation))
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
    _require(coordination_access.can_manage_alerts(by, alert.operation))
    _require_draft(alert)
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


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def ack_url(recipient: AlertRecipient, token: str) -> str:
    return settings.BASE_URL + reverse(
        "coordination:alert_ack",
        args=[recipient.alert.operation.slug, recipient.alert_id, token],
    )


def _alert_text(alert: Alert, recipient: AlertRecipient, link: str) -> tuple[str, str]:
    area = alert.area
    lines = [
        _("Alert: %(kind)s") % {"kind": alert.get_kind_display()},
        "",
        alert.title,
        "",
        _("Date: %(date)s") % {"date": alert.occurred_on.isoformat()},
        _("Location: %(name)s (%(pcode)s)") % {"name": area.name, "pcode": area.pcode},
    ]
    if alert.people_affected is not None:
        lines.append(_("Estimated people affected: %(n)s") % {"n": alert.people_affected})
    if alert.source:
        lines.append(_("Source: %(source)s") % {"source": alert.source})
    if alert.description:
        lines += ["", alert.description]
    reason = recipient.get_reason_display()
    if recipient.body is not None:
        reason = f"{reason} ({recipient.body.name})"
    lines += [
        "",
        _("Your organisation (%(organisation)s) receives this alert as: %(reason)s.")
        % {"organisation": recipient.organisation.acronym, "reason": reason},
        "",
        _(
            "Please acknowledge receipt and tell the coordination how your organisation can "
            "respond, at this link (it is for your organisation only; do not forward it):"
        ),
        link,
        "",
        "— " + alert.operation.name,
    ]
    subject = _("[%(operation)s] ALERT — %(kind)s: %(title)s") % {
        "operation": alert.operation.name,
        "kind": alert.get_kind_display(),
        "title": alert.title[:120],
    }
    return subject, "\n".join(lines)


def _send_to_recipient(recipient: AlertRecipient) -> int:
    """E-mail the alert to the recipient organisation's contacts with a fresh acknowledgement
    link; returns the number of addresses. Nothing is sent (and no link made) without an
    address."""
    addresses = recipient_addresses(recipient)
    if not addresses:
        return 0
    token = secrets.token_urlsafe(32)
    recipient.token_hash = _hash(token)
    recipient.save(update_fields=["token_hash", "updated_at"])
    alert = recipient.alert
    with translation.override(alert.operation.default_language):
        subject, text = _alert_text(alert, recipient, ack_url(recipient, token))
    mail_enqueue(
        operation=alert.operation,
        kind="alert",
        subject=subject,
        text=text,
        to_addresses=addresses,
        digestible=False,
    )
    return len(addresses)


@transaction.atomic
def alert_send(*, alert: Alert, by: User) -> dict[int, int]:
    """Send a draft alert to its recipients. Returns {organisation id: addresses e-mailed}; an
    organisation without any contact e-mail gets nothing (0), which the tracking page shows."""
    _require(coordination_access.can_manage_alerts(by, alert.operation))
    _require_draft(alert)
    recipients = list(alert.recipients.select_related("organisation", "body", "alert__operation"))
    if not recipients:
        raise ValidationError(_("This alert has no recipients."))
    before = snapshot(alert)
    alert.status = Alert.Status.SENT
    alert.sent_at = timezone.now()
    alert.sent_by = by
    alert.save(update_fields=["status", "sent_at", "sent_by", "updated_at"])
    sent = {recipient.organisation_id: _send_to_recipient(recipient) for recipient in recipients}
    audit_update(actor=by, instance=alert, operation=alert.operation, before=before)
    return sent


@transaction.atomic
def alert_close(*, alert: Alert, by: User) -> Alert:
    _require(coordination_access.can_manage_alerts(by, alert.operation))
    if alert.status != Alert.Status.SENT:
        raise ValidationError(_("Only a sent alert can be closed."))
    before = snapshot(alert)
    alert.status = Alert.Status.CLOSED
    alert.save(update_fields=["status", "updated_at"])
    audit_update(actor=by, instance=alert, operation=alert.operation, before=before)
    return alert


# --- Acknowledgements ---------------------------------------------------------------------------


def recipient_for_token(*, alert_id: int, token: str) -> AlertRecipient | None:
    """The recipient an acknowledgement link is for, or None (unknown token, token of another
    alert, or an alert not sent)."""
    if not token or len(token) > 200:
        return None
    recipient = (
        AlertRecipient.objects.filter(alert_id=alert_id, token_hash=_hash(token))
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
        _require(coordination_access.can_acknowledge(by, recipient))
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


# --- From protection monitoring -----------------------------------------------------------------


@transaction.atomic
def alert_from_signal(*, signal: Any, by: User) -> Alert:
    """A draft early-warning alert from a monitoring signal (area, risk, month, observed against
    expected, as the signals page shows them to a reader outside every organisation), with its
    recipients computed; the signal is marked "alerted". A signal already
    turned into an alert gives that alert back."""
    existing = Alert.objects.filter(signal=signal).order_by("id").first()
    if existing is not None:
        _require(coordination_access.can_manage_alerts(by, existing.operation))
        return existing
    operation = signal.operation
    _require(coordination_access.can_manage_alerts(by, operation))
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
