"""Data for the load benchmark (bench_load.py), run inside `tutela shell -c` on the database the
served stack uses (the demo operation must be loaded first: `tutela demo`):

- a second operation, LOAD_SLUG, with N synthetic 5W rows (`bench.synthetic.fivew`, ~60
  organisations, 24 months) and its summary tables built;
- synthetic cases in the demo operation (`tutela.cases.synthetic`: two organisations of
  caseworkers and supervisors, encrypted and blind-indexed as the services do);
- U signed-in users of every role (ROLE_CYCLE): coordinators, information management officers,
  AoR focal points, partner focal points of the five biggest 5W partners, viewers (donor),
  caseworkers and supervisors, all with the same password;
- a 5W workbook in Tutela's own layout (tutela/core/tests/stack_data.workbook_write) of M rows
  for an organisation that has none yet, for the import made during the load.

    from _load_data import prepare; prepare(rows=100000, cases=2000, users=50, ...)

prints one JSON line (slugs, users, pages' parameters). `page_costs(...)` prints, for each page
of the benchmark, its SQL query count and its time for one user (where the time goes).
"""

from __future__ import annotations

import datetime
import itertools
import json
import time
from pathlib import Path
from typing import Any

LOAD_SLUG = "load-5w"
DEMO_SLUG = "mali-demo"
PASSWORD = "Load-Bench-Password-2026!"  # noqa: S105 - throw-away benchmark accounts
IMPORTER = "LOADIMP"
# The synthetic 5W runs 24 months from January 2024; the import comes after them.
FIRST_IMPORT_MONTH = datetime.date(2026, 1, 1)
# The roles of the load's users, in turn (a partner focal point in four of every ten).
ROLE_CYCLE = [
    "partner",
    "coordinator",
    "partner",
    "caseworker",
    "imo",
    "partner",
    "viewer",
    "partner",
    "focal_point",
    "supervisor",
]


def prepare(
    *, rows: int, cases: int, users: int, import_rows: int, workbook: str
) -> dict[str, Any]:
    from django.db import connection
    from django.db.models import Count, Max

    from bench.synthetic import fivew as synthetic_5w
    from tutela.activities.models import ActivityReport
    from tutela.activities.services.summaries import summaries_rebuild
    from tutela.cases import synthetic as synthetic_cases
    from tutela.cases.models import Case
    from tutela.core.models import Operation, Organisation

    started = time.perf_counter()
    demo = Operation.objects.get(slug=DEMO_SLUG)
    fivew, _ = Operation.objects.get_or_create(
        slug=LOAD_SLUG, defaults={"name": f"Load benchmark 5W ({rows:,} rows)"}
    )
    if not ActivityReport.objects.filter(operation=fivew).exists():
        synthetic_5w.generate(operation=fivew, n_rows=rows, seed=1)
    if cases and not Case.objects.filter(operation=demo, organisation__acronym="BCH00").exists():
        synthetic_cases.generate(operation=demo, n_cases=cases, orgs=2, workers=5)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    # Built once (nothing to do when they are fresh).
    summaries_rebuild(operation=fivew)

    # The five biggest 5W partners; they are partners of the demo operation too.
    biggest = list(
        ActivityReport.objects.filter(operation=fivew)
        .values("organisation__acronym")
        .annotate(n=Count("id"), last=Max("month"))
        .order_by("-n")[:5]
    )
    partner_orgs = [b["organisation__acronym"] for b in biggest]
    months = {b["organisation__acronym"]: b["last"].strftime("%Y-%m") for b in biggest}
    for acronym in [*partner_orgs, "AOD", "EMO", "FHD"]:
        org = Organisation.objects.get(acronym=acronym)
        org.operations.add(demo, fivew)
    importer, _ = Organisation.objects.get_or_create(
        acronym=IMPORTER, defaults={"name": "Load benchmark importer", "type": "nngo"}
    )
    importer.operations.add(fivew)

    people = _users(users, demo=demo, fivew=fivew, partner_orgs=partner_orgs)
    months_open = _open_rounds(fivew)
    if import_rows and not Path(workbook).exists():
        _workbook(fivew, months_open, import_rows, workbook)
    result = {
        "demo": demo.slug,
        "fivew": fivew.slug,
        "password": PASSWORD,
        "users": people,
        "months": months,
        "biggest": partner_orgs[0],
        "importer_id": importer.pk,
        "workbook": workbook,
        "rows": ActivityReport.objects.filter(operation=fivew).count(),
        "cases": Case.objects.filter(operation=demo).count(),
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(result))
    return result


def _users(count: int, *, demo: Any, fivew: Any, partner_orgs: list[str]) -> list[dict[str, str]]:
    """`count` accounts by ROLE_CYCLE (made once; the password hashed once for all)."""
    from django.contrib.auth.hashers import make_password

    from tutela.core.models import Body, OperationRole, Organisation, User

    hashed = make_password(PASSWORD)
    caseworkers = list(
        User.objects.filter(email__startswith="caseworker", email__endswith="@bench-cases.test")
        .order_by("email")
        .values_list("email", flat=True)
    )
    supervisors = list(
        User.objects.filter(email__startswith="supervisor", email__endswith="@bench-cases.test")
        .order_by("email")
        .values_list("email", flat=True)
    )
    home = {"coordinator": "AOD", "imo": "AOD", "focal_point": "EMO", "viewer": "FHD"}
    out: list[dict[str, str]] = []
    turn: dict[str, int] = {}
    for index in range(count):
        role = ROLE_CYCLE[index % len(ROLE_CYCLE)]
        n = turn[role] = turn.get(role, -1) + 1
        if role in {"caseworker", "supervisor"}:
            # Synthetic case staff of the demo operation, who own or supervise the cases.
            pool = caseworkers if role == "caseworker" else supervisors
            if not pool:
                continue
            email = pool[n % len(pool)]
            User.objects.filter(email=email).update(password=hashed)
            user = User.objects.get(email=email)
            out.append({"email": email, "role": role, "org": user.organisation.acronym})
            continue
        acronym = partner_orgs[n % len(partner_orgs)] if role == "partner" else home[role]
        email = f"{role}-{n}@bench-load.test"
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email,
                None,
                full_name=f"Load {role} {n}",
                organisation=Organisation.objects.get(acronym=acronym),
            )
        User.objects.filter(pk=user.pk).update(password=hashed)
        for operation in (demo, fivew):
            body = (
                Body.objects.filter(operation=operation, code="PRO-CPN").first()
                if role == "focal_point"
                else None
            )
            OperationRole.objects.get_or_create(
                user=user, operation=operation, role=role, defaults={"body": body}
            )
        out.append({"email": email, "role": role, "org": acronym})
    return out


def _open_rounds(operation: Any) -> list[datetime.date]:
    """Two monthly rounds after the synthetic ones (mostly locked), open: the import's months,
    as a monthly upload."""
    from tutela.activities.models import ReportingRound

    first = FIRST_IMPORT_MONTH
    months = [first, first.replace(month=first.month + 1)]
    for month in months:
        ReportingRound.objects.get_or_create(
            operation=operation,
            month=month,
            defaults={"deadline": month + datetime.timedelta(days=40)},
        )
    return months


def _workbook(operation: Any, months: list[datetime.date], rows: int, path: str) -> None:
    """`rows` rows keyed month × activity × commune × population group, for the importer."""
    from tutela.activities.models import Activity
    from tutela.core.models import AdminArea, PopulationGroup
    from tutela.core.tests.stack_data import workbook_write

    activities = list(
        Activity.objects.filter(operation=operation, by_sex_age=True).prefetch_related("indicators")
    )
    communes = list(
        AdminArea.objects.filter(country_pcode="ML", level=3).select_related("parent__parent")
    )
    groups = list(
        PopulationGroup.objects.filter(operation=operation).values_list("code", flat=True)
    )
    keys = itertools.islice(itertools.product(months, activities, communes, groups), rows)
    workbook_write(path, keys)


def page_costs(*, pages: dict[str, list[tuple[str, str]]], users: dict[str, str]) -> None:
    """For each role's pages: status, SQL queries and milliseconds for one signed-in user (the
    second of two requests, so that per-process caches are warm), through Django's test client
    on the served database."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tutela.core.models import User

    out = []
    for role, role_pages in pages.items():
        client = Client(HTTP_HOST="127.0.0.1", raise_request_exception=False)
        client.force_login(User.objects.get(email=users[role]))
        for name, path in role_pages:
            client.get(path)
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(path)
                took = time.perf_counter() - started
            sql = [q["sql"] for q in queries.captured_queries]
            slowest = sorted(
                queries.captured_queries, key=lambda q: float(q["time"] or 0), reverse=True
            )[:3]
            out.append(
                {
                    "role": role,
                    "page": name,
                    "status": response.status_code,
                    "queries": len(sql),
                    "sql_ms": round(
                        1000 * sum(float(q["time"] or 0) for q in queries.captured_queries)
                    ),
                    "ms": round(1000 * took),
                    "slowest": [
                        {"ms": round(1000 * float(q["time"] or 0)), "sql": q["sql"][:300]}
                        for q in slowest
                    ],
                }
            )
    print(json.dumps(out))
