"""A realistic synthetic 5W operation, for benchmarks and load tests (never for demos to users).

`generate(operation=..., n_rows=1_000_000, seed=1)` fills an operation with:
- the real Mali gazetteer (admin 1-3, loaded with geo_load_bundled if missing);
- the cluster and its AoRs, the standard activity catalogue and population groups;
- ~60 organisations of mixed types (UN, international and national NGOs, government, Red Cross),
  whose sizes follow a Zipf law and who work mostly in a few "home" regions;
- 24 monthly reporting rounds with one submission per organisation and month (most validated);
- rows keyed by organisation × activity × place × population group that run for a few months
  each (the way projects do), with heavy-tailed people counts split by sex and age, persons with
  disability, and quantities for indicators counted in other units; more activity in the regions
  most affected by the crisis (Mopti, Tombouctou, Gao, Ménaka, Ségou).

It is generated with numpy column arrays and inserted with bulk_create in batches. The same
columns come back in `SyntheticResult.columns` (database ids, denormalised like ActivityReport,
plus the organisation type and the submission status) and can be written to CSV or Parquet so that
DuckDB loads identical data (`write_csv`, `write_parquet`).
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from django.db import connections, router, transaction
from django.utils import timezone

from tutela.activities.models import Activity, ActivityReport, Indicator, ReportingRound, Submission
from tutela.activities.services.catalogue import catalogue_seed
from tutela.activities.services.summaries import summaries_invalidate
from tutela.core.models import AdminArea, Body, Operation, Organisation, PopulationGroup

FIRST_MONTH = datetime.date(2024, 1, 1)

# Crisis intensity per region (relative weights of activity).
REGION_WEIGHTS = {
    "ML01": 0.4,  # Kayes
    "ML02": 0.9,  # Koulikoro
    "ML03": 0.4,  # Sikasso
    "ML04": 2.5,  # Ségou
    "ML05": 5.0,  # Mopti
    "ML06": 3.5,  # Tombouctou
    "ML07": 3.5,  # Gao
    "ML08": 1.2,  # Kidal
    "ML09": 0.8,  # Bamako
    "ML10": 2.5,  # Ménaka
}
ACTIVITY_WEIGHTS = {
    "PRO-AWA": 10,
    "PRO-PSS": 8,
    "PRO-MON": 6,
    "PRO-REF": 6,
    "PRO-CBP": 5,
    "PRO-CM": 4,
    "PRO-LEG": 3,
    "PRO-IPA": 3,
    "PRO-CAP": 2,
    "PRO-ADV": 1,
    "CP-PSS": 5,
    "CP-CM": 3,
    "GBV-PREV": 4,
    "GBV-CM": 2,
    "GBV-WGSS": 2,
    "GBV-DK": 2,
    "MA-EORE": 2,
}
GROUP_WEIGHTS = {"IDP": 45, "HST": 28, "RET": 12, "REF": 8, "ASY": 2, "STA": 1, "OOC": 4}
ORG_TYPES = [("un", 6), ("ingo", 18), ("nngo", 28), ("gov", 4), ("redcross", 2), ("other", 2)]
BODIES = [
    ("PRO", "Protection Cluster (synthetic)", Body.Kind.CLUSTER, ""),
    ("PRO-CPN", "Child Protection AoR (synthetic)", Body.Kind.AOR, "PRO"),
    ("PRO-GBV", "GBV AoR (synthetic)", Body.Kind.AOR, "PRO"),
    ("PRO-MIN", "Mine Action AoR (synthetic)", Body.Kind.AOR, "PRO"),
    ("PRO-HLP", "HLP AoR (synthetic)", Body.Kind.AOR, "PRO"),
]
SUBMISSION_STATUSES = [
    (Submission.Status.VALIDATED, 0.85),
    (Submission.Status.SUBMITTED, 0.08),
    (Submission.Status.RETURNED, 0.02),
    (Submission.Status.DRAFT, 0.05),
]
ROW_STATUSES = [("ongoing", 0.7), ("completed", 0.25), ("planned", 0.05)]
MODALITIES = [("in_person", 0.7), ("mobile", 0.2), ("remote", 0.1)]

# Columns of SyntheticResult.columns, in the order the CSV is written. -1 stands for NULL in
# integer columns (admin3 of rows reported at cercle level, quantity of people counts).
COLUMNS = (
    "organisation_id",
    "organisation_type",
    "submission_id",
    "submission_status",
    "month",
    "activity_id",
    "indicator_id",
    "body_id",
    "area_id",
    "admin1_id",
    "admin2_id",
    "admin3_id",
    "population_group_id",
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
    "quantity",
)
NULLABLE = {"admin3_id", "quantity"}


@dataclass
class SyntheticResult:
    operation: Operation
    n_rows: int
    organisations: int
    months: list[datetime.date]
    columns: dict[str, np.ndarray] = field(repr=False)

    def write_csv(self, path: str | Path) -> Path:
        return write_csv(self.columns, path)

    def write_parquet(self, path: str | Path) -> Path:
        return write_parquet(self.columns, path)


def _choice_weights(weights: Mapping[str, float], present: list[str]) -> np.ndarray:
    values = np.array([weights.get(code, 0.5) for code in present], dtype=float)
    return values / values.sum()


def _setup(operation: Operation, n_orgs: int, seed: int) -> dict[str, Any]:
    """Gazetteer, bodies, catalogue and organisations (idempotent)."""
    from tutela.core.services.geography import geo_load_bundled

    if not AdminArea.objects.filter(pcode="ML0501").exists():
        geo_load_bundled(country="MLI")
    operation.countries.add(AdminArea.objects.get(pcode="ML"))
    bodies: dict[str, Body] = {}
    for code, name, kind, parent in BODIES:
        body = Body.objects.filter(operation=operation, code=code).first()
        if body is None:
            body = Body.objects.create(
                operation=operation, code=code, name=name, kind=kind, parent=bodies.get(parent)
            )
        bodies[code] = body
    catalogue_seed(operation=operation)

    rng = np.random.default_rng(seed)
    types = [t for t, n in ORG_TYPES for _ in range(n)]
    rng.shuffle(types)
    organisations = []
    for index in range(n_orgs):
        acronym = f"SYN-{index + 1:02d}"
        org, _created = Organisation.objects.get_or_create(
            acronym=acronym,
            defaults={
                "name": f"Synthetic partner {index + 1:02d}",
                "type": types[index % len(types)],
                "is_demo": True,
            },
        )
        org.operations.add(operation)
        organisations.append(org)
    return {"bodies": bodies, "organisations": organisations}


def generate(
    *,
    operation: Operation,
    n_rows: int,
    seed: int = 1,
    n_months: int = 24,
    first_month: datetime.date = FIRST_MONTH,
    n_organisations: int = 60,
    batch_size: int = 20_000,
    progress: Callable[[int, int], None] | None = None,
) -> SyntheticResult:
    """Fill `operation` with `n_rows` synthetic 5W rows (see the module docstring). The operation
    should have no 5W rows yet. Deterministic for a given seed."""
    if ActivityReport.objects.filter(operation=operation).exists():
        raise ValueError("The operation already has 5W rows.")
    setup = _setup(operation, n_organisations, seed)
    organisations: list[Organisation] = setup["organisations"]
    rng = np.random.default_rng(seed)

    months = []
    for i in range(n_months):
        y, m = divmod(first_month.month - 1 + i, 12)
        months.append(datetime.date(first_month.year + y, m + 1, 1))

    # Reference data as arrays.
    activities = list(Activity.objects.filter(operation=operation, is_active=True).order_by("code"))
    act_codes = [a.code for a in activities]
    act_weights = _choice_weights(ACTIVITY_WEIGHTS, act_codes)
    first_indicator: dict[int, Indicator] = {}
    for indicator in Indicator.objects.filter(activity__in=activities).order_by("code"):
        first_indicator.setdefault(indicator.activity_id, indicator)
    act_id = np.array([a.pk for a in activities])
    act_body = np.array([a.body_id for a in activities])
    act_indicator = np.array(
        [first_indicator[a.pk].pk if a.pk in first_indicator else -1 for a in activities]
    )
    act_people = np.array(
        [a.pk in first_indicator and first_indicator[a.pk].counts_people for a in activities]
    )
    act_bands = np.array([a.by_sex_age for a in activities])

    groups = list(PopulationGroup.objects.filter(operation=operation).order_by("code"))
    group_id = np.array([g.pk for g in groups])
    group_weights = _choice_weights(GROUP_WEIGHTS, [g.code for g in groups])

    # Places: communes (admin 3), and cercles (admin 2) for rows reported less precisely.
    area_rows = list(
        AdminArea.objects.filter(country_pcode="ML", level__in=(2, 3))
        .order_by("pcode")
        .values_list("pk", "pcode", "level", "parent_id")
    )
    parent_of = {pk: parent for pk, _p, _l, parent in area_rows}
    regions = dict(AdminArea.objects.filter(country_pcode="ML", level=1).values_list("pk", "pcode"))
    area_id, area_a1, area_a2, area_a3, area_weight = [], [], [], [], []
    for pk, _pcode, level, parent in area_rows:
        a2 = pk if level == 2 else parent
        a1 = parent_of.get(a2) if a2 is not None else None
        if a1 is None or a1 not in regions:
            continue
        area_id.append(pk)
        area_a1.append(a1)
        area_a2.append(a2)
        area_a3.append(pk if level == 3 else -1)
        # Cercle-level rows are rarer than commune-level ones.
        base = REGION_WEIGHTS.get(regions[a1], 1.0) * (0.6 if level == 2 else 1.0)
        area_weight.append(base)
    area_id_a = np.array(area_id)
    area_a1_a = np.array(area_a1)
    area_a2_a = np.array(area_a2)
    area_a3_a = np.array(area_a3)
    noise = rng.lognormal(0.0, 0.8, size=len(area_id))
    area_w = np.array(area_weight) * noise
    region_ids = sorted(regions)
    region_index = {pk: i for i, pk in enumerate(region_ids)}
    area_region = np.array([region_index[a] for a in area_a1])

    # Organisations: Zipf sizes, a few home regions each.
    n_orgs = len(organisations)
    org_id = np.array([o.pk for o in organisations])
    org_type = np.array([o.type for o in organisations])
    org_size = 1.0 / np.arange(1, n_orgs + 1) ** 1.1
    org_size = org_size / org_size.sum()
    org_scale = rng.lognormal(0.0, 0.5, size=n_orgs)
    home = np.zeros((n_orgs, len(region_ids)), dtype=bool)
    for i in range(n_orgs):
        k = int(np.clip(round(1 + 8 * org_size[i] / org_size.max()), 1, len(region_ids)))
        p = np.array([REGION_WEIGHTS.get(regions[r], 1.0) for r in region_ids])
        home[i, rng.choice(len(region_ids), size=k, replace=False, p=p / p.sum())] = True

    # Keys (organisation × activity × place × group), each active for a run of months.
    keys: list[np.ndarray] = []
    starts: list[np.ndarray] = []
    lengths: list[np.ndarray] = []
    seen = np.array([], dtype=np.int64)
    total = 0
    n_areas, n_acts, n_groups = len(area_id), len(activities), len(groups)
    cum_area = np.cumsum(area_w / area_w.sum())
    while total < n_rows:
        batch = max(int((n_rows - total) / 5) + 1000, 1000)
        o = rng.choice(n_orgs, size=batch, p=org_size)
        a = rng.choice(n_acts, size=batch, p=act_weights)
        g = rng.choice(n_groups, size=batch, p=group_weights)
        ar = np.searchsorted(cum_area, rng.random(batch), side="right").clip(0, n_areas - 1)
        # Mostly in the organisation's home regions: redraw the others once, then keep.
        away = ~home[o, area_region[ar]] & (rng.random(batch) < 0.85)
        redraw = np.searchsorted(cum_area, rng.random(int(away.sum())), side="right").clip(
            0, n_areas - 1
        )
        ar[away] = redraw
        code = ((o.astype(np.int64) * n_acts + a) * n_areas + ar) * n_groups + g
        # Unique keys, in the order they were drawn, not drawn in an earlier batch.
        _unique, first = np.unique(code, return_index=True)
        code = code[np.sort(first)]
        code = code[~np.isin(code, seen)]
        seen = np.concatenate([seen, code])
        length = np.minimum(1 + rng.geometric(1 / 6, size=len(code)), n_months)
        start = rng.integers(0, n_months - length + 1)
        keys.append(code)
        starts.append(start)
        lengths.append(length)
        total += int(length.sum())

    code = np.concatenate(keys)
    start = np.concatenate(starts)
    length = np.concatenate(lengths)
    # Cut the last key(s) so that there are exactly n_rows rows.
    cumulative = np.cumsum(length)
    n_keys = int(np.searchsorted(cumulative, n_rows, side="left")) + 1
    code, start, length = code[:n_keys], start[:n_keys], length[:n_keys].copy()
    length[-1] -= int(cumulative[n_keys - 1] - n_rows)
    g = code % n_groups
    rest = code // n_groups
    ar = rest % n_areas
    rest //= n_areas
    a = rest % n_acts
    o = rest // n_acts

    key_of_row = np.repeat(np.arange(n_keys), length)
    offset = np.arange(n_rows) - np.repeat(np.cumsum(length) - length, length)
    month_index = start[key_of_row] + offset
    ro, ra, rar, rg = o[key_of_row], a[key_of_row], ar[key_of_row], g[key_of_row]

    # People counts: a size per key (heavy-tailed, bigger organisations bigger), varying by month.
    key_size = rng.lognormal(np.log(25), 1.0, size=n_keys) * org_scale[o]
    people = np.maximum(
        1, np.rint(key_size[key_of_row] * rng.lognormal(0.0, 0.35, size=n_rows))
    ).astype(np.int64)
    counts_people = act_people[ra]
    with_bands = counts_people & act_bands[ra]
    shares = rng.dirichlet([2.5, 2.3, 3.0, 2.4, 0.6, 0.5], size=n_keys)[key_of_row]
    bands = np.zeros((n_rows, 6), dtype=np.int64)
    idx = np.flatnonzero(with_bands)
    if len(idx):
        bands[idx] = rng.multinomial(people[idx], shares[idx])
    total_people = np.where(counts_people, people, 0)
    disability = np.where(
        counts_people & act_bands[ra], rng.binomial(total_people, 0.07), 0
    ).astype(np.int64)
    quantity = np.where(
        counts_people, -1, np.maximum(1, np.rint(rng.lognormal(np.log(6), 0.8, size=n_rows)))
    ).astype(np.int64)

    # Rounds and submissions (one per organisation and month).
    rounds = {}
    for i, month in enumerate(months):
        round_, _created = ReportingRound.objects.get_or_create(
            operation=operation,
            month=month,
            defaults={
                "deadline": month + datetime.timedelta(days=45),
                "status": ReportingRound.Status.OPEN
                if i == n_months - 1
                else ReportingRound.Status.LOCKED,
            },
        )
        rounds[i] = round_
    statuses = [s for s, _p in SUBMISSION_STATUSES]
    status_p = np.array([p for _s, p in SUBMISSION_STATUSES])
    sub_status = rng.choice(len(statuses), size=(n_orgs, n_months), p=status_p)
    # The last month is still being reviewed.
    sub_status[:, -1] = rng.choice([1, 3], size=n_orgs, p=[0.6, 0.4])
    existing = {
        (s.organisation_id, s.round_id): s
        for s in Submission.objects.filter(round__operation=operation)
    }
    new = [
        Submission(
            round=rounds[j], organisation=organisations[i], status=statuses[sub_status[i, j]]
        )
        for i in range(n_orgs)
        for j in range(n_months)
        if (organisations[i].pk, rounds[j].pk) not in existing
    ]
    Submission.objects.bulk_create(new, batch_size=5000)
    sub_id = np.zeros((n_orgs, n_months), dtype=np.int64)
    sub_status_code = np.empty((n_orgs, n_months), dtype=object)
    org_index = {pk: i for i, pk in enumerate(org_id)}
    round_index = {r.pk: j for j, r in rounds.items()}
    for s in Submission.objects.filter(round__operation=operation).only(
        "pk", "organisation_id", "round_id", "status"
    ):
        if s.organisation_id in org_index and s.round_id in round_index:
            i, j = org_index[s.organisation_id], round_index[s.round_id]
            sub_id[i, j] = s.pk
            sub_status_code[i, j] = s.status

    row_status_codes = np.array([s for s, _p in ROW_STATUSES])
    row_status = row_status_codes[
        rng.choice(len(ROW_STATUSES), size=n_rows, p=[p for _s, p in ROW_STATUSES])
    ]
    modality_codes = np.array([m for m, _p in MODALITIES])
    modality = modality_codes[
        rng.choice(len(MODALITIES), size=n_rows, p=[p for _m, p in MODALITIES])
    ]
    month_dates = np.array(months, dtype="datetime64[D]")

    columns: dict[str, np.ndarray] = {
        "organisation_id": org_id[ro],
        "organisation_type": org_type[ro],
        "submission_id": sub_id[ro, month_index],
        "submission_status": sub_status_code[ro, month_index].astype(str),
        "month": month_dates[month_index],
        "activity_id": act_id[ra],
        "indicator_id": act_indicator[ra],
        "body_id": act_body[ra],
        "area_id": area_id_a[rar],
        "admin1_id": area_a1_a[rar],
        "admin2_id": area_a2_a[rar],
        "admin3_id": area_a3_a[rar],
        "population_group_id": group_id[rg],
        "status": row_status,
        "modality": modality,
        "girls": bands[:, 0],
        "boys": bands[:, 1],
        "women": bands[:, 2],
        "men": bands[:, 3],
        "older_women": bands[:, 4],
        "older_men": bands[:, 5],
        "total": total_people,
        "with_disability": disability,
        "quantity": quantity,
    }
    _insert(operation, columns, batch_size, progress)
    summaries_invalidate(operation=operation)
    return SyntheticResult(
        operation=operation,
        n_rows=n_rows,
        organisations=n_orgs,
        months=months,
        columns=columns,
    )


def _insert(
    operation: Operation,
    columns: dict[str, np.ndarray],
    batch_size: int,
    progress: Callable[[int, int], None] | None,
) -> None:
    """Insert the rows with one prepared INSERT run by executemany per batch.

    Not bulk_create: on SQLite it can only put ~30 rows of this width in one statement (the
    999-parameter limit) and builds a model instance per row, ~300 µs a row, so a million rows
    took over five minutes; executemany reuses one statement and takes a few µs a row. The values
    are the same that bulk_create would write (timestamps included)."""
    connection = connections[router.db_for_write(ActivityReport)]
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    fixed: dict[str, Any] = {
        "operation_id": operation.pk,
        "implementing_partner_id": None,
        "site": "",
        "site_code": "",
        "site_key": "",
        "latitude": None,
        "longitude": None,
        "start_date": None,
        "end_date": None,
        "project_code": "",
        "project_id": None,
        "created_by_id": None,
        "updated_by_id": None,
        "created_at": now,
        "updated_at": now,
    }
    fields = [f for f in ActivityReport._meta.concrete_fields if not f.primary_key]
    names = [f.attname for f in fields]
    unknown = set(names) - set(fixed) - set(columns)
    if unknown:
        raise RuntimeError(f"synthetic rows miss columns: {sorted(unknown)}")
    table = ops.quote_name(ActivityReport._meta.db_table)
    column_sql = ", ".join(ops.quote_name(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    statement = f"INSERT INTO {table} ({column_sql}) VALUES ({placeholders})"  # noqa: S608
    n_rows = len(columns["total"])
    for begin in range(0, n_rows, batch_size):
        end = min(begin + batch_size, n_rows)
        values: list[list[Any]] = []
        for name in names:
            if name in fixed:
                values.append([fixed[name]] * (end - begin))
                continue
            # tolist() gives Python ints, strings and (for datetime64[D]) dates.
            chunk = columns[name][begin:end].tolist()
            if name == "month":
                chunk = [ops.adapt_datefield_value(m) for m in chunk]
            elif name in ("indicator_id", "admin3_id", "quantity"):
                chunk = [None if v < 0 else v for v in chunk]
            values.append(chunk)
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.executemany(statement, list(zip(*values, strict=True)))
        if progress is not None:
            progress(end, n_rows)


def _csv_value(name: str, value: Any) -> Any:
    if name in NULLABLE and value == -1:
        return ""
    return value


def write_csv(columns: dict[str, np.ndarray], path: str | Path) -> Path:
    """The columns as a CSV file (header = column names, NULL as an empty field)."""
    path = Path(path)
    n_rows = len(columns["total"])
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        step = 100_000
        for begin in range(0, n_rows, step):
            chunk = [columns[name][begin : begin + step].tolist() for name in COLUMNS]
            for values in zip(*chunk, strict=True):
                writer.writerow(
                    [_csv_value(name, v) for name, v in zip(COLUMNS, values, strict=True)]
                )
    return path


def write_parquet(columns: dict[str, np.ndarray], path: str | Path) -> Path:
    """The columns as a Parquet file, written by DuckDB (a development dependency) from a CSV."""
    import tempfile

    import duckdb

    path = Path(path)
    with tempfile.TemporaryDirectory() as tmp:
        source = write_csv(columns, Path(tmp) / "rows.csv")
        connection = duckdb.connect()
        try:
            source_sql = str(source).replace("'", "''")
            target_sql = str(path).replace("'", "''")
            # COPY takes no bound parameters for file names: the paths are quoted instead.
            statement = (
                f"COPY (SELECT * FROM read_csv('{source_sql}', header = true, nullstr = '')) "  # noqa: S608
                f"TO '{target_sql}' (FORMAT parquet)"
            )
            connection.execute(statement)
        finally:
            connection.close()
    return path
