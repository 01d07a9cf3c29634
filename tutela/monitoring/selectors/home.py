"""The monitoring part of a user's home page (tutela.core.selectors.work): new early-warning
signals for those who analyse them (managers and designated analysts), analysis updates waiting
for the user's clearance, and the latest published analysis updates for everyone.

A signal shows its month's count and how it compares with its baseline as the signals page shows
them to the same user (`selectors.signals`: the same atoms and suppression as every aggregate), so
nothing here escapes the suppression the analysis pages apply to their figures."""

from __future__ import annotations

from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tutela.core import access
from tutela.core.models import Operation, User
from tutela.core.selectors.work import (
    ITEMS_SHOWN,
    WorkItem,
    WorkPanel,
    published_item,
    work_panel,
)
from tutela.monitoring import access as monitoring_access
from tutela.monitoring.models import AnalysisUpdate, EarlyWarningSignal
from tutela.monitoring.selectors.signals import SignalView, signals_for_user


def _signal_detail(view: SignalView | None, signal: EarlyWarningSignal) -> str:
    """The month, its count and how it compares with the baseline, as the signals page shows
    them to this user (the same suppression)."""
    month = formats.date_format(signal.month, "YEAR_MONTH_FORMAT")
    if view is None:
        return month
    if view.observed is None:
        return _("%(month)s: %(comparison)s (%(period)s).") % {
            "month": month,
            "comparison": view.comparison,
            "period": view.period,
        }
    return ngettext(
        "%(month)s: %(count)s incident, %(comparison)s over %(period)s.",
        "%(month)s: %(count)s incidents, %(comparison)s over %(period)s.",
        view.observed,
    ) % {
        "month": month,
        "count": view.observed,
        "comparison": view.comparison,
        "period": view.period,
    }


def _new_signals(user: User, operation: Operation) -> WorkPanel:
    signals = (
        EarlyWarningSignal.objects.filter(operation=operation, status=EarlyWarningSignal.Status.NEW)
        .select_related("area", "risk")
        .order_by("-month", "p_value", "pk")
    )
    url = reverse("monitoring:signals", kwargs={"slug": operation.slug})
    # The evidence of the signals the card lists, from the same selector as the signals page.
    views = {
        v.signal.pk: v
        for v in signals_for_user(
            user=user, operation=operation, signals=list(signals[:ITEMS_SHOWN])
        )
    }
    return work_panel(
        key="signals",
        title=_("New early-warning signals"),
        url=url,
        records=signals,
        item=lambda s: WorkItem(
            label=_("%(risk)s in %(area)s") % {"risk": s.risk.name, "area": s.area.name},
            url=url,
            detail=_signal_detail(views.get(s.pk), s),
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
        panels.append(_new_signals(user, operation))
    to_clear = _paus_to_clear(user, operation)
    if to_clear.count:
        panels.append(to_clear)
    panels.append(_published_paus(user, operation))
    return panels
