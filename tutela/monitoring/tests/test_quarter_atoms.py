"""A reader's pooled incident atoms cached quarter by quarter (selectors.quarter_atoms): a write
pools again only the quarter it touched, and what a view shows is what a computation from
nothing (and a GROUP BY over the incidents) shows."""

from __future__ import annotations

import datetime
import re
from collections import Counter
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tutela.monitoring.models import IncidentDataVersion
from tutela.monitoring.selectors.atoms import incident_atoms, incident_atoms_from_records
from tutela.monitoring.selectors.base import POOLED, PUBLICATION, AnalysisFilters, viewer_for
from tutela.monitoring.selectors.quarter_atoms import _unchanged
from tutela.monitoring.services.data_version import data_version_bump
from tutela.monitoring.services.summaries import summaries_rebuild
from tutela.monitoring.tests.incident_fixtures import Mon, mon_fixture  # noqa: F401

pytestmark = pytest.mark.django_db

YEAR = AnalysisFilters(month_from=datetime.date(2026, 1, 1), month_to=datetime.date(2026, 12, 1))
DAYS = [datetime.date(2026, m, d) for m, d in ((1, 10), (2, 3), (4, 5), (5, 20), (7, 7), (10, 3))]
AREAS = ["ML0501", "ML050101", "ML0502", "ML05"]
RISKS = [("R02", "killing"), ("R12", "theft")]


def _spread(mon: Mon) -> None:
    """Incidents of two organisations in four quarters, some groups large, most small."""
    w = mon.world
    for i, day in enumerate(DAYS):
        for j, organisation in enumerate((w.amss, w.other_org)):
            for k in range(1 + (i + j) % 4):
                mon.record(
                    organisation=organisation,
                    occurred_on=day,
                    reported_on=day + datetime.timedelta(days=1),
                    area_pcode=AREAS[(i + k) % len(AREAS)],
                    risks=[RISKS[(j + k) % len(RISKS)]],
                )


def _blocks(atoms: Any) -> Counter[tuple[Any, ...]]:
    return Counter((tuple(str(k.get(d)) for d in sorted(k)), n) for k, n in atoms.blocks())


def _quarters_pooled(queries: CaptureQueriesContext) -> list[str]:
    """The first months of the periods whose atoms were read (the missing quarters are read in
    one query, from the first of them)."""
    out = []
    for query in queries.captured_queries:
        sql = query["sql"]
        if "monitoring_incidentatom" in sql or "monitoring_incidentsummary" in sql:
            found = re.search(r"\"month\" >= '(\d{4}-\d\d-\d\d)", sql)
            if found:
                out.append(found.group(1))
    return sorted(out)


def test_a_write_pools_again_only_the_quarter_it_touched(mon: Mon) -> None:
    w = mon.world
    _spread(mon)
    cache.clear()
    viewer = viewer_for(w.other_partner, mon.operation)
    with CaptureQueriesContext(connection) as first:
        before = _blocks(incident_atoms(viewer, YEAR))
    # The four quarters in one read (from the first).
    assert _quarters_pooled(first) == ["2026-01-01"]
    with CaptureQueriesContext(connection) as again:
        assert _blocks(incident_atoms(viewer, YEAR)) == before
    assert _quarters_pooled(again) == []
    mon.record(occurred_on=datetime.date(2026, 5, 2), reported_on=datetime.date(2026, 5, 3))
    with CaptureQueriesContext(connection) as after_write:
        after = _blocks(incident_atoms(viewer, YEAR))
    assert _quarters_pooled(after_write) == ["2026-04-01"]
    assert after != before
    assert after == _blocks(incident_atoms_from_records(viewer, YEAR))
    cache.clear()
    assert _blocks(incident_atoms(viewer, YEAR)) == after


def test_quarter_by_quarter_blocks_are_those_of_the_incidents(mon: Mon) -> None:
    w = mon.world
    _spread(mon)
    views = [
        YEAR,
        AnalysisFilters(month_from=datetime.date(2026, 2, 1), month_to=datetime.date(2026, 5, 1)),
        AnalysisFilters(
            month_from=datetime.date(2026, 4, 1),
            month_to=datetime.date(2026, 9, 1),
            area=mon.areas["ML0501"],
        ),
    ]
    for user in (w.partner, w.other_partner, w.coordinator, mon.analyst, PUBLICATION):
        viewer = viewer_for(user, mon.operation)
        for view in views:
            for _ in range(2):  # pooled, then from the cache
                assert _blocks(incident_atoms(viewer, view)) == _blocks(
                    incident_atoms_from_records(viewer, view)
                ), (user, view)
        cache.clear()


def test_writes_record_the_quarters_they_touched(mon: Mon) -> None:
    _spread(mon)
    version = IncidentDataVersion.objects.get(operation=mon.operation)
    whole = version.whole_version
    mon.record(occurred_on=datetime.date(2026, 8, 2), reported_on=datetime.date(2026, 8, 3))
    version.refresh_from_db()
    assert version.quarter_versions["2026-07-01"] == version.version
    assert version.whole_version == whole
    assert version.quarter_version(datetime.date(2026, 7, 1)) == (whole, version.version)
    # A rebuild can touch any quarter.
    summaries_rebuild(operation=mon.operation)
    version.refresh_from_db()
    assert version.whole_version == version.version


def test_atoms_pooled_meanwhile_are_not_kept(mon: Mon) -> None:
    """A write that commits between reading the versions and reading the atoms: what was read
    may be that write's, so it is not cached under the versions before it."""
    _spread(mon)
    version = IncidentDataVersion.objects.get(operation=mon.operation)
    data_version_bump(mon.operation.pk, months=[datetime.date(2026, 11, 1)])
    assert not _unchanged(version, [datetime.date(2026, 10, 1)])
    assert _unchanged(version, [datetime.date(2026, 1, 1), datetime.date(2026, 7, 1)])


def test_a_view_ending_mid_quarter_keeps_the_quarters_pooled_blocks_while_the_rest_is_empty(
    mon: Mon,
) -> None:
    """The pages open on the twelve months ending at the last month with incidents, mid-quarter
    most often: small groups of that quarter pooled across its months are shown as long as its
    later months hold no incident, and left out once one does (the block would then hold a
    month the view does not)."""
    viewer = viewer_for(PUBLICATION, mon.operation)
    each = viewer.threshold // 2 + 1  # below the threshold alone, above it together
    for day in (datetime.date(2026, 10, 6), datetime.date(2026, 11, 9)):
        for _ in range(each):
            mon.record(occurred_on=day, reported_on=day + datetime.timedelta(days=1))
    view = AnalysisFilters(
        month_from=datetime.date(2025, 12, 1), month_to=datetime.date(2026, 11, 1)
    )
    q4 = datetime.date(2026, 10, 1)

    def pooled_in_q4(atoms: Any) -> int:
        return sum(
            n for key, n in atoms.blocks() if key["quarter"] == q4 and key["month"] == POOLED
        )

    atoms = incident_atoms(viewer, view)
    assert pooled_in_q4(atoms) == 2 * each
    assert _blocks(atoms) == _blocks(incident_atoms_from_records(viewer, view))
    # The same from the other end: a view starting mid-quarter after empty months.
    start = AnalysisFilters(month_from=datetime.date(2026, 11, 1))
    assert pooled_in_q4(incident_atoms(viewer, start)) == 0  # October holds incidents
    december = datetime.date(2026, 12, 2)
    mon.record(occurred_on=december, reported_on=december)
    atoms = incident_atoms(viewer, view)
    assert pooled_in_q4(atoms) == 0
    assert _blocks(atoms) == _blocks(incident_atoms_from_records(viewer, view))
    whole = AnalysisFilters(
        month_from=datetime.date(2026, 10, 1), month_to=datetime.date(2026, 12, 1)
    )
    assert pooled_in_q4(incident_atoms(viewer, whole)) >= 2 * each
