"""Case management benchmark: registration and blind-index search among N cases, and the
caseworker's list page.

    .venv/bin/python bench/bench_cases.py [--cases 200000] [--runs 50]
    bash scripts/with-postgres.sh .venv/bin/python bench/bench_cases.py   (PostgreSQL)

N synthetic cases (tutela.cases.synthetic: invented names from the Sahel, phones, ID numbers;
encrypted and indexed as the services do) over 10 organisations are generated once per database.
Then, as the supervisor of one organisation (about N/10 cases):
- registration: `case_register` end to end (checks, probable-duplicate lookup in the blind index,
  code, encryption, index tokens, audit), for new people;
- search: `case_search` for names as people type them (other spellings: "Muhammad Traore"),
  phone numbers and ID numbers of existing cases;
- the caseworker's list page: GET /o/<slug>/cases/list/ through Django's test client, as one of
  the organisation's caseworkers (about N/200 cases of their own).
Prints median and p95 of each. Goals (issue 15): search p95 < 200 ms; list page p95 < 300 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import time

from _setup import django_setup, median, ms, p95, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument(
        "--explain", action="store_true", help="the list page's slowest queries and their plans"
    )
    args = parser.parse_args()
    os.environ.setdefault("TUTELA_ALLOWED_HOSTS", "testserver,localhost")
    vendor = django_setup(f"cases-{args.cases}.sqlite3")

    from django.db import connection
    from django.test import Client

    from tutela.cases.models import Case, CasePerson
    from tutela.cases.selectors.cases import case_search
    from tutela.cases.services.cases import PersonData, case_register
    from tutela.cases.services.reference import cases_seed
    from tutela.cases.synthetic import FAMILY, generate
    from tutela.core.models import AdminArea, Operation
    from tutela.core.services.geography import geo_load_bundled

    if not AdminArea.objects.filter(pcode="ML").exists():
        geo_load_bundled(country="MLI")
    operation, created = Operation.objects.get_or_create(
        slug=f"bench-cases-{args.cases}", defaults={"name": f"Cases benchmark {args.cases}"}
    )
    if created:
        operation.countries.add(AdminArea.objects.get(pcode="ML"))
        cases_seed(operation=operation)
    existing = Case.objects.filter(operation=operation).count()
    if existing < args.cases:
        print(
            f"generating {args.cases - existing:,} synthetic cases on {vendor} (once)...",
            flush=True,
        )
        start = time.perf_counter()
        generate(operation=operation, n_cases=args.cases - existing, seed=existing + 1)
        print(f"  inserted in {time.perf_counter() - start:.0f} s", flush=True)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    from tutela.cases.synthetic import _staff

    staff = _staff(operation, 10, 20)
    org = staff.organisations[3]
    supervisor = staff.supervisors[org.pk]
    caseworker = staff.caseworkers[org.pk][5]
    total = Case.objects.filter(operation=operation).count()
    mine = Case.objects.filter(operation=operation, owner=caseworker).count()
    team = Case.objects.filter(operation=operation, organisation=org).count()
    print(f"{total:,} cases on {vendor}; the team holds {team:,}, the caseworker {mine:,}")

    rng = random.Random(7)  # noqa: S311
    area = AdminArea.objects.filter(level=2).order_by("pcode").first()
    assert area is not None

    def register() -> None:
        principal = PersonData(
            given_name=f"Nouvelle{rng.randint(0, 10**6)}",
            family_name=rng.choice(FAMILY),
            sex="F",
            age=rng.randint(18, 60),
            phone=f"+223 5{rng.randint(0, 9999999):07d}",
            id_type="passport",
            id_number=f"P{rng.randint(0, 10**8):08d}",
        )
        case_register(
            operation=operation,
            by=caseworker,
            principal=principal,
            area=area,
            confirm_not_duplicate=True,
        )

    times = timed(register, min(args.runs, 50), warmup=2)
    print(
        f"registration: median {ms(median(times))}, p95 {ms(p95(times))} "
        f"({len(times)} registrations)"
    )

    people = list(CasePerson.objects.filter(case__organisation=org).order_by("?")[:20])
    spellings = {
        "Mohamed": "Muhammad",
        "Mamadou": "Mohammad",
        "Aïcha": "Aisha",
        "Traoré": "Traore",
        "Youssouf": "Yusuf",
        "Hussein": "Husayn",
        "Khadija": "Khadidja",
        "Fatoumata": "Fatimata",
        "Ousmane": "Usman",
    }
    queries = [
        f"{spellings.get(p.given_name, p.given_name)} {spellings.get(p.family_name, p.family_name)}"
        for p in people[:10]
    ]
    queries += [p.phone.replace(" ", "") for p in people[10:15]]
    queries += [p.id_number.lower() for p in people[15:20]]
    results: dict[str, int] = {}

    def search() -> None:
        query = queries[len(results) % len(queries)]
        results[f"{len(results)}"] = len(case_search(supervisor, operation, query))

    times = timed(search, max(args.runs, len(queries)), warmup=3)
    found = list(results.values())
    print(
        f"search (names with other spellings, phones, ID numbers): median {ms(median(times))}, "
        f"p95 {ms(p95(times))}; results per query median {median([float(f) for f in found])}"
        f" (goal p95 < 200 ms)"
    )

    client = Client()
    client.force_login(caseworker)
    path = f"/o/{operation.slug}/cases/list/"

    def list_page() -> None:
        response = client.get(path)
        assert response.status_code == 200, response.status_code

    times = timed(list_page, args.runs, warmup=2)
    print(
        f"caseworker's list page: median {ms(median(times))}, p95 {ms(p95(times))} "
        f"(goal p95 < 300 ms)"
    )
    if args.explain:
        explain(client, path, vendor)


def explain(client: object, path: str, vendor: str) -> None:
    """The list page's queries by time, with the plan of those over 5 ms."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(path)  # type: ignore[attr-defined]
    ranked = sorted(queries.captured_queries, key=lambda q: -float(q["time"] or 0))
    total = sum(float(q["time"] or 0) for q in ranked)
    print(f"list page: {len(ranked)} queries, {1000 * total:.0f} ms of SQL")
    prefix = "EXPLAIN ANALYZE " if vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    for query in ranked[:5]:
        print(f"  {1000 * float(query['time'] or 0):6.1f} ms  {query['sql'][:400]}")
        if float(query["time"] or 0) < 0.005:
            continue
        with connection.cursor() as cursor:
            cursor.execute(prefix + query["sql"])
            for row in cursor.fetchall():
                print("      " + " | ".join(str(part) for part in row))


if __name__ == "__main__":
    main()
