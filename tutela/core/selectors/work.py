""" "My work": what a signed-in user must do in an operation, shown first on its home page.

Core names no domain app, so each app reports its own part: it registers a provider in its
`AppConfig.ready()` (`extensions.home_panels.register(...)`) that returns the panels the user
should see, built with that app's own access helpers and selectors. A provider returns no panel
for a role that has nothing to do there, and never counts a record the user could not see on the
page the panel links to: the count and the page come from the same selector.

Panels sharing a key (the latest published products, which monitoring and coordination both
publish) are merged into one.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import Model, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from tutela.core import extensions

if TYPE_CHECKING:
    from tutela.core.models import Operation, User

# How many items a panel lists under its count (the page it links to has the rest).
ITEMS_SHOWN = 5


@dataclass
class WorkItem:
    """One thing in a panel: a line with a link, and what it needs (a deadline, a comment)."""

    label: Any
    url: str
    detail: Any = ""
    # Quoted text the user should read (a reviewer's comment), shown apart from the label.
    quote: str = ""
    overdue: bool = False
    # Orders merged panels' items, latest first (published products).
    when: datetime.datetime | datetime.date | None = None


@dataclass
class WorkPanel:
    """A card on the home page: a title linking to the page with the records, how many there
    are, the first few of them, and what to do when there are none."""

    key: str
    title: Any
    url: str
    count: int
    empty: Any
    items: list[WorkItem] = field(default_factory=list)
    # Lower first: what the user must act on before what they may like to read.
    order: int = 50
    # A short line under the title (the round's deadline).
    summary: Any = ""
    # How many of `count` are overdue, when the items do not list them one by one.
    overdue_count: int | None = None

    @property
    def overdue(self) -> int:
        if self.overdue_count is not None:
            return self.overdue_count
        return sum(1 for item in self.items if item.overdue)


T = TypeVar("T", bound=Model)


def work_panel(
    *,
    key: str,
    title: Any,
    url: str,
    records: QuerySet[T],
    item: Callable[[T], WorkItem],
    empty: Any,
    order: int = 50,
) -> WorkPanel:
    """The panel of the records a page lists: their count, and the first ITEMS_SHOWN of them as
    items (the count and the page come from the same selector)."""
    return WorkPanel(
        key=key,
        title=title,
        url=url,
        count=records.count(),
        items=[item(record) for record in records[:ITEMS_SHOWN]],
        empty=empty,
        order=order,
    )


def published_item(*, label: Any, url: str, published_at: datetime.datetime | None) -> WorkItem:
    """An item of the latest published products (merged across apps by their date)."""
    return WorkItem(
        label=label,
        url=url,
        detail=_("Published %(date)s.")
        % {"date": formats.date_format(timezone.localtime(published_at), "DATE_FORMAT")}
        if published_at
        else "",
        when=published_at,
    )


def _when_key(item: WorkItem) -> datetime.date:
    value = item.when
    if isinstance(value, datetime.datetime):
        return value.date()
    return value or datetime.date.min


def _merged(panels: list[WorkPanel]) -> list[WorkPanel]:
    by_key: dict[str, WorkPanel] = {}
    for panel in panels:
        kept = by_key.get(panel.key)
        if kept is None:
            by_key[panel.key] = panel
            continue
        kept.count += panel.count
        kept.items = sorted([*kept.items, *panel.items], key=_when_key, reverse=True)
    for panel in by_key.values():
        panel.items = panel.items[:ITEMS_SHOWN]
    return sorted(by_key.values(), key=lambda panel: (panel.order, panel.key))


def work_for_user(user: User, operation: Operation) -> list[WorkPanel]:
    """The panels of every app for `user` in `operation` (the caller checked the user has a role
    in it), most urgent first."""
    panels: list[WorkPanel] = []
    for provider in extensions.home_panels:
        panels.extend(provider(user=user, operation=operation))
    return _merged(panels)
