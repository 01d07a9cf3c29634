"""Who a rapid alert goes to, the coordinator's changes to that list, and the e-mail each recipient
organisation receives (with its acknowledgement link).

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
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tutela.coordination import access as coordination_access
from tutela.coordination.access import require
from tutela.coordination.models import Alert, AlertRecipient
from tutela.coordination.services.actions import organisation_addresses
from tutela.core.models import (
    AdminArea,
    AuditEntry,
    Body,
    Membership,
    Organisation,
    User,
)
from tutela.core.services.audit import audit_write
from tutela.core.services.mail import mail_enqueue

# Body code suffixes of the AoRs concerned by an alert kind (see the module docstring).
HLP_CODES = ("HLP", "LTP")


GBV_CODES = ("GBV", "VBG")


ALL_AORS_KINDS = frozenset({Alert.Kind.ATTACK, Alert.Kind.DISPLACEMENT})


def require_draft(alert: Alert) -> None:
    if alert.status != Alert.Status.DRAFT:
        raise ValidationError(_("This alert has been sent: it can no longer be changed."))


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
    require(coordination_access.can_manage_alerts(by, alert.operation))
    require_draft(alert)
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
    require(coordination_access.can_manage_alerts(by, operation))
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
                alert_send_to_recipient(recipient)
    return added


@transaction.atomic
def alert_recipient_remove(*, recipient: AlertRecipient, by: User) -> None:
    alert = recipient.alert
    require(coordination_access.can_manage_alerts(by, alert.operation))
    require_draft(alert)
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


def token_hash(token: str) -> str:
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


def alert_send_to_recipient(recipient: AlertRecipient) -> int:
    """E-mail the alert to the recipient organisation's contacts with a fresh acknowledgement
    link; returns the number of addresses. Nothing is sent (and no link made) without an
    address."""
    addresses = recipient_addresses(recipient)
    if not addresses:
        return 0
    token = secrets.token_urlsafe(32)
    recipient.token_hash = token_hash(token)
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
