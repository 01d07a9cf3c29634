"""The coordination part of a user's home page (tutela.core.selectors.work): action points owned
by the user or their organisation, alerts their organisation has to acknowledge, and for those who
run the cluster the overdue action points, documents awaiting clearance and sent alerts not yet
acknowledged; for everyone the latest published documents.

Each panel reads through the same selectors and access rules as the page it links to."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from tutela.coordination import access as coordination_access
from tutela.coordination.models import ActionPoint, Alert, AlertRecipient, ClearanceDocument
from tutela.coordination.selectors.actions import action_point_list, my_action_points
from tutela.core import access
from tutela.core.models import Operation, User
from tutela.core.models.roles import Role
from tutela.core.selectors.work import WorkItem, WorkPanel, published_item, work_panel


def _date(value: datetime.date) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def _action_item(slug: str, point: ActionPoint, today: datetime.date) -> WorkItem:
    detail = _("Due %(date)s.") % {"date": _date(point.due_date)} if point.due_date else ""
    return WorkItem(
        label=point.title,
        url=reverse("coordination:action_point_detail", kwargs={"slug": slug, "pk": point.pk}),
        detail=detail,
        overdue=bool(point.due_date and point.due_date < today),
    )


def _my_action_points(user: User, operation: Operation) -> WorkPanel:
    today = timezone.localdate()
    return work_panel(
        key="action-points-mine",
        title=_("Action points for you or your organisation"),
        url=reverse("coordination:my_action_points", kwargs={"slug": operation.slug}),
        records=my_action_points(user, operation),
        item=lambda point: _action_item(operation.slug, point, today),
        empty=_("No open action point is assigned to you or your organisation."),
        order=20,
    )


def _overdue_action_points(operation: Operation) -> WorkPanel:
    today = timezone.localdate()
    return work_panel(
        key="action-points-overdue",
        title=_("Overdue action points"),
        url=reverse("coordination:overdue", kwargs={"slug": operation.slug}),
        records=action_point_list(operation, overdue=True, today=today),
        item=lambda point: _action_item(operation.slug, point, today),
        empty=_("No action point is overdue."),
        order=30,
    )


def _alerts_url(operation: Operation) -> str:
    return reverse("coordination:alerts", kwargs={"slug": operation.slug}) + "?status=sent"


def _alerts_to_acknowledge(user: User, operation: Operation) -> WorkPanel:
    """Sent alerts whose recipients include the user's organisation, not yet acknowledged."""
    waiting = (
        AlertRecipient.objects.filter(
            alert__in=coordination_access.alert_queryset(user, operation),
            alert__status=Alert.Status.SENT,
            organisation_id=user.organisation_id,
            acknowledged_at__isnull=True,
        )
        .select_related("alert")
        .order_by("-alert__occurred_on", "-alert_id")
    )
    return work_panel(
        key="alerts-acknowledge",
        title=_("Alerts to acknowledge"),
        url=_alerts_url(operation),
        records=waiting,
        item=lambda r: WorkItem(
            label=r.alert.title,
            url=reverse(
                "coordination:alert_detail", kwargs={"slug": operation.slug, "pk": r.alert_id}
            ),
            detail=_("Occurred %(date)s.") % {"date": _date(r.alert.occurred_on)},
        ),
        empty=_("Your organisation has acknowledged every alert sent to it."),
        order=15,
    )


# `alert` carries the counts annotated by the query (n_recipients, n_waiting), which the model's
# type does not declare.
def _tracking_item(operation: Operation, alert: Any) -> WorkItem:
    return WorkItem(
        label=alert.title,
        url=reverse("coordination:alert_tracking", kwargs={"slug": operation.slug, "pk": alert.pk}),
        detail=_("%(waiting)s of %(total)s recipients have not acknowledged it.")
        % {"waiting": alert.n_waiting, "total": alert.n_recipients},
    )


def _alerts_unacknowledged(user: User, operation: Operation) -> WorkPanel:
    """Those who send alerts: sent alerts that some recipients have not acknowledged yet."""
    alerts = (
        coordination_access.alert_queryset(user, operation)
        .filter(status=Alert.Status.SENT)
        .annotate(
            n_recipients=Count("recipients", distinct=True),
            n_waiting=Count(
                "recipients", filter=Q(recipients__acknowledged_at__isnull=True), distinct=True
            ),
        )
        .filter(n_waiting__gt=0)
        .order_by("-occurred_on", "-id")
    )
    return work_panel(
        key="alerts-tracking",
        title=_("Sent alerts not yet acknowledged by every recipient"),
        url=_alerts_url(operation),
        records=alerts,
        item=lambda alert: _tracking_item(operation, alert),
        empty=_("Every sent alert has been acknowledged."),
        order=25,
    )


def _document_url(operation: Operation, document: ClearanceDocument) -> str:
    return reverse(
        "coordination:document_detail", kwargs={"slug": operation.slug, "pk": document.pk}
    )


def _documents_url(operation: Operation, status: str) -> str:
    return reverse("coordination:documents", kwargs={"slug": operation.slug}) + f"?status={status}"


def _clearance_item(user: User, operation: Operation, document: ClearanceDocument) -> WorkItem:
    if document.approver_id == user.pk:
        detail = _("You clear it.")
    elif document.approver is not None:
        detail = _("Cleared by %(name)s.") % {"name": document.approver.full_name}
    else:
        detail = ""
    return WorkItem(label=document.title, url=_document_url(operation, document), detail=detail)


def _documents_awaiting_clearance(user: User, operation: Operation) -> WorkPanel:
    documents = (
        coordination_access.document_queryset(user, operation)
        .filter(status=ClearanceDocument.Status.SUBMITTED)
        .select_related("approver")
        .order_by("submitted_at", "pk")
    )
    return work_panel(
        key="documents-clearance",
        title=_("Documents awaiting clearance"),
        url=_documents_url(operation, ClearanceDocument.Status.SUBMITTED),
        records=documents,
        item=lambda document: _clearance_item(user, operation, document),
        empty=_("No document is waiting for clearance."),
        order=20,
    )


def published_documents(user: User, operation: Operation) -> WorkPanel:
    """The latest published documents (merged with monitoring's published analysis updates)."""
    documents = (
        coordination_access.document_queryset(user, operation)
        .filter(status=ClearanceDocument.Status.PUBLISHED)
        .order_by("-published_at", "-pk")
    )
    return work_panel(
        key="products",
        title=_("Latest published products"),
        url=_documents_url(operation, ClearanceDocument.Status.PUBLISHED),
        records=documents,
        item=lambda document: published_item(
            label=document.title,
            url=_document_url(operation, document),
            published_at=document.published_at,
        ),
        empty=_("Nothing has been published yet."),
        order=90,
    )


def coordination_home_panels(*, user: User, operation: Operation) -> list[WorkPanel]:
    roles = access.roles_in(user, operation)
    if not roles:
        return []
    panels = []
    acts = roles - {Role.VIEWER}
    if acts & {Role.PARTNER, Role.FOCAL_POINT, Role.COORDINATOR, Role.IMO}:
        panels.append(_my_action_points(user, operation))
        if user.organisation_id:
            panels.append(_alerts_to_acknowledge(user, operation))
    if access.is_manager(user, operation):
        panels.append(_overdue_action_points(operation))
    if coordination_access.can_manage_alerts(user, operation):
        panels.append(_alerts_unacknowledged(user, operation))
    documents = _documents_awaiting_clearance(user, operation)
    if access.is_manager(user, operation) or documents.count:
        panels.append(documents)
    panels.append(published_documents(user, operation))
    return panels
