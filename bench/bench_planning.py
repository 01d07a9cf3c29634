"""Planning benchmark: the coverage (reached against target, from the 5W) and funding
(requirements against funding) dashboards over a synthetic operation.

    .venv/bin/python bench/bench_planning.py [--rows 1000000] [--projects 5000] [--runs 20]
    cd bench && bash ../scripts/with-postgres.sh ../.venv/bin/python bench_planning.py  (PostgreSQL)

The SQLite files go to $TUTELA_BENCH_DIR (default /tmp/tutela-bench).

The operation's 5W rows come from `bench.synthetic.fivew` (deterministic, generated once
per database; the 12 months of 2025, the plan's year), then its summary tables are rebuilt (the
cost paid once after each import, timed). Note: the summary tables' picks (the counting rule
across months) cover the whole period of the 5W; an operation whose 5W spans several years has
the plan's year framework read from the 5W rows instead (slower; not measured here).

On top of them, generated once with bulk inserts: the 2025 response plan (one indicator per
catalogue activity, linked to it, with targets by region and population group), `--projects`
approved partner projects of the synthetic organisations (1-4 locations, 1-3 activities,
requirements of 20,000 to 2,000,000 USD) and ~1.6 funding flows per project from 30 donors (a
tenth without a project, a tenth pledges).

Each dashboard is timed end to end through the selectors the pages and the API call
(`tutela.planning.selectors`): the monitoring framework (every indicator's reached figure, by
the 5W counting rule) as a coordinator and as a partner (disclosure control applied), one
indicator broken down by region, population group and month (an indicator of a sensitive
activity too, whose other organisations' rows a partner counts only in blocks), the funding
summary and the
funding coverage by organisation, region, admin 2 and activity. Prints median and p95 per
dashboard. The framework's results are cached under the 5W summary tables' data version (when the
tables are in use, from 5,000 rows), the pooled blocks of other organisations' sensitive rows by
month until a write touches their month: the "cold" lines clear the whole cache before each run
(the first read after a server start, or after a write that changes every month: the counting
rule), the "after a write" lines run each read right after a committed 5W write of one row of
another organisation in the last month (its summary delta; the data unchanged), of a sensitive
activity (the blocks of that month and of the period are pooled again) or of another one (no
block changes). Goal (issue 16):
p95 < 300 ms at 5,000 projects and 1,000,000 5W rows.
"""

from __future__ import annotations

import argparse
import datetime
import os
import time
from decimal import Decimal

from _setup import django_setup, median, ms, p95, timed, timed_after

YEAR = 2025


def build_planning(operation, n_projects: int, seed: int = 7) -> None:  # noqa: ANN001
    """The plan, projects and funding flows of the benchmark (once per database)."""
    import numpy as np
    from django.db import transaction

    from tutela.activities.models import Activity
    from tutela.core.models import AdminArea, Body, Organisation, PopulationGroup
    from tutela.core.pcodes import name_key
    from tutela.planning.models import (
        Donor,
        FundingFlow,
        IndicatorTarget,
        Objective,
        Plan,
        PlanIndicator,
        PlanRequirement,
        Project,
    )

    rng = np.random.default_rng(seed)
    body = Body.objects.get(operation=operation, code="PRO")
    activities = list(Activity.objects.filter(operation=operation, is_active=True).order_by("code"))
    regions = list(AdminArea.objects.filter(pcode__startswith="ML", level=1).order_by("pcode"))
    admin2 = list(AdminArea.objects.filter(pcode__startswith="ML", level=2).order_by("pcode"))
    groups = list(PopulationGroup.objects.filter(operation=operation).order_by("code"))
    organisations = list(
        Organisation.objects.filter(acronym__startswith="SYN-", operations=operation).order_by(
            "acronym"
        )
    )
    with transaction.atomic():
        plan = Plan.objects.create(
            operation=operation, year=YEAR, title=f"Benchmark plan {YEAR}", body=body, code="BENCH"
        )
        PlanRequirement.objects.create(plan=plan, body=body, amount_usd=Decimal("250000000"))
        strategic = Objective.objects.create(
            plan=plan, kind="strategic", code="SO1", name_en="Protect", name_fr="Protéger"
        )
        cluster = Objective.objects.create(
            plan=plan,
            kind="cluster",
            code="CO1",
            name_en="Services",
            name_fr="Services",
            parent=strategic,
        )
        targets = []
        for order, activity in enumerate(activities):
            indicator = PlanIndicator.objects.create(
                plan=plan,
                objective=cluster,
                code=f"I{order + 1:02d}",
                name_en=activity.name_en,
                name_fr=activity.name_fr,
                target=100_000,
                order=order,
            )
            indicator.activities.set([activity])
            for region in regions:
                for group in groups:
                    targets.append(
                        IndicatorTarget(
                            indicator=indicator,
                            area=region,
                            population_group=group,
                            target=int(rng.integers(500, 20_000)),
                            baseline=int(rng.integers(0, 500)),
                        )
                    )
        IndicatorTarget.objects.bulk_create(targets, batch_size=2000)

        weights = 1.0 / np.arange(1, len(organisations) + 1)  # a few big partners
        weights /= weights.sum()
        org_picks = rng.choice(len(organisations), size=n_projects, p=weights)
        projects = [
            Project(
                operation=operation,
                plan=plan,
                code=f"HBEN25-PRO-{index + 1:06d}",
                organisation=organisations[org_picks[index]],
                body=body,
                title=f"Benchmark project {index + 1}",
                objectives="-",
                start_date=datetime.date(YEAR, 1, 1),
                end_date=datetime.date(YEAR, 12, 31),
                requirements_usd=Decimal(int(rng.integers(20_000, 2_000_000))),
                status=Project.Status.APPROVED,
            )
            for index in range(n_projects)
        ]
        Project.objects.bulk_create(projects, batch_size=2000)
        projects = list(Project.objects.filter(operation=operation).order_by("pk"))
        locations = Project.locations.through
        project_activities = Project.activities.through
        location_rows, activity_rows = [], []
        for project in projects:
            for area in rng.choice(len(admin2), size=int(rng.integers(1, 5)), replace=False):
                location_rows.append(locations(project_id=project.pk, adminarea_id=admin2[area].pk))
            for act in rng.choice(len(activities), size=int(rng.integers(1, 4)), replace=False):
                activity_rows.append(
                    project_activities(project_id=project.pk, activity_id=activities[act].pk)
                )
        locations.objects.bulk_create(location_rows, batch_size=5000)
        project_activities.objects.bulk_create(activity_rows, batch_size=5000)

        donors = [
            Donor.objects.create(
                operation=operation, name=f"Donor {i + 1:02d}", name_key=name_key(f"donor {i + 1}")
            )
            for i in range(30)
        ]
        flows = []
        for index in range(int(n_projects * 1.6)):
            project = projects[int(rng.integers(0, len(projects)))]
            with_project = rng.random() > 0.1
            flows.append(
                FundingFlow(
                    operation=operation,
                    year=YEAR,
                    donor=donors[int(rng.integers(0, len(donors)))],
                    organisation_id=project.organisation_id,
                    project=project if with_project else None,
                    amount_usd=Decimal(int(rng.integers(5_000, 800_000))),
                    status="pledge" if rng.random() < 0.1 else "paid",
                    source="fts",
                    fts_id=str(100000 + index),
                )
            )
        FundingFlow.objects.bulk_create(flows, batch_size=5000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--projects", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    vendor = django_setup(f"planning-{args.rows}-{args.projects}.sqlite3")

    from django.core.cache import cache
    from django.db import connection, transaction

    from bench.synthetic.fivew import generate
    from tutela.activities.models import ActivityReport
    from tutela.activities.services.summaries import Slices, summaries_apply, summaries_rebuild
    from tutela.core.gc_freeze import freeze_now
    from tutela.core.models import Operation, OperationRole, Organisation, User
    from tutela.planning.models import Plan, Project
    from tutela.planning.selectors import funding as funding_selectors
    from tutela.planning.selectors import plans as plan_selectors

    operation, _ = Operation.objects.get_or_create(
        slug=f"bench-planning-{args.rows}",
        defaults={"name": f"Planning benchmark {args.rows} rows"},
    )
    generated = False
    if not ActivityReport.objects.filter(operation=operation).exists():
        print(f"generating {args.rows:,} synthetic 5W rows on {vendor} (once)...", flush=True)
        start = time.perf_counter()
        # The plan's year, month by month: the summary tables' picks cover exactly that year.
        generate(
            operation=operation,
            n_rows=args.rows,
            seed=1,
            n_months=12,
            first_month=datetime.date(YEAR, 1, 1),
        )
        print(f"  {time.perf_counter() - start:.0f} s", flush=True)
        generated = True
    if not Plan.objects.filter(operation=operation, year=YEAR).exists():
        print(f"generating the plan, {args.projects:,} projects and their funding (once)...")
        build_planning(operation, args.projects)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    n_rows = ActivityReport.objects.filter(operation=operation).count()
    n_projects = Project.objects.filter(operation=operation).count()
    state = summaries_rebuild(operation=operation, force=generated)
    print(f"summary tables rebuilt in {state.build_seconds:.1f} s (once after each import)")

    coordinator, _ = User.objects.get_or_create(
        email="bench-planning@tutela.test", defaults={"full_name": "Benchmark coordinator"}
    )
    OperationRole.objects.get_or_create(user=coordinator, operation=operation, role="coordinator")
    partner, _ = User.objects.get_or_create(
        email="bench-planning-partner@tutela.test",
        defaults={
            "full_name": "Benchmark partner",
            "organisation": Organisation.objects.get(acronym="SYN-01"),
        },
    )
    OperationRole.objects.get_or_create(user=partner, operation=operation, role="partner")

    plan = Plan.objects.get(operation=operation, year=YEAR)
    indicator = plan.indicators.get(activities__code="PRO-AWA")
    # An indicator of a sensitive activity: partners see other organisations' rows of it only
    # in blocks (PRO-AWA's are all theirs to see).
    sensitive_indicator = plan.indicators.get(activities__code="PRO-CM")

    def fresh(user):  # noqa: ANN001, ANN202
        # A new request's user and plan: no cached roles or relations.
        return User.objects.get(pk=user.pk), Plan.objects.get(pk=plan.pk)

    def framework(user):  # noqa: ANN001, ANN202
        def run():  # noqa: ANN202
            who, p = fresh(user)
            return plan_selectors.plan_framework(user=who, plan=p)

        return run

    def cold(fn):  # noqa: ANN001, ANN202
        # The first read after a 5W write: nothing cached (the framework's results are cached
        # under the summary tables' data version).
        def run():  # noqa: ANN202
            cache.clear()
            return fn()

        return run

    # A committed 5W write touching one month: one row of another organisation in the last
    # month, of a sensitive activity (its rows are what partners see only in blocks) or not,
    # its summary slices recomputed by the write path's delta (summaries_apply; the data stays
    # as generated, the versions move on as after a grid edit).
    def one_row_write(sensitive):  # noqa: ANN001, ANN202
        written = (
            ActivityReport.objects.filter(operation=operation, activity__is_sensitive=sensitive)
            .exclude(organisation=partner.organisation)
            .order_by("-month", "-pk")
            .first()
        )
        assert written is not None

        def write():  # noqa: ANN202
            with transaction.atomic():
                summaries_apply(
                    operation=operation,
                    slices=Slices().add_rows(ActivityReport.objects.filter(pk=written.pk)),
                )

        return write

    def breakdown(dim, user=coordinator, of=indicator):  # noqa: ANN001, ANN202
        def run():  # noqa: ANN202
            who, p = fresh(user)
            return plan_selectors.indicator_breakdown(
                user=who, indicator=p.indicators.get(pk=of.pk), dim=dim
            )

        return run

    def coverage(by, level=1):  # noqa: ANN001, ANN202
        def run():  # noqa: ANN202
            op = Operation.objects.get(pk=operation.pk)
            return funding_selectors.funding_coverage(op, year=YEAR, by=by, level=level)

        return run

    def summary():  # noqa: ANN202
        return funding_selectors.funding_summary(Operation.objects.get(pk=operation.pk), YEAR)

    dashboards = [
        ("coverage: framework, coordinator", framework(coordinator)),
        ("coverage: framework, partner (SYN-01)", framework(partner)),
        ("coverage: framework, coordinator, cold", cold(framework(coordinator))),
        ("coverage: framework, partner, cold", cold(framework(partner))),
        ("coverage: indicator by region", breakdown("area")),
        ("coverage: indicator by population group", breakdown("population_group")),
        ("coverage: indicator by month", breakdown("month")),
        ("coverage: indicator by region, cold", cold(breakdown("area"))),
        ("coverage: indicator by month, cold", cold(breakdown("month"))),
        ("coverage: indicator by region, partner", breakdown("area", partner)),
        ("coverage: indicator by group, partner", breakdown("population_group", partner)),
        ("coverage: indicator by month, partner", breakdown("month", partner)),
        ("coverage: indicator by region, partner, cold", cold(breakdown("area", partner))),
        ("coverage: indicator by month, partner, cold", cold(breakdown("month", partner))),
        *(
            (f"coverage: sensitive indicator by {label}, partner, cold", fn)
            for label, fn in (
                ("region", cold(breakdown("area", partner, sensitive_indicator))),
                ("month", cold(breakdown("month", partner, sensitive_indicator))),
            )
        ),
        *(
            (f"coverage: {label}, partner, after a write{what}", fn, one_row_write(sensitive))
            for sensitive, what in ((True, " (sensitive)"), (False, " (other)"))
            for label, fn in (
                ("framework", framework(partner)),
                ("indicator by region", breakdown("area", partner)),
                ("indicator by month", breakdown("month", partner)),
                ("sensitive indicator by region", breakdown("area", partner, sensitive_indicator)),
                ("sensitive indicator by month", breakdown("month", partner, sensitive_indicator)),
            )
        ),
        ("funding: summary", summary),
        ("funding: coverage by organisation", coverage("organisation")),
        ("funding: coverage by region", coverage("area", 1)),
        ("funding: coverage by admin 2", coverage("area", 2)),
        ("funding: coverage by activity", coverage("activity")),
    ]
    # Sanity: the figures are there (a dashboard of nothing is fast for the wrong reason).
    check = framework(coordinator)()
    reached = sum(row.reached or 0 for row in check.rows)
    assert reached > 0, "no reached figures"
    by_org = coverage("organisation")()
    assert by_org.total.requirements > 0
    assert by_org.total.funded > 0
    # What the process holds from here on is kept off the garbage collector's full passes, as a
    # web worker does after its first responses (config/wsgi.py, tutela.core.gc_freeze).
    freeze_now()
    print(
        f"\nplanning dashboards — {n_rows:,} 5W rows, {n_projects:,} projects, "
        f"{by_org.flows:,} flows, {vendor}, {args.runs} runs each"
    )
    print(
        f"framework: {len(check.rows)} indicators, {reached:,} people reached "
        f"(from {check.sources})"
    )
    print(f"1-minute load average before: {os.getloadavg()[0]:.1f} (2 shared cores)")
    print(f"{'dashboard':<68} {'p50':>11} {'p95':>11}")
    worst = 0.0
    for label, fn, *before in dashboards:
        times = timed_after(before[0], fn, args.runs) if before else timed(fn, args.runs)
        worst = max(worst, p95(times))
        print(f"{label:<68} {ms(median(times))} {ms(p95(times))}")
    print(f"\nworst p95 {worst * 1000:.0f} ms (goal < 300 ms)")
    print(f"1-minute load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
