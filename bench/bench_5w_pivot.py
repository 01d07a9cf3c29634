"""5W pivot benchmark: Tutela's pivot over a synthetic operation vs the same GROUP BY in DuckDB.

    .venv/bin/python bench/bench_5w_pivot.py [--rows 1000000] [--runs 20]
    DATABASE_URL=postgres://... .venv/bin/python bench/bench_5w_pivot.py   (PostgreSQL)

The synthetic operation is generated once per database (tutela.activities.synthetic, deterministic)
and reused by later runs. Each query is timed end to end through `selectors.pivot` (access
filtering, counting rule, name resolution) as a coordinator, and the same aggregation is run by
DuckDB (in memory) on the identical rows. Prints median and p95 for both and the ratio of medians.
Goal (issue 3): ratio <= 5 and p95 < 300 ms.
"""

from __future__ import annotations

import argparse

from _setup import WORK, django_setup, median, ms, p95, timed

SUMS = (
    "SUM(girls), SUM(boys), SUM(women), SUM(men), SUM(older_women), SUM(older_men), "
    "SUM(total), SUM(with_disability), SUM(quantity)"
)
PICK = (
    "ROW_NUMBER() OVER (PARTITION BY organisation_id, activity_id, area_id, population_group_id "
    "ORDER BY total DESC, quantity DESC NULLS LAST, month DESC)"
)
QUERIES = [
    # (label, rows_by, DuckDB SQL)
    (
        "monthly: admin1 x month (plain sums)",
        ["admin1", "month"],
        f"SELECT admin1_id, month, {SUMS} FROM r GROUP BY 1, 2",
    ),
    (
        "monthly: body x month",
        ["body", "month"],
        f"SELECT body_id, month, {SUMS} FROM r GROUP BY 1, 2",
    ),
    (
        "cumulative (max month rule): admin1 x activity",
        ["admin1", "activity"],
        f"SELECT admin1_id, activity_id, {SUMS} FROM (SELECT *, {PICK} AS pick FROM r) "
        "WHERE pick = 1 GROUP BY 1, 2",
    ),
    (
        "cumulative (max month rule): organisation",
        ["organisation"],
        f"SELECT organisation_id, {SUMS} FROM (SELECT *, {PICK} AS pick FROM r) "
        "WHERE pick = 1 GROUP BY 1",
    ),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    vendor = django_setup(f"pivot-{args.rows}.sqlite3")

    import duckdb
    from django.db import connection

    from tutela.activities.models import ActivityReport
    from tutela.activities.selectors import pivot
    from tutela.activities.synthetic import generate
    from tutela.core.models import Operation, OperationRole, User

    operation, _ = Operation.objects.get_or_create(
        slug=f"bench-{args.rows}", defaults={"name": f"Benchmark {args.rows} rows"}
    )
    csv_path = WORK / f"pivot-{args.rows}-{vendor}.csv"
    if not ActivityReport.objects.filter(operation=operation).exists() or not csv_path.exists():
        ActivityReport.objects.filter(operation=operation).delete()
        print(f"generating {args.rows:,} synthetic 5W rows on {vendor} (once)...", flush=True)
        result = generate(operation=operation, n_rows=args.rows, seed=1)
        result.write_csv(csv_path)
        if vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        else:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
    user, _ = User.objects.get_or_create(
        email="bench@tutela.test", defaults={"full_name": "Benchmark coordinator"}
    )
    OperationRole.objects.get_or_create(user=user, operation=operation, role="coordinator")
    n = ActivityReport.objects.filter(operation=operation).count()

    duck = duckdb.connect()
    duck.execute(f"CREATE TABLE r AS SELECT * FROM read_csv_auto('{csv_path}')")  # noqa: S608
    duck_rows = duck.execute("SELECT COUNT(*) FROM r").fetchone()
    assert duck_rows is not None
    assert duck_rows[0] == n, (duck_rows[0], n)

    print(f"\n5W pivot benchmark — {n:,} rows, {vendor}, {args.runs} runs per query")
    print(f"{'query':<48} {'Tutela p50':>11} {'Tutela p95':>11} {'DuckDB p50':>11} {'ratio':>6}")
    worst_ratio = 0.0
    worst_p95 = 0.0
    for label, rows_by, sql in QUERIES:
        fresh = User.objects.get(pk=user.pk)  # a new request's user: no cached roles

        def ours(rows_by=rows_by, fresh=fresh):  # noqa: ANN001, ANN202
            return pivot(user=fresh, operation=operation, rows_by=rows_by)

        def theirs(sql=sql):  # noqa: ANN001, ANN202
            return duck.execute(sql).fetchall()

        check_ours = ours()
        check_theirs = theirs()
        assert len(check_ours.rows) == len(check_theirs), (
            label,
            len(check_ours.rows),
            len(check_theirs),
        )
        t_ours = timed(ours, args.runs)
        t_duck = timed(theirs, args.runs)
        ratio = median(t_ours) / median(t_duck)
        worst_ratio = max(worst_ratio, ratio)
        worst_p95 = max(worst_p95, p95(t_ours))
        print(
            f"{label:<48} {ms(median(t_ours))} {ms(p95(t_ours))} {ms(median(t_duck))} {ratio:6.1f}"
        )
    print(
        f"\nworst ratio {worst_ratio:.1f} (goal <= 5), worst Tutela p95 "
        f"{worst_p95 * 1000:.0f} ms (goal < 300 ms)"
    )


if __name__ == "__main__":
    main()
