"""5W summary tables: pivots and coverage from them equal the ones from the 5W rows, for every
counting rule and persona; writes keep them fresh (test_summary_deltas), other paths make them
stale and queue their rebuild; reads never write."""

from __future__ import annotations

import datetime
import io
import itertools
import random
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from tutela.activities import selectors
from tutela.activities.models import (
    Activity,
    ActivityReport,
    ActivitySettings,
    Indicator,
    MonthlySummary,
    PickedSummary,
    Submission,
    SummaryState,
)
from tutela.activities.models.summary_grains import PICKED_GRAINS
from tutela.activities.services.catalogue import catalogue_seed
from tutela.activities.services.summaries import (
    GRAINS,
    summaries_invalidate,
    summaries_rebuild,
    summaries_request,
)
from tutela.activities.tests.analysis_fixtures import ancestors, hide_names_in, submission_for
from tutela.conftest import World, make_area
from tutela.core.models import AdminArea, PopulationGroup

Rule = ActivitySettings.CumulativeRule
Status = Submission.Status
MONTHS = [datetime.date(2026, m, 1) for m in (1, 2, 3, 4)]
PERSONAS = ["coordinator", "partner", "other_partner", "viewer"]


@dataclass
class Data:
    world: World
    areas: dict[str, AdminArea]


def _people(rng: random.Random) -> dict[str, Any]:
    # Small totals so that the counting rule meets ties (broken by the month).
    bands = [rng.randint(0, 4) for _ in range(6)]
    total = sum(bands) + rng.choice([0, 0, 1])
    return {
        "girls": bands[0],
        "boys": bands[1],
        "women": bands[2],
        "men": bands[3],
        "older_women": bands[4],
        "older_men": bands[5],
        "total": total,
        "with_disability": min(total, rng.randint(0, 2)),
    }


@pytest.fixture(name="data")
def data_fixture(world: World, areas: dict[str, AdminArea], settings: Any) -> Data:
    """Four organisations reporting over four months at every admin level (and the country),
    with submissions at every status, a sensitive activity, an activity whose rows change
    indicator from month to month, quantities and implementing partners."""
    settings.ACTIVITY_SUMMARY_MIN_ROWS = 0
    # Rebuilt in chunks of a few rows: every chunk boundary (months, organisations, admin 1
    # areas, the country's rows without one) is crossed.
    settings.ACTIVITY_SUMMARY_CHUNK_ROWS = 3
    settings.ACTIVITY_SUMMARY_OLD_ROWS_GRACE = 0
    catalogue_seed(operation=world.operation)
    areas = {
        **areas,
        "ML050101": make_area("ML050101", "Bandiagara commune", 3, areas["ML0501"]),
        "ML050201": make_area("ML050201", "Djenné commune", 3, areas["ML0502"]),
    }
    pss = Activity.objects.get(operation=world.operation, code="PRO-PSS")
    second = Indicator.objects.create(activity=pss, code="PRO-PSS-02", name_en="Sessions")
    rng = random.Random(5)
    orgs = [world.amss, world.other_org, world.drc, world.unhcr]
    statuses = {
        (org.pk, month): rng.choice(
            [Status.VALIDATED, Status.VALIDATED, Status.SUBMITTED, Status.DRAFT, Status.RETURNED]
        )
        for org in orgs
        for month in MONTHS
    }
    activities = {
        code: Activity.objects.get(operation=world.operation, code=code)
        for code in ("PRO-PSS", "PRO-CM", "PRO-AWA", "CP-CM")
    }
    indicators = {a.pk: a.indicators.order_by("code").first() for a in activities.values()}
    groups = list(
        PopulationGroup.objects.filter(operation=world.operation, code__in=["IDP", "REF"])
    )
    places = [areas[p] for p in ("ML", "ML04", "ML0501", "ML0502", "ML050101", "ML050201")]
    submissions = {
        key: submission_for(world, next(o for o in orgs if o.pk == key[0]), key[1], status)
        for key, status in statuses.items()
    }
    rows = []
    for org, activity, place, group in itertools.product(orgs, activities.values(), places, groups):
        if rng.random() < 0.3:
            continue
        for month in MONTHS:
            if rng.random() < 0.45:
                continue
            indicator = indicators[activity.pk]
            if activity.pk == pss.pk and rng.random() < 0.5:
                indicator = second
            rows.append(
                ActivityReport(
                    operation=world.operation,
                    submission=submissions[(org.pk, month)],
                    organisation=org,
                    implementing_partner=rng.choice([None, None, world.amss]),
                    month=month,
                    activity=activity,
                    indicator=indicator,
                    body=activity.body,
                    area=place,
                    population_group=group,
                    quantity=rng.choice([None, None, rng.randint(0, 3)]),
                    **_people(rng),
                    **ancestors(place),
                )
            )
    ActivityReport.objects.bulk_create(rows)
    return Data(world=world, areas=areas)


def _fresh(user: Any) -> Any:
    return type(user).objects.get(pk=user.pk)


def _shown(result: selectors.PivotResult) -> tuple[Any, ...]:
    return (
        [(r.codes, r.labels, r.values) for r in result.rows],
        result.totals,
        result.suppressed,
        result.suppressed_cells,
        result.too_detailed,
        result.names_hidden,
        result.totals_over_period,
        result.disclosure_values,
    )


def _compare(user: Any, data: Data, rows_by: list[str], **filters: Any) -> str:
    """The pivot from the summary tables equals the one from the 5W rows; returns the source."""
    operation = data.world.operation
    fast = selectors.pivot(user=_fresh(user), operation=operation, rows_by=rows_by, filters=filters)
    slow = selectors.pivot(
        user=_fresh(user),
        operation=operation,
        rows_by=rows_by,
        filters=filters,
        use_summaries=False,
    )
    assert slow.source == "rows"
    assert _shown(fast) == _shown(slow), (rows_by, filters, fast.source)
    return fast.source


def _rows_read(queries: CaptureQueriesContext) -> list[str]:
    """The queries that read 5W rows, but the lookups of the operation's first and last months
    (selectors.pooled_atoms: one index entry each, no figure)."""
    return [
        q["sql"]
        for q in queries.captured_queries
        if "activities_activityreport" in q["sql"]
        and not (
            q["sql"].startswith(
                'SELECT "activities_activityreport"."month" AS "month" '
                'FROM "activities_activityreport" '
                'WHERE "activities_activityreport"."operation_id" = '
            )
            and q["sql"].endswith("LIMIT 1")
            and " AND " not in q["sql"]
        )
    ]


def _set_rule(data: Data, rule: str) -> None:
    settings, _created = ActivitySettings.objects.get_or_create(operation=data.world.operation)
    settings.cumulative_rule = rule
    settings.save()
    summaries_rebuild(operation=data.world.operation)


def _filter_sets(data: Data) -> list[dict[str, Any]]:
    w, areas = data.world, data.areas
    return [
        {},
        {"month_from": MONTHS[0], "month_to": MONTHS[-1]},
        {"month_from": MONTHS[1]},
        {"month_to": MONTHS[2]},
        {"body": w.cluster},
        {"body": w.cp_aor},
        {"activity": Activity.objects.get(operation=w.operation, code="PRO-PSS")},
        {"organisation": w.drc},
        {"area": areas["ML05"]},
        {"area": areas["ML0501"]},
        {"area": areas["ML050201"]},
        {"area": areas["ML"]},
        {"population_group": PopulationGroup.objects.get(operation=w.operation, code="REF")},
        {"validated_only": True},
        {"status": "ongoing"},
        {"body": w.cluster, "area": areas["ML04"], "validated_only": True},
    ]


# --- Same results --------------------------------------------------------------------------------


@pytest.mark.parametrize("rule", [Rule.MAX_MONTH, Rule.LATEST, Rule.NEW_ONLY])
@pytest.mark.parametrize("persona", PERSONAS)
def test_pivots_from_summaries_equal_pivots_from_rows(data: Data, rule: str, persona: str) -> None:
    _set_rule(data, rule)
    user = getattr(data.world, persona)
    dims = list(selectors.DIMENSIONS)
    sources = []
    for rows_by in [[d] for d in dims] + [list(c) for c in itertools.combinations(dims, 2)]:
        sources.append(_compare(user, data, rows_by))
    for rows_by in (["admin2", "activity", "organisation"], ["month", "body", "population_group"]):
        sources.append(_compare(user, data, rows_by))
    for filters in _filter_sets(data):
        for rows_by in (["admin1"], ["organisation", "month"], ["indicator"], ["admin3", "body"]):
            sources.append(_compare(user, data, rows_by, **filters))
    # Most tables came from the summary tables (else this test compared rows with rows).
    from_summaries = [s for s in sources if s.startswith("summary:")]
    assert len(from_summaries) > 0.6 * len(sources)
    assert len({s for s in from_summaries}) >= 4


@pytest.mark.parametrize("persona", PERSONAS)
def test_hidden_partner_names_are_hidden_from_summaries_too(data: Data, persona: str) -> None:
    hide_names_in(data.world, data.areas["ML0501"])
    summaries_rebuild(operation=data.world.operation)
    user = getattr(data.world, persona)
    for rows_by in (["organisation"], ["organisation", "month"], ["organisation", "admin2"]):
        for filters in ({}, {"validated_only": True}):
            source = _compare(user, data, rows_by, **filters)
            assert source.startswith("summary:")
    result = selectors.pivot(
        user=_fresh(user), operation=data.world.operation, rows_by=["organisation"]
    )
    assert result.names_hidden is (persona != "coordinator")


def test_names_hidden_elsewhere_since_the_build_are_read_from_the_rows(data: Data) -> None:
    summaries_rebuild(operation=data.world.operation)
    # Changed without the service (no invalidation): the summary tables do not know.
    hide_names_in(data.world, data.areas["ML0502"])
    source = _compare(data.world.partner, data, ["organisation", "month"])
    assert source == "rows"


def test_small_counts_of_sensitive_activities_are_suppressed_as_from_rows(data: Data) -> None:
    summaries_rebuild(operation=data.world.operation)
    cm = Activity.objects.get(operation=data.world.operation, code="PRO-CM")
    for persona in ("partner", "viewer"):
        user = getattr(data.world, persona)
        for rows_by in (["admin2"], ["organisation", "month"]):
            source = _compare(user, data, rows_by, activity=cm)
            assert source.startswith("summary:")
        result = selectors.pivot(
            user=_fresh(user),
            operation=data.world.operation,
            rows_by=["admin2"],
            filters={"activity": cm},
        )
        assert result.suppressed


@pytest.mark.parametrize("rule", [Rule.MAX_MONTH, Rule.NEW_ONLY])
@pytest.mark.parametrize("persona", PERSONAS)
def test_coverage_from_summaries_equals_coverage_from_rows(
    data: Data, rule: str, persona: str
) -> None:
    _set_rule(data, rule)
    user = getattr(data.world, persona)
    for level, body in itertools.product((1, 2, 3), (None, data.world.cluster)):
        with CaptureQueriesContext(connection) as queries:
            fast = selectors.coverage(
                user=_fresh(user), operation=data.world.operation, level=level, body=body
            )
        # The 5W rows are read at level 3 (no summary grain there), and otherwise only for the
        # rows of sensitive activities of other organisations (counted in whole blocks).
        rows_read = _rows_read(queries)
        if level != 3:
            assert all("is_sensitive" in sql for sql in rows_read), rows_read
        else:
            assert rows_read
        slow = selectors.coverage(
            user=_fresh(user),
            operation=data.world.operation,
            level=level,
            body=body,
            use_summaries=False,
        )
        assert fast == slow


@pytest.mark.parametrize("persona", PERSONAS)
def test_presence_from_summaries_equals_presence_from_rows(data: Data, persona: str) -> None:
    summaries_rebuild(operation=data.world.operation)
    user = getattr(data.world, persona)
    w = data.world
    for level, filters in itertools.product(
        (1, 2, 3), ({}, {"body": w.cluster}, {"month_from": MONTHS[2]}, {"validated_only": True})
    ):
        with CaptureQueriesContext(connection) as queries:
            fast = selectors.presence(
                user=_fresh(user), operation=w.operation, level=level, filters=filters
            )
        read = " ".join(q["sql"] for q in queries.captured_queries)
        # Admin 3 is not in the monthly summaries: read from the 5W rows.
        assert ("activities_activityreport" in read) is (level == 3)
        slow = selectors.presence(
            user=_fresh(user),
            operation=w.operation,
            level=level,
            filters=filters,
            use_summaries=False,
        )
        assert fast == slow
        assert any(a.partners for a in fast.areas)


# --- What the tables hold ------------------------------------------------------------------------


def test_every_grain_adds_up_to_the_rows(data: Data) -> None:
    state = summaries_rebuild(operation=data.world.operation)
    operation = data.world.operation
    rows = ActivityReport.objects.filter(operation=operation)
    assert state.enabled
    assert state.row_count == rows.count()
    assert set(state.grain_rows) == set(GRAINS)
    for grain in GRAINS:
        assert state.grain_rows[grain] > 0
        if grain.startswith("m"):
            summed = MonthlySummary.objects.filter(operation_id=state.rows_key, grain=grain)
            assert sum(summed.values_list("rows", flat=True)) == rows.count()
            assert sum(summed.values_list("total", flat=True)) == sum(
                rows.values_list("total", flat=True)
            )
    picks = PickedSummary.objects.filter(operation_id=state.rows_key, grain="p0")
    keys = set(rows.values_list("organisation", "activity", "area", "population_group"))
    assert picks.filter(in_all=True).count() == len(keys)
    assert picks.filter(in_all_ki=True).count() == len(
        set(rows.values_list("organisation", "activity", "area", "population_group", "indicator"))
    )
    validated_keys = set(
        rows.filter(submission__status=Status.VALIDATED).values_list(
            "organisation", "activity", "area", "population_group"
        )
    )
    assert picks.filter(in_validated=True).count() == len(validated_keys)
    # Every coarser pick grain is the picks of one kind summed by its columns, whichever grain
    # it is summed from (the grains across organisations from the organisation grains).
    for grain in PICKED_GRAINS[1:]:
        summed = PickedSummary.objects.filter(operation_id=state.rows_key, grain=grain.name)
        for flag in ("in_all", "in_validated"):
            group = [*grain.columns, "sensitive", "named"]
            expected = {
                tuple(row[:-2]): (row[-2], row[-1])
                for row in picks.filter(**{flag: True})
                .values_list(*group)
                .annotate(Sum("total"), Sum("women"))
                .order_by()
            }
            found = {
                tuple(row[:-2]): (row[-2], row[-1])
                for row in summed.filter(**{flag: True}).values_list(*group, "total", "women")
            }
            assert found == expected, grain.name


def _summary_rows(state: Any) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    def rows(model: Any) -> list[tuple[Any, ...]]:
        fields = [
            f.attname for f in model._meta.concrete_fields if f.name not in {"id", "operation"}
        ]
        found = model.objects.filter(operation_id=state.rows_key).values_list(*fields)
        return sorted(found, key=repr)

    return rows(MonthlySummary), rows(PickedSummary)


def test_a_rebuild_in_chunks_makes_the_rows_of_a_rebuild_in_one_go(
    data: Data, settings: Any
) -> None:
    operation = data.world.operation
    chunked = _summary_rows(summaries_rebuild(operation=operation, force=True))
    settings.ACTIVITY_SUMMARY_CHUNK_ROWS = 10_000_000
    state = summaries_rebuild(operation=operation, force=True)
    assert _summary_rows(state) == chunked
    assert chunked[0]
    assert chunked[1]
    # The replaced rows are gone.
    assert not MonthlySummary.objects.filter(operation_id=-state.rows_key).exists()
    assert not PickedSummary.objects.filter(operation_id=-state.rows_key).exists()


def test_small_operations_keep_no_summary_rows(data: Data, settings: Any) -> None:
    settings.ACTIVITY_SUMMARY_MIN_ROWS = 10_000
    state = summaries_rebuild(operation=data.world.operation)
    assert not state.enabled
    assert state.is_fresh
    assert not MonthlySummary.objects.exists()
    assert not PickedSummary.objects.exists()
    result = selectors.pivot(
        user=data.world.coordinator, operation=data.world.operation, rows_by=["admin1"]
    )
    assert result.source == "rows"


def test_a_fresh_rebuild_does_nothing(data: Data, django_assert_max_num_queries: Any) -> None:
    summaries_rebuild(operation=data.world.operation)
    # State, rule, hidden areas, savepoint (+ the lock on PostgreSQL): nothing rebuilt.
    with django_assert_max_num_queries(8):
        summaries_rebuild(operation=data.world.operation)


# --- Freshness -----------------------------------------------------------------------------------


def test_never_built_summaries_are_not_used(data: Data) -> None:
    result = selectors.pivot(
        user=data.world.coordinator, operation=data.world.operation, rows_by=["admin1"]
    )
    assert result.source == "rows"
    assert not SummaryState.objects.exists()


def test_a_write_after_a_pivot_shows_in_the_next_pivot(
    data: Data, django_capture_on_commit_callbacks: Any
) -> None:
    from tutela.activities.services.rows import report_rows_save
    from tutela.activities.tests.import_fixtures import numbered, row

    w = data.world
    summaries_rebuild(operation=w.operation)
    before = selectors.pivot(user=_fresh(w.coordinator), operation=w.operation, rows_by=["admin2"])
    assert before.source.startswith("summary:")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        saved = report_rows_save(
            by=w.coordinator,
            operation=w.operation,
            rows=numbered(row(month="2026-04", organisation="DRC", total=1000, **_big_bands())),
        )
        assert not saved.rejected, [p.message for p in saved.problems]
    # The save applied its delta in its transaction: fresh at once, no rebuild queued.
    assert callbacks == []
    state = SummaryState.objects.get(operation=w.operation)
    assert state.is_fresh
    assert state.requested_version == 0
    after = selectors.pivot(user=_fresh(w.coordinator), operation=w.operation, rows_by=["admin2"])
    assert after.source.startswith("summary:")
    assert after.totals["total"] is not None
    assert before.totals["total"] is not None
    assert after.totals["total"] == before.totals["total"] + 1000
    assert _compare(w.coordinator, data, ["admin2"]).startswith("summary:")


def _big_bands() -> dict[str, Any]:
    return {
        "girls": 0,
        "boys": 0,
        "women": 500,
        "men": 500,
        "older_women": 0,
        "older_men": 0,
        "with_disability": 0,
    }


def test_validating_a_submission_shows_in_the_next_pivot(
    data: Data, django_capture_on_commit_callbacks: Any
) -> None:
    from tutela.activities.services.submissions import submission_validate

    w = data.world
    summaries_rebuild(operation=w.operation)
    submission = Submission.objects.filter(status=Status.SUBMITTED, rows__isnull=False).first()
    assert submission is not None
    before = selectors.pivot(user=_fresh(w.viewer), operation=w.operation, rows_by=["month"])
    # The validation queues the rebuild once it commits (in-process task backend: done at once).
    with django_capture_on_commit_callbacks(execute=True):
        submission_validate(by=w.coordinator, submission=submission)
    after = selectors.pivot(user=_fresh(w.viewer), operation=w.operation, rows_by=["month"])
    assert _shown(after) != _shown(before)
    assert _compare(w.viewer, data, ["month"]).startswith("summary:")


def test_stale_summaries_are_rebuilt_once_per_version(
    data: Data, django_capture_on_commit_callbacks: Any
) -> None:
    w = data.world
    summaries_rebuild(operation=w.operation)
    with django_capture_on_commit_callbacks(execute=True):
        summaries_invalidate(operation=w.operation)
        state = SummaryState.objects.get(operation=w.operation)
        assert not state.is_fresh
    state.refresh_from_db()
    assert state.is_fresh
    assert state.requested_version == state.version
    # Asked again for the same version: nothing more is queued.
    assert not summaries_request(state=state)


def test_a_pivot_of_stale_summaries_reads_the_rows_and_writes_nothing(data: Data) -> None:
    w = data.world
    summaries_rebuild(operation=w.operation)
    # The write's transaction never commits in this test: its rebuild is never queued.
    summaries_invalidate(operation=w.operation)
    state = SummaryState.objects.get(operation=w.operation)
    with CaptureQueriesContext(connection) as queries:
        result = selectors.pivot(
            user=_fresh(w.coordinator), operation=w.operation, rows_by=["admin1"]
        )
    assert result.source == "rows"
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []
    fresh = SummaryState.objects.get(operation=w.operation)
    assert (fresh.version, fresh.requested_version, fresh.built_version) == (
        state.version,
        state.requested_version,
        state.built_version,
    )


def test_a_rule_changed_since_the_build_is_read_from_the_rows(data: Data) -> None:
    summaries_rebuild(operation=data.world.operation)
    settings = ActivitySettings.objects.get(operation=data.world.operation)
    settings.cumulative_rule = Rule.LATEST
    settings.save()
    assert _compare(data.world.coordinator, data, ["admin1"]) == "rows"


# --- Cost ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["coordinator", "partner"])
def test_pivot_query_count_is_bounded(
    data: Data, persona: str, django_assert_max_num_queries: Any
) -> None:
    w = data.world
    summaries_rebuild(operation=w.operation)
    user = getattr(w, persona)
    for rows_by in (["admin2", "activity", "organisation"], ["month", "admin1"]):
        with CaptureQueriesContext(connection) as queries:
            result = selectors.pivot(user=_fresh(user), operation=w.operation, rows_by=rows_by)
        assert result.source.startswith("summary:")
        # 13, plus per disclosure-blocks call one SummaryState read (the atoms' cache keys,
        # selectors.disclosure) and, for monthly atoms (cached month by month,
        # selectors.pooled_atoms), the period's first and last months and a second read of
        # the state before caching what was computed.
        assert len(queries) <= 18
        # The 5W rows are read only for the rows of sensitive activities of other organisations
        # (counted in whole blocks): none for cluster-wide roles.
        rows_read = _rows_read(queries)
        assert all("is_sensitive" in sql for sql in rows_read), rows_read
        if persona == "coordinator":
            assert not rows_read


@pytest.mark.django_db
def test_rebuild_command_refuses_an_unknown_operation() -> None:
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="No operation"):
        call_command("rebuild_5w_summaries", "--operation", "nowhere")


def test_rebuild_command_builds_the_summaries_pivots_then_read(data: Data) -> None:
    from django.core.management import call_command

    out = io.StringIO()
    call_command("rebuild_5w_summaries", "--operation", data.world.operation.slug, stdout=out)

    state = SummaryState.objects.get(operation=data.world.operation)
    assert state.built_version == state.version
    assert f"version {state.built_version}" in out.getvalue()
    result = selectors.pivot(
        user=data.world.coordinator, operation=data.world.operation, rows_by=["admin1"]
    )
    assert result.source.startswith("summary:")
