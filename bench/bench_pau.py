"""Protection Analysis Update benchmark: a PAU with its charts and hot-spot map generated from
N synthetic incidents, as Word and as PDF.

    .venv/bin/python bench/bench_pau.py [--rows 1000000] [--runs 3]
    bash scripts/with-postgres.sh .venv/bin/python bench/bench_pau.py   (PostgreSQL)

Reuses the monitoring benchmark's database and operation (bench_monitoring.py:
`monitoring-N.sqlite3`, operation `bench-monitoring-N`, incidents from
bench.synthetic.monitoring, generated once and cached under /tmp/tutela-bench). The synthetic
incidents carry no people breakdown, so the last quarter's incidents get one IncidentPeople row
each (once), and the admin 1 areas a population, so that every table, chart and the map of the PAU
have data. Then, timed end to end, `runs` times each:

- pau_create: figures of the last quarter and the previous one (publication rules: merged
  duplicates out, GBV only of sharing organisations, suppress_table), draft narrative, version 1;
- the .docx (charts and the hot-spot map rendered, python-docx);
- the PDF (same document through the HTML template and WeasyPrint).

Prints median and p95 of each, and the totals create + docx and create + pdf. Goal (issue 4):
a PAU with charts and maps generated in under 15 s.
"""

from __future__ import annotations

import argparse
import time

from _setup import WORK, django_setup, median, ms, p95, record, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--lang", default="fr")
    args = parser.parse_args()
    vendor = django_setup(f"monitoring-{args.rows}.sqlite3")

    from django.core.cache import cache
    from django.db import connection, transaction

    from bench.synthetic.monitoring import generate
    from tutela.core.models import AdminArea, Operation
    from tutela.monitoring.models import (
        AgeBand,
        AnalysisUpdate,
        AreaPopulation,
        Incident,
        IncidentPeople,
    )
    from tutela.monitoring.pau.figures import parse_period
    from tutela.monitoring.pau.rendering import pau_docx, pau_pdf
    from tutela.monitoring.services.pau import pau_create

    operation, _ = Operation.objects.get_or_create(
        slug=f"bench-monitoring-{args.rows}",
        defaults={"name": f"Monitoring benchmark {args.rows} incidents"},
    )
    csv_path = WORK / f"monitoring-{args.rows}-{vendor}.csv"
    if not Incident.objects.filter(operation=operation).exists():
        print(f"generating {args.rows:,} synthetic incidents on {vendor} (once)...", flush=True)
        start = time.perf_counter()
        result = generate(operation=operation, n_rows=args.rows, seed=1)
        print(f"  inserted in {time.perf_counter() - start:.0f} s", flush=True)
        # The file bench_monitoring.py loads into DuckDB: written too, so that it reuses the data.
        result.write_csv(csv_path)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    total = Incident.objects.filter(operation=operation).count()
    last = (
        Incident.objects.filter(operation=operation)
        .order_by("-month")
        .values_list("month", flat=True)[0]
    )
    period = parse_period(f"{last.year}Q{(last.month - 1) // 3 + 1}")
    previous = period.previous()

    # People affected for the quarter's incidents (the synthetic ones have none), once.
    quarter = Incident.objects.filter(
        operation=operation, month__gte=period.start, month__lte=period.end
    )
    if not IncidentPeople.objects.filter(incident__in=quarter).exists():
        bands = list(AgeBand.objects.filter(operation=operation).values_list("pk", flat=True))
        start = time.perf_counter()
        ids = list(quarter.values_list("pk", "people_affected"))
        table = IncidentPeople._meta.db_table
        sql = (
            f"INSERT INTO {table} (incident_id, sex, age_band_id, with_disability, "
            "population_group_id, count) VALUES (%s, %s, %s, %s, NULL, %s)"
        )
        with transaction.atomic(), connection.cursor() as cursor:
            batch = []
            for pk, people in ids:
                batch.append(
                    (pk, "F" if pk % 3 else "M", bands[pk % len(bands)], pk % 17 == 0, people or 1)
                )
                if len(batch) == 50_000:
                    cursor.executemany(sql, batch)
                    batch.clear()
            if batch:
                cursor.executemany(sql, batch)
        print(
            f"added people rows to {len(ids):,} incidents of {period.code} in "
            f"{time.perf_counter() - start:.0f} s",
            flush=True,
        )
    if not AreaPopulation.objects.filter(operation=operation).exists():
        AreaPopulation.objects.bulk_create(
            AreaPopulation(
                operation=operation,
                area=area,
                year=period.start.year,
                population=500_000 + 100_000 * index,
                source="bench",
            )
            for index, area in enumerate(
                AdminArea.objects.filter(country_pcode="ML", level=1).order_by("pcode")
            )
        )
    in_window = Incident.objects.filter(
        operation=operation, month__gte=previous.start, month__lte=period.end
    ).count()
    print(
        f"{vendor}: {total:,} incidents; PAU {period.code} (compared with {previous.code}): "
        f"{in_window:,} incidents in the two quarters"
    )

    updates: list[AnalysisUpdate] = []

    def create() -> None:
        # Nothing cached (the readers' pooled atoms are kept per incident data version): a PAU
        # made after new incidents came in.
        cache.clear()
        updates.append(
            pau_create(
                operation=operation, by=None, period=period.code, scope=None, language=args.lang
            )
        )

    create_times = timed(create, runs=args.runs, warmup=1)
    update = updates[-1]
    sizes: dict[str, int] = {}

    def docx() -> None:
        sizes["docx"] = len(pau_docx(update, language=args.lang))

    def pdf() -> None:
        sizes["pdf"] = len(pau_pdf(update, language=args.lang))

    docx_times = timed(docx, runs=args.runs, warmup=1)
    pdf_times = timed(pdf, runs=args.runs, warmup=1)
    figures = update.versions.get().figures
    incidents = next(k for k in figures["key_figures"] if k["key"] == "incidents")
    print(
        f"figures: {incidents['current']} incidents in {period.code}, "
        f"{incidents['previous']} in {previous.code}; {len(figures['by_risk'])} risks, "
        f"{len(figures['by_area'])} areas on the map"
    )
    print(f"{'step':<34}{'median':>12}{'p95':>12}")
    for name, values in (
        ("pau_create (figures + draft)", create_times),
        (f"docx ({sizes['docx']:,} bytes)", docx_times),
        (f"pdf ({sizes['pdf']:,} bytes)", pdf_times),
    ):
        print(f"{name:<34}{ms(median(values))}{ms(p95(values))}")
    with_docx = median(create_times) + median(docx_times)
    with_pdf = median(create_times) + median(pdf_times)
    print(f"PAU with charts and map, docx: {with_docx:.2f} s   (goal < 15 s; issue 18: < 5 s)")
    print(f"PAU with charts and map, pdf:  {with_pdf:.2f} s   (goal < 15 s; issue 18: < 5 s)")
    record(
        "pau",
        vendor,
        {"rows": total, "docx_s": round(with_docx, 2), "pdf_s": round(with_pdf, 2)},
    )
    # The benchmark's drafts are not kept.
    AnalysisUpdate.objects.filter(pk__in=[u.pk for u in updates]).delete()


if __name__ == "__main__":
    main()
