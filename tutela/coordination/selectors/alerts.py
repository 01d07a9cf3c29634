"""Reads of alerts and missions. Draft alerts are visible only to those who manage alerts
(tutela.coordination.access); sent and closed alerts and missions to
everyone with a role in the operation."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from tutela.coordination import access as coordination_access
from tutela.coordination.models import Alert, AlertRecipient, Mission
from tutela.core.models import Operation, User


def alerts_visible(
    user: User, operation: Operation, *, status: str = "", kind: str = ""
) -> QuerySet[Alert]:
    alerts = coordination_access.alert_queryset(user, operation).select_related(
        "area", "created_by"
    )
    if status:
        alerts = alerts.filter(status=status)
    if kind:
        alerts = alerts.filter(kind=kind)
    return alerts.annotate(
        n_recipients=Count("recipients", distinct=True),
        n_acknowledged=Count(
            "recipients", filter=Q(recipients__acknowledged_at__isnull=False), distinct=True
        ),
    ).order_by("-occurred_on", "-id")


def alert_recipients(alert: Alert) -> list[AlertRecipient]:
    return list(
        alert.recipients.select_related("organisation", "body", "acknowledged_by").order_by(
            "organisation__acronym"
        )
    )


def own_recipient(user: User, alert: Alert) -> AlertRecipient | None:
    """The user's organisation's entry among the recipients, if any."""
    organisation_id = user.organisation_id
    if alert.status == Alert.Status.DRAFT or not organisation_id:
        return None
    return (
        alert.recipients.filter(organisation_id=organisation_id)
        .select_related("organisation")
        .first()
    )


@dataclass(frozen=True)
class Tracking:
    recipients: int
    sent: int
    acknowledged: int
    responded: int


def alert_tracking(recipients: list[AlertRecipient]) -> Tracking:
    return Tracking(
        recipients=len(recipients),
        sent=sum(1 for r in recipients if r.token_hash),
        acknowledged=sum(1 for r in recipients if r.acknowledged_at),
        responded=sum(1 for r in recipients if r.responded_at),
    )


def mission_list(operation: Operation, *, alert: Alert | None = None) -> QuerySet[Mission]:
    missions = Mission.objects.filter(operation=operation).select_related("alert", "area")
    if alert is not None:
        missions = missions.filter(alert=alert)
    return missions.annotate(n_organisations=Count("organisations")).order_by("-starts_on", "-id")


def missions_visible(user: User, operation: Operation) -> QuerySet[Mission]:
    missions = mission_list(operation)
    if not coordination_access.can_manage_alerts(user, operation):
        missions = missions.exclude(alert__status=Alert.Status.DRAFT)
    return missions
