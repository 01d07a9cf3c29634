"""Reads of alerts and missions. Draft alerts are visible only to those who manage alerts
(tutela.coordination.services.alerts.can_manage_alerts); sent and closed alerts and missions to
everyone with a role in the operation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from tutela.coordination.models import Alert, AlertRecipient, Mission
from tutela.coordination.services.alerts import can_manage_alerts
from tutela.core import access
from tutela.core.models import Operation


def alerts_visible(
    user: Any, operation: Operation, *, status: str = "", kind: str = ""
) -> QuerySet[Alert]:
    if not access.roles_in(user, operation):
        return Alert.objects.none()
    alerts = Alert.objects.filter(operation=operation).select_related("area", "created_by")
    if not can_manage_alerts(user, operation):
        alerts = alerts.exclude(status=Alert.Status.DRAFT)
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


def alert_get_for_user(user: Any, operation: Operation, pk: int) -> Alert:
    """The alert if the user may see it; 404 otherwise (a draft does not exist for partners)."""
    try:
        return alerts_visible(user, operation).select_related("signal", "sent_by").get(pk=pk)
    except Alert.DoesNotExist:
        raise Http404 from None


def alert_recipients(alert: Alert) -> list[AlertRecipient]:
    return list(
        alert.recipients.select_related("organisation", "body", "acknowledged_by").order_by(
            "organisation__acronym"
        )
    )


def own_recipient(user: Any, alert: Alert) -> AlertRecipient | None:
    """The user's organisation's entry among the recipients, if any."""
    if alert.status == Alert.Status.DRAFT or not getattr(user, "organisation_id", None):
        return None
    return (
        alert.recipients.filter(organisation_id=user.organisation_id)
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


def mission_get(user: Any, operation: Operation, pk: int) -> Mission:
    """A mission of the operation. A mission on a draft alert is visible like the draft."""
    try:
        mission = (
            Mission.objects.filter(operation=operation)
            .select_related("alert", "area", "created_by")
            .prefetch_related("organisations")
            .get(pk=pk)
        )
    except Mission.DoesNotExist:
        raise Http404 from None
    return mission


def missions_visible(user: Any, operation: Operation) -> QuerySet[Mission]:
    missions = mission_list(operation)
    if not can_manage_alerts(user, operation):
        missions = missions.exclude(alert__status=Alert.Status.DRAFT)
    return missions


def mission_get_for_user(user: Any, operation: Operation, pk: int) -> Mission:
    mission = mission_get(user, operation, pk)
    if (
        mission.alert is not None
        and mission.alert.status == Alert.Status.DRAFT
        and not can_manage_alerts(user, operation)
    ):
        raise Http404
    return mission
