"""What the garbage collector costs a web worker, with and without core.gc_freeze.

    .venv/bin/python bench/bench_gc.py [--workload 5w|cases] [--rows 100000] [--cases 5000]
                                       [--requests 40]

In one process set up as a web worker (Django, the apps and, for `5w`, a copy of the newest
database bench_load.py prepared for N rows (`bench_load.py --prepare-only`); for `cases`,
bench_cases' database of N cases), a partner focal point
opens the 5W month grid of their organisation, the pivot page and the rows API (`5w`), or a
caseworker and a supervisor open the operation's page, the case list and a case search
(`cases`), `--requests` times; the collector's passes are timed through gc.callbacks.
Then the same after `gc.freeze()` (what config/wsgi.py's FreezingApplication does after start-up
and the first responses). Prints the objects the collector tracks, the time of one full pass,
and per run: passes by generation, their total and longest time, and the requests' p95.
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import time
from typing import Any

from _setup import WORK, django_setup, ms, p95

STARTS: dict[int, float] = {}
PASSES: list[tuple[int, float]] = []


def _watch(phase: str, info: dict[str, int]) -> None:
    if phase == "start":
        STARTS[info["generation"]] = time.perf_counter()
    else:
        PASSES.append((info["generation"], time.perf_counter() - STARTS[info["generation"]]))


def _use_load_data(rows: int) -> None:
    """A copy of bench_load.py's prepared database for `rows` rows, with its secrets."""
    prepared = sorted(
        (d for d in WORK.glob(f"load-sqlite-{rows}-*") if (d / "ready").exists()),
        key=lambda d: d.stat().st_mtime,
    )
    if not prepared:
        raise SystemExit(
            f"run bench_load.py --rows {rows} --prepare-only first (it makes the rows)"
        )
    shutil.copyfile(prepared[-1] / "tutela.sqlite3", WORK / "gc-5w.sqlite3")
    for line in (prepared[-1] / "secrets.env").read_text().splitlines():
        name, _, value = line.partition("=")
        os.environ[name] = value
    print(f"data: {prepared[-1]}")


def _fivew() -> tuple[list[Any], list[str]]:
    from django.db.models import Count

    from tutela.activities.models import ActivityReport, ReportingRound
    from tutela.core.models import Operation, User

    operation = Operation.objects.get(slug="load-5w")
    rows = ActivityReport.objects.filter(operation=operation).count()
    counts = (
        ActivityReport.objects.filter(operation=operation)
        .values("organisation_id")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    partner = User.objects.filter(
        organisation_id=counts[0]["organisation_id"],
        operation_roles__operation=operation,
        operation_roles__role="partner",
    ).first()
    assert partner is not None
    months = set(ReportingRound.objects.filter(operation=operation).values_list("month", flat=True))
    biggest = (
        ActivityReport.objects.filter(
            operation=operation, organisation_id=partner.organisation_id, month__in=months
        )
        .values("month")
        .annotate(n=Count("id"))
        .order_by("-month")  # the latest round, as bench_load.py's partners open it
        .first()
    )
    if biggest is None:
        raise SystemExit("no reporting round holds the partner's rows")
    slug, month = operation.slug, f"{biggest['month']:%Y-%m}"
    print(f"5W month grid of {biggest['n']} lines ({month}), pivot page, rows API; {rows:,} rows")
    pages = [f"/o/{slug}/5w/{month}/rows/", f"/o/{slug}/5w/pivot/"]
    return [partner], [*pages, f"/api/v1/operations/{slug}/5w/rows/"]


def _cases(count: int) -> tuple[list[Any], list[str]]:
    from tutela.cases.models import Case
    from tutela.cases.synthetic import _staff
    from tutela.core.models import Operation

    operation = Operation.objects.get(slug=f"bench-cases-{count}")
    if not Case.objects.filter(operation=operation).exists():
        raise SystemExit(f"run bench_cases.py --cases {count} first (it makes the cases)")
    staff = _staff(operation, 10, 20)
    org = staff.organisations[3]
    slug = operation.slug
    # ("/" sends a member of one operation to its page.)
    pages = [f"/o/{slug}/", f"/o/{slug}/cases/list/", f"/o/{slug}/cases/list/?q=Traore"]
    return [staff.caseworkers[org.pk][5], staff.supervisors[org.pk]], pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workload", choices=["5w", "cases"], default="5w")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    os.environ.setdefault("TUTELA_ALLOWED_HOSTS", "testserver,localhost")
    if args.workload == "5w":
        _use_load_data(args.rows)
        vendor = django_setup("gc-5w.sqlite3")
        people, pages = _fivew()
    else:
        vendor = django_setup(f"cases-{args.cases}.sqlite3")
        people, pages = _cases(args.cases)

    from django.test import Client

    clients = []
    for person in people:
        client = Client()
        client.force_login(person)
        clients.append(client)

    def browse(count: int) -> list[float]:
        times = []
        for number in range(count):
            client = clients[number % len(clients)]
            path = pages[number % len(pages)]
            started = time.perf_counter()
            response = client.get(path)
            times.append(time.perf_counter() - started)
            assert response.status_code == 200, (path, response.status_code)
        return times

    browse(len(pages) * 2)  # warm: templates, catalogues, resolvers
    gc.callbacks.append(_watch)
    for label in ("as loaded", "frozen (core.gc_freeze)"):
        if label.startswith("frozen"):
            gc.collect()
            gc.freeze()
        tracked = len(gc.get_objects())
        full = []
        for _ in range(3):
            started = time.perf_counter()
            gc.collect()
            full.append(time.perf_counter() - started)
        PASSES.clear()
        times = browse(args.requests)
        by_generation = [sum(1 for g, _t in PASSES if g == n) for n in range(3)]
        total = sum(t for _g, t in PASSES)
        longest = max((t for _g, t in PASSES), default=0.0)
        print(
            f"{label:24} {vendor}: {tracked:,} objects tracked, one full pass {ms(min(full))};"
            f" {args.requests} requests: passes by generation {by_generation},"
            f" {ms(total)} in all, longest {ms(longest)}; requests p95 {ms(p95(times))}"
        )
    gc.callbacks.remove(_watch)


if __name__ == "__main__":
    main()
