"""The monitoring part of a user's home page (tutela.core.selectors.work): new early-warning
signals for those who analyse them (managers and designated analysts), analysis updates waiting
for the user's clearance, and the latest published analysis updates for everyone.

Only names (area, risk, month, title) are listed: no count of incidents, so nothing here escapes
the suppression the analysis pages apply to their figures."""

from __future__ import annotations

from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _

from tutela.core import access
from tutela.core.models import Operation, User
from tutela.core.selectors.work import WorkItem, WorkPanel, published_item, work_panel
from tutela.monitoring import access as monitoring_access
from tutela.monitoring.models import AnalysisUpdate, EarlyWarningSignal


def _new_signals(operation: Operation) -> WorkPanel:
    signals = (
        EarlyWarningSignal.objects.filter(operation=operation, status=EarlyWarningSignal.Status.NEW)
        .select_related("area", "risk")
        .order_by("-month", "p_value", "pk")
    )
    url = reverse("monitoring:signals", kwargs={"slug": operation.slug})
    return work_panel(
        key="signals",
        title=_("New early-warning signals"),
        url=url,
        records=signals,
        item=lambda s: WorkItem(
            label=_("%(risk)s in %(area)s") % {"risk": s.risk.name, "area": s.area.name},
            url=url,
            detail=formats.date_format(s.month, "YEAR_MONTH_FORMAT"),
        ),
        empty=_("No new signal. The monthly scan adds them when a count rises above its baseline."),
        order=30,
    )


def _pau_url(operation: Operation, update: AnalysisUpdate) -> str:
    return reverse("monitoring:pau_detail", kwargs={"slug": operation.slug, "pk": update.pk})


def _paus_to_clear(user: User, operation: Operation) -> WorkPanel:
    updates = (
        monitoring_access.paus_for_user(user, operation)
        .filter(status=AnalysisUpdate.Status.SUBMITTED, approver=user.pk)
        .order_by("-period_start", "-pk")
    )
    return work_panel(
        key="pau-clearance",
        title=_("Analysis updates awaiting your clearance"),
        url=reverse("monitoring:pau_list", kwargs={"slug": operation.slug}),
        records=updates,
        item=lambda update: WorkItem(label=update.title, url=_pau_url(operation, update)),
        empty=_("No analysis update is waiting for your clearance."),
        order=20,
    )


def _published_paus(user: User, operation: Operation) -> WorkPanel:
    updates = (
        monitoring_access.paus_for_user(user, operation)
        .filter(status=AnalysisUpdate.Status.PUBLISHED)
        .order_by("-published_at", "-pk")
    )
    return work_panel(
        key="products",
        title=_("Latest published products"),
        url=reverse("monitoring:pau_list", kwargs={"slug": operation.slug}),
        records=updates,
        item=lambda update: published_item(
            label=update.title,
            url=_pau_url(operation, update),
            published_at=update.published_at,
        ),
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
