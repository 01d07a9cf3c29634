"""The hidden rows' disclosure atoms read from the summary tables' picks (grain "p0") are the
atoms the 5W rows give: the same groups and sums by every atom dimension (the site included),
for a partner and a viewer, under every counting rule, per indicator or not, whatever the rows'
statuses, sites and counts."""

from __future__ import annotations

import datetime
from collections import Counter
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tutela.activities.models import ActivityReport, ActivitySettings, Submission
from tutela.activities.selectors import disclosure, hidden_records
from tutela.activities.selectors.filters import Filters
from tutela.activities.selectors.visibility import hidden_name_area_ids, visible_rows
from tutela.activities.services.catalogue import catalogue_seed
from tutela.activities.services.summaries import summaries_rebuild
from tutela.activities.tests.analysis_fixtures import JAN, add_row, set_rule
from tutela.conftest import World
from tutela.core.models import AdminArea
from tutela.core.pcodes import name_key

pytestmark = pytest.mark.django_db
FEB = datetime.date(2026, 2, 1)
MAR = datetime.date(2026, 3, 1)
RULES = [c.value for c in ActivitySettings.CumulativeRule if c != "new_only"]
COUNTS = st.sampled_from([0, 0, 1, 2, 3, 5, 9, 14])

rows_strategy = st.lists(
    st.tuples(
        st.sampled_from(("drc", "unhcr", "amss", "other_org")),
        st.sampled_from(("PRO-CM", "CP-CM", "GBV-CM", "PRO-AWA")),
        st.sampled_from(("ML05", "ML0501", "ML0502", "ML04")),
        st.sampled_from((JAN, FEB, MAR)),
        st.sampled_from(("IDP", "REF")),
        st.sampled_from(("", "Camp A", "Camp B")),
        st.sampled_from((Submission.Status.VALIDATED, Submission.Status.SUBMITTED)),
        st.tuples(COUNTS, COUNTS, COUNTS, COUNTS, COUNTS, COUNTS),
        st.sampled_from((None, 0, 7)),
    ),
    min_size=1,
    max_size=14,
    unique_by=lambda r: r[:6],
)


def records(world: World, user: Any, rule: str, by_indicator: bool) -> tuple[Counter, Counter]:
    filters = Filters(month_from=JAN, month_to=MAR)
    dims = hidden_records.atom_dimensions(
        monthly=False,
        by_indicator=by_indicator,
        unnamed=hidden_name_area_ids(user, world.operation),
    )
    hidden = disclosure.hidden_rows_q(user, world.operation)
    assert hidden is not None
    rows = hidden_records.period_rows(
        visible_rows(user, world.operation).filter(hidden), filters, row_filters=True
    )
    picks = hidden_records.hidden_picks(user, world.operation, filters, rule, by_indicator)
    assert picks is not None
    return (
        _by_key(hidden_records.grouped_records(rows, dims, rule=rule, additive=False), dims),
        _by_key(hidden_records.picked_records(picks, dims), dims),
    )


def _by_key(records: list[tuple[Any, ...]], dims: dict[str, Any]) -> Counter:
    """The records' measures summed by atom key, as `pooled_atoms` sums them (the picks come
    one per pick, the rows' picks summed by the database; None as 0)."""
    at = len(dims)
    sums: dict[tuple[Any, ...], list[int]] = {}
    for record in records:
        into = sums.setdefault(tuple(record[:at]), [0] * (len(record) - at))
        for i, value in enumerate(record[at:]):
            into[i] += int(value or 0)
    return Counter({(*key, *values): 1 for key, values in sums.items()})


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=rows_strategy, rule=st.sampled_from(RULES))
def test_atoms_from_the_picks_are_the_atoms_of_the_rows(
    world: World, areas: dict[str, AdminArea], settings: Any, rows: list[Any], rule: str
) -> None:
    settings.ACTIVITY_SUMMARY_MIN_ROWS = 1
    catalogue_seed(operation=world.operation)
    with transaction.atomic():
        set_rule(world, rule)
        # Rows at a site first: each is written without it, then moved (add_row has no site).
        for org, activity, place, month, group, site, status, bands, quantity in sorted(
            rows, key=lambda r: r[5], reverse=True
        ):
            row = add_row(
                world,
                getattr(world, org),
                activity,
                areas[place],
                month,
                group,
                status=status,
                bands=bands,
                quantity=quantity,
            )
            if site:
                ActivityReport.objects.filter(pk=row.pk).update(site=site, site_key=name_key(site))
        state = summaries_rebuild(operation=world.operation, force=True)
        assert state.enabled
        assert state.is_fresh
        for user in (world.partner, world.viewer):
            for by_indicator in (False, True):
                from_rows, from_picks = records(world, user, rule, by_indicator)
                assert from_rows == from_picks, (user.email, by_indicator)
        transaction.set_rollback(True)


def test_no_picks_where_they_cannot_answer(
    world: World, areas: dict[str, AdminArea], settings: Any
) -> None:
    """Stale or disabled tables, another rule, a shorter period or a status filter: the atoms
    come from the 5W rows."""
    catalogue_seed(operation=world.operation)
    add_row(world, world.drc, "PRO-CM", areas["ML0501"], JAN, bands=(5, 0, 0, 0, 0, 0))
    add_row(world, world.drc, "PRO-CM", areas["ML0501"], FEB, bands=(5, 0, 0, 0, 0, 0))
    user, rule = world.viewer, ActivitySettings.CumulativeRule.MAX_MONTH
    whole = Filters(month_from=JAN, month_to=FEB)
    assert hidden_records.hidden_picks(user, world.operation, whole, rule, False) is None  # off
    settings.ACTIVITY_SUMMARY_MIN_ROWS = 1
    summaries_rebuild(operation=world.operation, force=True)
    assert hidden_records.hidden_picks(user, world.operation, whole, rule, False) is not None
    latest = ActivitySettings.CumulativeRule.LATEST
    assert hidden_records.hidden_picks(user, world.operation, whole, latest, False) is None
    shorter = Filters(month_from=FEB, month_to=FEB)
    assert hidden_records.hidden_picks(user, world.operation, shorter, rule, False) is None
    status = Filters(month_from=JAN, month_to=FEB, status="ongoing")
    assert hidden_records.hidden_picks(user, world.operation, status, rule, False) is None


def test_no_picks_for_a_user_without_a_role(
    world: World, areas: dict[str, AdminArea], settings: Any
) -> None:
    """A user with no role in the operation counts no row: the picks must not stand for them."""
    catalogue_seed(operation=world.operation)
    add_row(world, world.drc, "PRO-CM", areas["ML0501"], JAN, bands=(5, 0, 0, 0, 0, 0))
    settings.ACTIVITY_SUMMARY_MIN_ROWS = 1
    summaries_rebuild(operation=world.operation, force=True)
    rule = ActivitySettings.CumulativeRule.MAX_MONTH
    whole = Filters(month_from=JAN, month_to=JAN)
    assert (
        hidden_records.hidden_picks(world.viewer, world.operation, whole, rule, False) is not None
    )
    assert hidden_records.hidden_picks(world.outsider, world.operation, whole, rule, False) is None
