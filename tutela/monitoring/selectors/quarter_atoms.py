"""A reader's pooled incident atoms cached quarter by quarter.

Blocks never span two quarters (`atoms.INCIDENT_POOL` never pools the quarter) and a view reads
the atoms of whole quarters, so the pooled atoms of a period are those of its quarters put
together. Each quarter's are cached until a write touches that quarter's counts
(`IncidentDataVersion.quarter_versions`, set in the write's transaction by
`services.summaries.SummaryDelta.apply`) or every quarter's (`whole_version`: a rebuild): the
first view after an incident is recorded pools that incident's quarter again, not the year.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable, Sequence
from typing import Any

from django.core.cache import cache

from tutela.core.disclosure_blocks import Atoms
from tutela.monitoring.models import IncidentDataVersion, IncidentSummary
from tutela.monitoring.selectors.base import AnalysisFilters, Viewer
from tutela.monitoring.selectors.periods import add_months, quarter_of

# (block tuples, withheld groups, whether any record was hidden)
Pooled = tuple[list[tuple[tuple[Any, ...], int]], int, bool]

# At most this long, and not a quarter of more blocks than this (the web processes' memory).
CACHE_SECONDS = 300
MAX_CACHED_BLOCKS = 200_000
# A period of more quarters than this is cached whole, not quarter by quarter.
MAX_QUARTERS = 80


def pooled_by_quarter(
    viewer: Viewer,
    fetched: AnalysisFilters,
    verified_ids: Sequence[int],
    *,
    version: IncidentDataVersion,
    pool: Callable[[AnalysisFilters, list[datetime.date]], dict[datetime.date, Atoms]],
) -> Pooled | None:
    """The pooled atoms of the period of `fetched` (whole quarters), quarter by quarter: each
    read from the cache or pooled (`pool`: the pooled atoms of the missing quarters, read over
    a period holding them all) and cached under the quarters' versions in `version` (the
    operation's, read by the caller). None when the period is too long or there is no incident
    (the caller then pools the period at once)."""
    quarters = _quarters(viewer.operation.pk, fetched)
    if quarters is None:
        return None
    keys = {quarter: _key(viewer, version, quarter, verified_ids) for quarter in quarters}
    found = cache.get_many(list(keys.values())) if keys else {}
    parts: dict[datetime.date, Pooled] = {}
    for quarter in quarters:
        cached = found.get(keys[quarter])
        if isinstance(cached, tuple):
            parts[quarter] = cached
    missing = [quarter for quarter in quarters if quarter not in parts]
    computed: dict[datetime.date, Pooled] = {}
    if missing:
        span = fetched.with_months(missing[0], add_months(missing[-1], 2))
        for quarter, atoms in pool(span, missing).items():
            computed[quarter] = (atoms.tuples(), atoms.withheld_groups, atoms.has_hidden)
    if computed and _unchanged(version, missing):
        cache.set_many(
            {
                keys[quarter]: part
                for quarter, part in computed.items()
                if len(part[0]) <= MAX_CACHED_BLOCKS
            },
            CACHE_SECONDS,
        )
    parts.update(computed)
    ordered = [parts[quarter] for quarter in quarters]
    return (
        [block for part in ordered for block in part[0]],
        sum(part[1] for part in ordered),
        any(part[2] for part in ordered),
    )


def _quarters(operation_id: int, fetched: AnalysisFilters) -> list[datetime.date] | None:
    """The quarters of the period of `fetched` (whole quarters), an open end bounded by the
    operation's first or last month with incidents (a lookup of the summary's (operation,
    month) index); None when there are too many to key one by one, or no incident."""
    first, last = fetched.month_from, fetched.month_to
    months = IncidentSummary.objects.filter(operation_id=operation_id).values_list(
        "month", flat=True
    )
    if first is None:
        earliest = months.order_by("month").first()
        first = quarter_of(earliest) if earliest else None
    if last is None:
        latest = months.order_by("-month").first()
        last = quarter_of(latest) if latest else None
    if first is None or last is None:
        return None
    quarters = []
    quarter = first
    while quarter <= last:
        quarters.append(quarter)
        if len(quarters) > MAX_QUARTERS:
            return None
        quarter = add_months(quarter, 3)
    return quarters


def _key(
    viewer: Viewer,
    version: IncidentDataVersion,
    quarter: datetime.date,
    verified_ids: Sequence[int],
) -> str:
    """What a quarter's pooled atoms for `viewer` depend on: the quarter's data versions, the
    counting rules as they are now (GBV sharing, statuses counting as verified), what the viewer
    may see and the threshold."""
    text = repr(
        (
            viewer.operation.pk,
            # A database made again (tests, restores) can repeat ids and versions.
            version.token,
            version.quarter_version(quarter),
            quarter.isoformat(),
            sorted(viewer.sharing_organisations),
            sorted(verified_ids),
            viewer.own_organisation_id,
            viewer.is_analyst,
            viewer.sees_everything,
            viewer.threshold,
        )
    )
    return "monitoring-quarter-atoms:" + hashlib.sha256(text.encode()).hexdigest()


def _unchanged(version: IncidentDataVersion, quarters: list[datetime.date]) -> bool:
    """No write touched `quarters` since `version` was read (their atoms were read after it):
    what was pooled is that of the versions the keys hold, and may be cached under them."""
    now = IncidentDataVersion.objects.filter(pk=version.pk).first()
    return now is not None and all(
        now.quarter_version(quarter) == version.quarter_version(quarter) for quarter in quarters
    )
