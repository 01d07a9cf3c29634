"""Data for the tests that run Tutela as real processes (tests/stack.py): a Mali operation with
the bundled boundaries, the standard 5W catalogue, an organisation, a coordinator and a partner,
and a 5W workbook in Tutela's own layout. Run inside `tutela shell -c` by those tests:

    from tutela.core.tests.stack_data import build; build(rows=3000, path="/tmp/5w.xlsx")

prints one JSON line: the operation's slug, the users' e-mails, the workbook's path.
"""

from __future__ import annotations

import datetime
import itertools
import json
import random

PASSWORD = "Stack-Test-Password-2026!"


def build(*, rows: int = 0, path: str = "", slug: str = "stack") -> dict[str, object]:
    from tutela.activities.models import Activity, ReportingRound
    from tutela.activities.services.catalogue import catalogue_seed
    from tutela.core.models import (
        AdminArea,
        Body,
        Operation,
        OperationRole,
        Organisation,
        PopulationGroup,
        User,
    )
    from tutela.core.services.geography import geo_load_bundled

    if not AdminArea.objects.filter(pcode="ML").exists():
        geo_load_bundled(country="MLI")
    operation = Operation.objects.create(slug=slug, name="Stack test")
    operation.countries.add(AdminArea.objects.get(pcode="ML"))
    Body.objects.create(operation=operation, name="Cluster", code="PRO", kind="cluster")
    catalogue_seed(operation=operation)
    org = Organisation.objects.create(name="Stack partner", acronym="STK", type="nngo")
    org.operations.add(operation)
    coordinator = User.objects.create_user(
        f"coordinator@{slug}.test", PASSWORD, full_name="Stack Coordinator"
    )
    OperationRole.objects.create(user=coordinator, operation=operation, role="coordinator")
    partner = User.objects.create_user(
        f"partner@{slug}.test", PASSWORD, full_name="Stack Partner", organisation=org
    )
    OperationRole.objects.create(user=partner, operation=operation, role="partner")
    # STK lets the coordinator report its 5W (the uploads of the stack tests are the
    # coordinator's): organisation-only writes otherwise refuse them.
    from tutela.core.services.delegations import delegation_grant

    delegation_grant(by=partner, operation=operation, organisation=org, scope="5w")
    months = [datetime.date(2026, 1, 1), datetime.date(2026, 2, 1)]
    for month in months:
        ReportingRound.objects.create(
            operation=operation, month=month, deadline=month + datetime.timedelta(days=40)
        )
    if rows and path:
        activities = list(
            Activity.objects.filter(operation=operation, by_sex_age=True).prefetch_related(
                "indicators"
            )
        )
        communes = list(
            AdminArea.objects.filter(country_pcode="ML", level=3).select_related("parent__parent")
        )
        groups = list(
            PopulationGroup.objects.filter(operation=operation).values_list("code", flat=True)
        )
        keys = itertools.islice(itertools.product(months, activities, communes, groups), rows)
        workbook_write(path, keys)
    result = {
        "slug": slug,
        "operation_id": operation.pk,
        "organisation_id": org.pk,
        "coordinator": coordinator.email,
        "partner": partner.email,
        "password": PASSWORD,
        "path": path,
    }
    print(json.dumps(result))
    return result


def workbook_write(path: str, keys: object) -> None:
    from openpyxl import Workbook

    from tutela.activities.models.fields import FIELDS

    names = [
        "month",
        "activity",
        "indicator",
        "admin1_pcode",
        "admin2_pcode",
        "admin3_pcode",
        "admin3_name",
        "population_group",
        "status",
        "modality",
        "girls",
        "boys",
        "women",
        "men",
        "older_women",
        "older_men",
        "total",
        "with_disability",
    ]
    hxl = {f.name: f.hxl for f in FIELDS}
    rng = random.Random(1)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("5W")
    sheet.append(names)
    sheet.append([hxl[n] for n in names])
    for month, activity, commune, group in keys:  # type: ignore[attr-defined]
        bands = [rng.randint(0, 60) for _ in range(6)]
        total = sum(bands)
        sheet.append(
            [
                month.strftime("%Y-%m"),
                activity.code,
                activity.indicators.all()[0].code,
                commune.parent.parent.pcode,
                commune.parent.pcode,
                commune.pcode,
                commune.name,
                group,
                "ongoing",
                "in_person",
                *bands,
                total,
                min(total, rng.randint(0, 5)),
            ]
        )
    workbook.save(path)


def import_queue(*, slug: str, path: str) -> dict[str, object]:
    """Queue the workbook's import for the background worker (as a big upload is)."""
    from pathlib import Path

    from tutela.activities.services.imports import import_5w_start
    from tutela.core.models import Operation, Organisation, User

    operation = Operation.objects.get(slug=slug)
    record = import_5w_start(
        by=User.objects.get(email=f"coordinator@{slug}.test"),
        operation=operation,
        file=Path(path).read_bytes(),
        file_name=Path(path).name,
        organisation=Organisation.objects.get(acronym="STK"),
        background=True,
    )
    result = {"record_id": record.pk, "job_id": record.job_id}
    print(json.dumps(result))
    return result
