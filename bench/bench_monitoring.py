"""Protection monitoring benchmark: trend and hot-spot requests through the selectors vs the same
aggregation in DuckDB, and the early-warning scan.

    .venv/bin/python bench/bench_monitoring.py [--rows 1000000] [--runs 10]
    bash scripts/with-postgres.sh .venv/bin/python bench/bench_monitoring.py   (PostgreSQL)

The synthetic incidents (bench.synthetic.monitoring, deterministic) are generated once per
database and reused by later runs (with their incident summary and counted atoms,
`models.summaries`, which the services keep in step with every write; the atoms are built by the
first request, in the warm-up). Each request is timed end to end through the selectors
(`incident_trend`, `hotspots`) as a cluster coordinator would get it, exactly as the pages do:
atoms read from the incident summary, counted base (merged duplicates out, GBV only of sharing
organisations), disclosure control (small groups pooled into blocks or withheld,
suppress_table), names resolved. DuckDB (in memory) runs the same
aggregation over the identical rows (loaded from a CSV) with the same counted base; the grand
totals are printed (Tutela's are DuckDB's minus the withheld small groups, whose share is
printed too). Prints median and p95 of both and the ratio of medians; then the early-warning
scan of the last month over every admin 2 and admin 1 area × risk.
Goals (issue 4): ratio <= 5; scan < 10 s.
"""

from __future__ import annotations

import argparse
import datetime
import time

from _setup import WORK, django_setup, median, ms, p95, record, timed, timed_after


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    vendor = django_setup(f"monitoring-{args.rows}.sqlite3")

    import duckdb
    from django.core.cache import cache
    from django.db import connection

    from bench.synthetic.monitoring import generate
    from tutela.core.models import Operation, OperationRole, Organisation, User
    from tutela.monitoring.models import Incident, SharingAgreement
    from tutela.monitoring.selectors import AnalysisFilters, hotspots, incident_trend
    from tutela.monitoring.services.early_warning import early_warning_scan

    operation, _ = Operation.objects.get_or_create(
        slug=f"bench-monitoring-{args.rows}",
        defaults={"name": f"Monitoring benchmark {args.rows} incidents"},
    )
    csv_path = WORK / f"monitoring-{args.rows}-{vendor}.csv"
    if not Incident.objects.filter(operation=operation).exists() or not csv_path.exists():
        Incident.objects.filter(operation=operation).delete()
        print(f"generating {args.rows:,} synthetic incidents on {vendor} (once)...", flush=True)
        start = time.perf_counter()
        result = generate(operation=operation, n_rows=args.rows, seed=1)
        print(f"  inserted in {time.perf_counter() - start:.0f} s", flush=True)
        result.write_csv(csv_path)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    from tutela.monitoring.models import IncidentSummary
    from tutela.monitoring.services.summaries import summaries_rebuild

    summary_rows = IncidentSummary.objects.filter(operation=operation).count()
    if not summary_rows:
        # A database generated before the summary existed (the migration fills it otherwise).
        start = time.perf_counter()
        summary_rows = summaries_rebuild(operation=operation)
        print(f"  incident summary built in {time.perf_counter() - start:.1f} s", flush=True)
    # A coordinator whose organisation reports no incident: everything goes through disclosure
    # control.
    org, _ = Organisation.objects.get_or_create(
        acronym="BENCH-COORD", defaults={"name": "Benchmark coordination", "type": "un"}
    )
    user, _ = User.objects.get_or_create(
        email="bench-monitoring@tutela.test",
        defaults={"full_name": "Benchmark coordinator", "organisation": org},
    )
    OperationRole.objects.get_or_create(user=user, operation=operation, role="coordinator")
    n = Incident.objects.filter(operation=operation).count()
    sharing = set(
        SharingAgreement.objects.filter(
            operation=operation, shares_gbv_aggregates=True
        ).values_list("organisation_id", flat=True)
    )
    last = (
        Incident.objects.filter(operation=operation)
        .order_by("-month")
        .values_list("month", flat=True)[0]
    )
    first_12 = datetime.date(last.year - 1, last.month, 1)
    if last.month == 12:
        first_12 = datetime.date(last.year, 1, 1)
    else:
        first_12 = datetime.date(last.year - 1, last.month + 1, 1)

    duck = duckdb.connect()
    duck.execute(f"CREATE TABLE r AS SELECT * FROM read_csv_auto('{csv_path}')")  # noqa: S608
    sharing_sql = ",".join(str(x) for x in sorted(sharing)) or "-1"
    base = f"NOT merged AND (NOT is_gbv OR organisation_id IN ({sharing_sql}))"
    duck_rows = duck.execute("SELECT COUNT(*) FROM r").fetchone()
    assert duck_rows is not None
    assert duck_rows[0] == n, (duck_rows, n)

    period = AnalysisFilters(month_from=first_12, month_to=last)
    period_sql = f"month BETWEEN DATE '{first_12}' AND DATE '{last}'"
    cases = [
        (
            "trend: month x risk, 12 months",
            lambda: incident_trend(
                user=User.objects.get(pk=user.pk), operation=operation, filters=period
            ),
            f"SELECT month, primary_risk_id, COUNT(*) FROM r WHERE {base} AND {period_sql} "  # noqa: S608
            "GROUP BY 1, 2",
        ),
        (
            "trend: month x admin1, all months",
            lambda: incident_trend(
                user=User.objects.get(pk=user.pk),
                operation=operation,
                filters=AnalysisFilters(),
                by="area",
                level=1,
            ),
            f"SELECT month, admin1_id, COUNT(*) FROM r WHERE {base} GROUP BY 1, 2",  # noqa: S608
        ),
        (
            "hot spots: admin2, 12 months",
            lambda: (
                hotspots(
                    user=User.objects.get(pk=user.pk), operation=operation, filters=period, level=2
                ).table
            ),
            f"SELECT admin2_id, COUNT(*) FROM r WHERE {base} AND {period_sql} GROUP BY 1",  # noqa: S608
        ),
        (
            "hot spots: admin1, all months",
            lambda: (
                hotspots(
                    user=User.objects.get(pk=user.pk),
                    operation=operation,
                    filters=AnalysisFilters(),
                    level=1,
                ).table
            ),
            f"SELECT admin1_id, COUNT(*) FROM r WHERE {base} GROUP BY 1",  # noqa: S608
        ),
    ]
    from tutela.monitoring.models import IncidentAtom
    from tutela.monitoring.services.atoms import atoms_refresh

    atoms_refresh(operation.pk)
    atom_rows = IncidentAtom.objects.filter(operation=operation).count()
    print(
        f"\nmonitoring benchmark — {n:,} incidents ({summary_rows:,} incident summary rows, "
        f"{atom_rows:,} counted atoms), {vendor}, {args.runs} runs per request"
    )
    print(
        f"{'request':<36} {'Tutela p50':>11} {'Tutela p95':>11} {'cached p50':>11} "
        f"{'DuckDB p50':>11} {'ratio':>6}  {'total':>9} {'DuckDB total':>12} {'withheld':>8}"
    )
    worst = 0.0
    worst_excess, worst_at = -1e9, 0.0
    worst_cached_excess = -1e9
    worst_after_excess, worst_after_at = -1e9, 0.0
    from django.db import transaction

    from tutela.monitoring.services.data_version import data_version_bump

    def one_month_write() -> None:
        # What a recorded incident's delta does to the versions (services.summaries.SummaryDelta
        # .apply), committed, the counts unchanged: the last month's quarter changes.
        with transaction.atomic():
            Operation.objects.select_for_update().filter(pk=operation.pk).first()
            data_version_bump(operation.pk, months=[last])

    for label, ours, sql in cases:
        table = ours()
        theirs = duck.execute(sql).fetchall()
        duck_total = sum(int(row[-1]) for row in theirs)
        ours_total = table.grand_total or 0
        # Small groups withheld: Tutela's total is DuckDB's minus them.
        assert ours_total <= duck_total, (label, ours_total, duck_total)

        def computed(ours=ours):  # noqa: ANN001, ANN202
            # The first request after a write: nothing cached (the pooled atoms are kept per
            # incident data version, selectors.atoms).
            cache.clear()
            return ours()

        t_ours = timed(computed, args.runs)
        t_cached = timed(ours, args.runs)
        t_after = timed_after(one_month_write, ours, args.runs)
        t_duck = timed(lambda sql=sql: duck.execute(sql).fetchall(), args.runs)
        ratio = median(t_ours) / median(t_duck)
        worst = max(worst, ratio)
        excess = (median(t_ours) - median(t_duck)) * 1000
        if excess > worst_excess:
            worst_excess, worst_at = excess, median(t_ours) * 1000
        worst_cached_excess = max(worst_cached_excess, (median(t_cached) - median(t_duck)) * 1000)
        after_excess = (median(t_after) - median(t_duck)) * 1000
        if after_excess > worst_after_excess:
            worst_after_excess, worst_after_at = after_excess, median(t_after) * 1000
        print(
            f"{label:<36} {ms(median(t_ours))} {ms(p95(t_ours))} {ms(median(t_cached))} "
            f"{ms(median(t_duck))} {ratio:6.1f}  {ours_total:>9,} {duck_total:>12,} "
            f"{100 * (1 - ours_total / max(duck_total, 1)):7.1f}%  "
            f"after a write {ms(median(t_after))}"
        )
    start = time.perf_counter()
    scan = early_warning_scan(operation=operation, month=last, notify=False)
    seconds = time.perf_counter() - start
    print(
        f"\nearly-warning scan of {last:%Y-%m}: {seconds:.2f} s (goal < 10 s), "
        f"{scan.tested:,} area x risk pairs tested, {len(scan.signals)} signals"
    )
    # What a change of a sharing agreement or of a status's "counts as verified" flag costs.

    from tutela.monitoring.services.atoms import atoms_rebuild, current_basis

    def rebuild() -> None:
        with transaction.atomic():
            atoms_rebuild(operation.pk, *current_basis(operation.pk))

    t_rebuild = timed(rebuild, 5, warmup=1)
    print(f"counted atoms rebuilt (sharing or verified rule changed): {ms(median(t_rebuild))}")
    print(
        f"worst ratio {worst:.1f} (goal <= 5); worst Tutela - DuckDB {worst_excess:.0f} ms "
        f"computed, {worst_cached_excess:.0f} ms cached, {worst_after_excess:.0f} ms right "
        "after a write to one month (goal <= 10 ms)"
    )
    record(
        "monitoring",
        vendor,
        {
            "rows": n,
            "worst_ratio": round(worst, 2),
            "worst_excess_ms": round(worst_excess, 1),
            "worst_excess_at_ms": round(worst_at, 1),
            "worst_cached_excess_ms": round(worst_cached_excess, 1),
            "worst_after_write_excess_ms": round(worst_after_excess, 1),
            "worst_after_write_at_ms": round(worst_after_at, 1),
        },
    )


if __name__ == "__main__":
    main()
