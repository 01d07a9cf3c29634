"""The monitoring part of a user's home page (tutela.core.selectors.work): new early-warning
signals for those who analyse them (managers and designated analysts), analysis updates waiting
for the user's clearance, and the latest published analysis updates for everyone.

Only names (area, risk, month, title) are listed: no count of incidents, so nothing here escapes
the suppression the analysis pages apply to their figures."""

from __future__ import annotations

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from tutela.core import access
from tutela.core.models import Operation, User
from tutela.core.selectors.work import ITEMS_SHOWN, WorkItem, WorkPanel
from tutela.monitoring import access as monitoring_access
from tutela.monitoring.models import AnalysisUpdate, EarlyWarningSignal


def _new_signals(operation: Operation) -> WorkPanel:
    signals = (
        EarlyWarningSignal.objects.filter(operation=operation, status=EarlyWarningSignal.Status.NEW)
        .select_related("area", "risk")
        .order_by("-month", "p_value", "pk")
    )
    url = reverse("monitoring:signals", kwargs={"slug": operation.slug})
    return WorkPanel(
        key="signals",
        title=_("New early-warning signals"),
        url=url,
        count=signals.count(),
        items=[
            WorkItem(
                label=_("%(risk)s in %(area)s") % {"risk": s.risk.name, "area": s.area.name},
                url=url,
                detail=formats.date_format(s.month, "YEAR_MONTH_FORMAT"),
            )
            for s in signals[:ITEMS_SHOWN]
        ],
        empty=_("No new signal. The monthly scan adds them when a count rises above its baseline."),
        order=30,
    )


def _paus_to_clear(user: User, operation: Operation) -> WorkPanel:
    updates = (
        monitoring_access.paus_for_user(user, operation)
        .filter(status=AnalysisUpdate.Status.SUBMITTED, approver=user.pk)
        .order_by("-period_start", "-pk")
    )
    return WorkPanel(
        key="pau-clearance",
        title=_("Analysis updates awaiting your clearance"),
        url=reverse("monitoring:pau_list", kwargs={"slug": operation.slug}),
        count=updates.count(),
        items=[
            WorkItem(
                label=update.title,
                url=reverse(
                    "monitoring:pau_detail", kwargs={"slug": operation.slug, "pk": update.pk}
                ),
            )
            for update in updates[:ITEMS_SHOWN]
        ],
        empty=_("No analysis update is waiting for your clearance."),
        order=20,
    )


def _published_paus(user: User, operation: Operation) -> WorkPanel:
    updates = (
        monitoring_access.paus_for_user(user, operation)
        .filter(status=AnalysisUpdate.Status.PUBLISHED)
        .order_by("-published_at", "-pk")
    )
    return WorkPanel(
        key="products",
        title=_("Latest published products"),
        url=reverse("monitoring:pau_list", kwargs={"slug": operation.slug}),
        count=updates.count(),
        items=[
            WorkItem(
                label=update.title,
                url=reverse(
                    "monitoring:pau_detail", kwargs={"slug": operation.slug, "pk": update.pk}
                ),
                detail=_("Published %(date)s.")
                % {
                    "date": formats.date_format(
                        timezone.localtime(update.published_at), "DATE_FORMAT"
                    )
                }
                if update.published_at
                else "",
                when=update.published_at,
            )
            for update in updates[:ITEMS_SHOWN]
        ],
        empty=_("Nothing has been published yet."),
        order=90,
    )


def monitoring_home_panels(*, user: User, operation: Operation) -> list[WorkPanel]:
    if not access.roles_in(user, operation):
        return []
    panels = []
    if monitoring_access.can_edit_pau(user, operation):
        panels.append(_new_signals(operation))
    to_clear = _paus_to_clear(user, operation)
    if to_clear.count:
        panels.append(to_clear)
    panels.append(_published_paus(user, operation))
    return panels
