"""Synthetic protection incidents, for benchmarks and load tests (never for demos to users).

`generate(operation=..., n_rows=1_000_000, seed=1)` fills an operation with incidents over
`n_months` months in the real Mali gazetteer (admin 1-3, loaded if missing): more incidents in
the regions most affected (Mopti, Tombouctou, Gao, Ménaka, Ségou), risks with a skewed frequency,
~30 reporting organisations of Zipf sizes (a few sharing GBV aggregates), 70 % verified, 1 % merged
duplicates, and a few surges (area × risk × month with many more incidents) for the early-warning
scan to find. Only Incident rows are written (trend, hot spots and early warning read only
them, through the incident summary, rebuilt at the end): no IncidentRisk or IncidentPeople rows.

Rows are inserted with one prepared INSERT run by executemany per batch (as
tutela.activities.synthetic; bulk_create builds a model instance per row and is ~50 times
slower on SQLite). The same columns come back in `SyntheticIncidents.columns`
and can be written to CSV for DuckDB (`write_csv`).
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from django.db import connections, router, transaction
from django.utils import timezone

from tutela.core.models import AdminArea, Operation, Organisation, ProtectionRisk
from tutela.monitoring.models import Incident, SharingAgreement, Source, VerificationStatus

FIRST_MONTH = datetime.date(2024, 1, 1)
REGION_WEIGHTS = {
    "ML01": 0.4,
    "ML02": 0.9,
    "ML03": 0.4,
    "ML04": 2.5,
    "ML05": 5.0,
    "ML06": 3.5,
    "ML07": 3.5,
    "ML08": 1.2,
    "ML09": 0.3,
    "ML10": 2.5,
}
# Relative frequency of the 15 risks (R01..R15).
RISK_WEIGHTS = [8, 14, 3, 2, 5, 1, 3, 9, 2, 4, 4, 12, 3, 1, 10]
COLUMNS = (
    "organisation_id",
    "month",
    "occurred_on",
    "area_id",
    "admin1_id",
    "admin2_id",
    "primary_risk_id",
    "verification_id",
    "verified",
    "is_gbv",
    "merged",
    "people_affected",
)


@dataclass
class SyntheticIncidents:
    operation: Operation
    n_rows: int
    months: list[datetime.date]
    sharing: list[int]
    columns: dict[str, np.ndarray] = field(repr=False)

    def write_csv(self, path: str | Path) -> Path:
        path = Path(path)
        n = len(self.columns["month"])
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(COLUMNS)
            step = 200_000
            for begin in range(0, n, step):
                chunk = [self.columns[c][begin : begin + step].tolist() for c in COLUMNS]
                writer.writerows(zip(*chunk, strict=True))
        return path


def _setup(operation: Operation, n_orgs: int) -> list[Organisation]:
    from tutela.core.services.geography import geo_load_bundled
    from tutela.monitoring.services.reference import monitoring_seed

    if not AdminArea.objects.filter(pcode="ML0501").exists():
        geo_load_bundled(country="MLI")
    operation.countries.add(AdminArea.objects.get(pcode="ML"))
    monitoring_seed(operation=operation)
    organisations = []
    for index in range(n_orgs):
        org, _created = Organisation.objects.get_or_create(
            acronym=f"SYNM-{index + 1:02d}",
            defaults={
                "name": f"Synthetic monitor {index + 1:02d}",
                "type": "nngo",
                "is_demo": True,
            },
        )
        org.operations.add(operation)
        organisations.append(org)
    return organisations


def generate(
    *,
    operation: Operation,
    n_rows: int,
    seed: int = 1,
    n_months: int = 24,
    first_month: datetime.date = FIRST_MONTH,
    n_organisations: int = 30,
    batch_size: int = 50_000,
    progress: Callable[[int, int], None] | None = None,
) -> SyntheticIncidents:
    if Incident.objects.filter(operation=operation).exists():
        raise ValueError("The operation already has incidents.")
    organisations = _setup(operation, n_organisations)
    rng = np.random.default_rng(seed)
    months = []
    for i in range(n_months):
        y, m = divmod(first_month.month - 1 + i, 12)
        months.append(datetime.date(first_month.year + y, m + 1, 1))

    risks = list(ProtectionRisk.objects.filter(operation=operation, number__isnull=False))
    risks.sort(key=lambda r: r.number or 0)
    risk_id = np.array([r.pk for r in risks])
    risk_gbv = np.array([r.is_gbv for r in risks])
    risk_w = np.array(RISK_WEIGHTS[: len(risks)], dtype=float)
    risk_w /= risk_w.sum()

    statuses = list(VerificationStatus.objects.filter(operation=operation).order_by("order"))
    verified_ids = np.array([s.pk for s in statuses])
    verified_flag = np.array([s.is_verified for s in statuses])
    status_p = np.array([0.2 if not s.is_verified else 0.7 for s in statuses], dtype=float)
    status_p /= status_p.sum()
    source = Source.objects.filter(operation=operation).order_by("order").first()
    if source is None:
        raise RuntimeError("monitoring_seed created no source")

    rows = list(
        AdminArea.objects.filter(country_pcode="ML", level__in=(2, 3)).values_list(
            "pk", "level", "parent_id"
        )
    )
    parent_of = {pk: parent for pk, _level, parent in rows}
    regions = dict(AdminArea.objects.filter(country_pcode="ML", level=1).values_list("pk", "pcode"))
    area_id, area_a1, area_a2, weight = [], [], [], []
    for pk, level, parent in rows:
        a2 = pk if level == 2 else parent
        a1 = parent_of.get(a2)
        if a1 not in regions:
            continue
        area_id.append(pk)
        area_a1.append(a1)
        area_a2.append(a2)
        weight.append(REGION_WEIGHTS.get(regions[a1], 1.0) * (0.5 if level == 2 else 1.0))
    w = np.array(weight) * rng.lognormal(0.0, 0.8, size=len(weight))
    w /= w.sum()
    area_id_a, area_a1_a, area_a2_a = np.array(area_id), np.array(area_a1), np.array(area_a2)

    org_id = np.array([o.pk for o in organisations])
    org_p = 1.0 / np.arange(1, len(organisations) + 1) ** 1.1
    org_p /= org_p.sum()
    sharing = [int(x) for x in org_id[::3]]
    for pk in sharing:
        SharingAgreement.objects.get_or_create(
            operation=operation, organisation_id=pk, defaults={"shares_gbv_aggregates": True}
        )

    # Incidents grow slowly over the months.
    month_p = np.linspace(1.0, 1.6, n_months)
    month_p /= month_p.sum()
    n = n_rows
    month_i = rng.choice(n_months, size=n, p=month_p)
    area_i = rng.choice(len(area_id), size=n, p=w)
    risk_i = rng.choice(len(risks), size=n, p=risk_w)
    # Surges: 1 % of the incidents go to 20 area × risk pairs in the last month.
    surge = rng.random(n) < 0.01
    pairs = rng.integers(0, len(area_id), size=20), rng.integers(0, len(risks), size=20)
    pick = rng.integers(0, 20, size=int(surge.sum()))
    month_i[surge] = n_months - 1
    area_i[surge] = pairs[0][pick]
    risk_i[surge] = pairs[1][pick]
    org_i = rng.choice(len(org_id), size=n, p=org_p)
    status_i = rng.choice(len(statuses), size=n, p=status_p)
    day = rng.integers(0, 28, size=n)
    month_dates = np.array(months, dtype="datetime64[D]")
    month_col = month_dates[month_i]
    columns: dict[str, np.ndarray] = {
        "organisation_id": org_id[org_i],
        "month": month_col,
        "occurred_on": month_col + day.astype("timedelta64[D]"),
        "area_id": area_id_a[area_i],
        "admin1_id": area_a1_a[area_i],
        "admin2_id": area_a2_a[area_i],
        "primary_risk_id": risk_id[risk_i],
        "verification_id": verified_ids[status_i],
        "verified": verified_flag[status_i],
        "is_gbv": risk_gbv[risk_i],
        "merged": rng.random(n) < 0.01,
        "people_affected": np.maximum(1, rng.geometric(0.4, size=n)),
    }
    _insert(operation, columns, source.pk, batch_size, progress)
    # Inserted without the services: build the incident summary the analysis reads, as
    # `tutela rebuild_monitoring_summaries` does.
    from tutela.monitoring.services.summaries import summaries_rebuild

    summaries_rebuild(operation=operation)
    return SyntheticIncidents(
        operation=operation, n_rows=n, months=months, sharing=sharing, columns=columns
    )


def _insert(
    operation: Operation,
    columns: dict[str, np.ndarray],
    source_id: int,
    batch_size: int,
    progress: Callable[[int, int], None] | None,
) -> None:
    """Insert the incidents (merged ones point at the first incident of their batch)."""
    connection = connections[router.db_for_write(Incident)]
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    names = [
        "operation_id",
        "organisation_id",
        "reference",
        "occurred_on",
        "reported_on",
        "month",
        "area_id",
        "admin1_id",
        "admin2_id",
        "site",
        "primary_risk_id",
        "perpetrator_id",
        "people_affected",
        "displacement_caused",
        "displaced_households",
        "source_id",
        "source_name",
        "fatalities",
        "verification_id",
        "is_gbv",
        "narrative",
        "merged_into_id",
        "import_record_id",
        "external_id",
        "created_by_id",
        "updated_by_id",
        "created_at",
        "updated_at",
    ]
    concrete = {f.attname for f in Incident._meta.concrete_fields if not f.primary_key}
    missing = concrete - set(names)
    if missing:
        raise RuntimeError(f"synthetic incidents miss columns: {sorted(missing)}")
    table = ops.quote_name(Incident._meta.db_table)
    column_of = {f.attname: f.column for f in Incident._meta.concrete_fields}
    column_sql = ", ".join(ops.quote_name(column_of[n]) for n in names)
    statement = f"INSERT INTO {table} ({column_sql}) VALUES ({', '.join(['%s'] * len(names))})"  # noqa: S608
    n_rows = len(columns["month"])
    first_pk: int | None = None
    for begin in range(0, n_rows, batch_size):
        end = min(begin + batch_size, n_rows)
        months = [ops.adapt_datefield_value(m) for m in columns["month"][begin:end].tolist()]
        occurred = [
            ops.adapt_datefield_value(d) for d in columns["occurred_on"][begin:end].tolist()
        ]
        if first_pk is None:
            # No incident to merge into yet: the first batch has no merged rows.
            columns["merged"][begin:end] = False
        merged = columns["merged"][begin:end].tolist()
        size = end - begin
        values = [
            [operation.pk] * size,
            columns["organisation_id"][begin:end].tolist(),
            [f"INC-S-{i:07d}" for i in range(begin + 1, end + 1)],
            occurred,
            occurred,
            months,
            columns["area_id"][begin:end].tolist(),
            columns["admin1_id"][begin:end].tolist(),
            columns["admin2_id"][begin:end].tolist(),
            [""] * size,
            columns["primary_risk_id"][begin:end].tolist(),
            [None] * size,
            columns["people_affected"][begin:end].tolist(),
            [False] * size,
            [None] * size,
            [source_id] * size,
            [""] * size,
            [None] * size,
            columns["verification_id"][begin:end].tolist(),
            columns["is_gbv"][begin:end].tolist(),
            [""] * size,
            [first_pk if (m and first_pk is not None) else None for m in merged],
            [None] * size,
            [""] * size,
            [None] * size,
            [None] * size,
            [now] * size,
            [now] * size,
        ]
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.executemany(statement, list(zip(*values, strict=True)))
        if first_pk is None:
            first_pk = (
                Incident.objects.filter(operation=operation)
                .order_by("pk")
                .values_list("pk", flat=True)
                .first()
            )
        if progress is not None:
            progress(end, n_rows)
