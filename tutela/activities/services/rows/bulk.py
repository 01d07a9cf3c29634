"""The batched SQL of a 5W save: INSERT of new rows and UPDATE of changed ones by batch, the
submissions created for (round, organisation), and the referenced rows locked FOR KEY SHARE."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from operator import attrgetter
from typing import Any

from django.db import connection

from tutela.activities.models import (
    Activity,
    ActivityReport,
    Indicator,
    Submission,
)
from tutela.activities.services.summaries import MEASURE_COLUMNS
from tutela.activities.validation import (
    VALUE_FIELDS,
    CleanRow,
)
from tutela.core.models import (
    AdminArea,
    Body,
    Operation,
    Organisation,
    PopulationGroup,
)

BATCH_SIZE = 2000
# The report's own values (no relation), in column order: the API, the exports and the INSERT of
# new rows list them alike.
REPORT_VALUE_FIELDS = (
    "status",
    "modality",
    "start_date",
    "end_date",
    *MEASURE_COLUMNS,
    "project_code",
)
# Columns written for a new row, in order (audit columns and timestamps added in `insert_rows`).
INSERT_FIELDS = (
    "operation_id",
    "submission_id",
    "organisation_id",
    "month",
    "implementing_partner_id",
    "activity_id",
    "indicator_id",
    "body_id",
    "area_id",
    "admin1_id",
    "admin2_id",
    "admin3_id",
    "site",
    "site_code",
    "site_key",
    "latitude",
    "longitude",
    "population_group_id",
    *REPORT_VALUE_FIELDS,
    "project_id",
)
DATE_FIELDS = frozenset({"month", "start_date", "end_date"})


def _column(name: str) -> str:
    column = getattr(ActivityReport._meta.get_field(name.removesuffix("_id")), "column", None)
    return str(column or name)


def insert_rows(rows: list[CleanRow], *, operation_id: int, user_id: int | None, now: Any) -> None:
    """INSERT the new rows, many per statement on SQLite (binary COPY on PostgreSQL): building
    100,000 model instances for bulk_create costs more than checking the rows does."""
    if not rows:
        return
    ops = connection.ops
    quote = ops.quote_name
    names = [_column(n) for n in INSERT_FIELDS] + [
        _column("created_by"),
        _column("updated_by"),
        "created_at",
        "updated_at",
    ]
    # Table and column names come from the model, never from input.
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        quote(ActivityReport._meta.db_table),
        ", ".join(quote(n) for n in names),
        ", ".join(["%s"] * len(names)),
    )
    # Values in INSERT_FIELDS order, operation_id aside.
    pick = attrgetter(*INSERT_FIELDS[1:])
    # In natural-key order, the unique index grows at its end: faster inserts.
    rows = sorted(rows, key=_sort_key)
    if connection.vendor == "postgresql":
        # COPY: one statement for all the rows, instead of one INSERT each.
        # Binary COPY: the server reads each value as it is, without parsing text (a fifth
        # less time for 100,000 rows); text when a column's type has no binary name here.
        types = _copy_types(names)
        copy_sql = "COPY {} ({}) FROM STDIN{}".format(
            quote(ActivityReport._meta.db_table),
            ", ".join(quote(n) for n in names),
            " (FORMAT BINARY)" if types else "",
        )
        tail = (user_id, user_id, now, now)
        # Errors of the raw cursor become Django's (IntegrityError...), as for the other paths.
        with (
            connection.cursor() as cursor,
            connection.wrap_database_errors,
            cursor.cursor.copy(copy_sql) as copy,
        ):
            if types:
                copy.set_types(types)
            for item in rows:
                copy.write_row((operation_id, *pick(item), *tail))
        return
    stamp = ops.adapt_datetimefield_value(now)
    adapt_date = _date_adapter()
    date_positions = [i for i, n in enumerate(INSERT_FIELDS[1:]) if n in DATE_FIELDS]
    tail = (user_id, user_id, stamp, stamp)
    # Many rows per INSERT ... VALUES (...), (...): SQLite runs one statement for them instead
    # of one per row (executemany), about a third less time per row. Through the DB-API
    # connection, in this transaction: Django's cursor rewrites each statement's placeholders
    # (a regular expression over the whole SQL), which costs more than the INSERT itself at
    # tens of thousands of placeholders.
    per = _rows_per_insert(len(names))
    one = "({})".format(", ".join(["?"] * len(names)))
    single_sql = sql.replace("%s", "?")
    many_sql = single_sql.rsplit(" VALUES ", 1)[0] + " VALUES " + ", ".join([one] * per)
    connection.ensure_connection()
    raw = connection.connection
    with connection.wrap_database_errors:
        for start in range(0, len(rows), per):
            part = rows[start : start + per]
            params = []
            for item in part:
                values = list(pick(item))
                for position in date_positions:
                    values[position] = adapt_date(values[position])
                params.append((operation_id, *values, *tail))
            if len(part) == per:
                raw.execute(many_sql, [value for row in params for value in row])
            else:
                raw.executemany(single_sql, params)


# PostgreSQL column types (Django's db_type, without a length) by their name for binary COPY.
_BINARY_TYPES = {
    "bigint": "int8",
    "integer": "int4",
    "smallint": "int2",
    "double precision": "float8",
    "varchar": "text",
    "text": "text",
    "date": "date",
    "timestamp with time zone": "timestamptz",
    "boolean": "bool",
}


def _copy_types(names: list[str]) -> list[str]:
    """The binary COPY type of each column, or [] when one has none here (text COPY then)."""
    by_column = {f.column: f for f in ActivityReport._meta.concrete_fields}
    types = []
    for name in names:
        kind = (by_column[name].db_type(connection) or "").split("(")[0].strip()
        if kind not in _BINARY_TYPES:
            return []
        types.append(_BINARY_TYPES[kind])
    return types


def _rows_per_insert(columns: int) -> int:
    """Rows of one multi-row INSERT on SQLite: up to 500, within its limit on parameters (999
    in old builds, 250,000 here)."""
    limit = 999
    raw = connection.connection
    if raw is not None and hasattr(raw, "getlimit"):
        limit = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return max(1, min(500, limit // columns))


def _sort_key(item: CleanRow) -> tuple[Any, ...]:
    return item.key


def _date_adapter() -> Any:
    """connection.ops.adapt_datefield_value, cached per date (rows repeat the same few)."""
    adapt = connection.ops.adapt_datefield_value
    cache: dict[Any, Any] = {None: None}

    def adapted(value: Any) -> Any:
        try:
            return cache[value]
        except KeyError:
            cache[value] = found = adapt(value)
            return found

    return adapted


def update_rows(rows: list[CleanRow], *, user_id: int | None, now: Any) -> None:
    """UPDATE the changed rows by id, in batches."""
    if not rows:
        return
    ops = connection.ops
    quote = ops.quote_name
    fields = [n for n in VALUE_FIELDS]
    assignments = [f"{quote(_column(n))} = %s" for n in fields]
    assignments += [f"{quote(_column('updated_by'))} = %s", f"{quote('updated_at')} = %s"]
    sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608
        quote(ActivityReport._meta.db_table), ", ".join(assignments), quote("id")
    )
    stamp = ops.adapt_datetimefield_value(now)
    adapt_date = _date_adapter()
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH_SIZE):
            params = []
            for item in rows[start : start + BATCH_SIZE]:
                values = [
                    adapt_date(getattr(item, n)) if n in DATE_FIELDS else getattr(item, n)
                    for n in fields
                ]
                params.append([*values, user_id, stamp, item.existing_id])
            cursor.executemany(sql, params)


# The rows a 5W row refers to (ActivityReport has no foreign-key constraints: see the model).
_REFERENCED = (
    ("activity_id", Activity),
    ("area_id", AdminArea),
    ("organisation_id", Organisation),
    ("population_group_id", PopulationGroup),
    ("body_id", Body),
    ("implementing_partner_id", Organisation),
    ("indicator_id", Indicator),
    ("admin1_id", AdminArea),
    ("admin2_id", AdminArea),
    ("admin3_id", AdminArea),
)


def lock_referenced(
    rows: list[CleanRow], *, operation_id: int, submission_ids: Iterable[int]
) -> None:
    """Hold a FOR KEY SHARE lock, until the transaction ends, on every row the written rows refer
    to (once per distinct value, where a foreign-key constraint would check every row): nobody
    can delete them meanwhile, and the checks made before writing stay true. SQLite needs none:
    a writing transaction holds the whole database."""
    if connection.vendor != "postgresql" or not rows:
        return
    wanted: dict[str, set[int]] = defaultdict(set)
    for attribute, model in _REFERENCED:
        table = model._meta.db_table
        wanted[table].update(v for v in (getattr(r, attribute) for r in rows) if v is not None)
    wanted[Operation._meta.db_table].add(operation_id)
    wanted[Submission._meta.db_table].update(submission_ids)
    with connection.cursor() as cursor:
        for table, ids in wanted.items():
            if ids:
                cursor.execute(
                    f"SELECT 1 FROM {connection.ops.quote_name(table)} "  # noqa: S608 - table names from the models
                    "WHERE id = ANY(%s) FOR KEY SHARE",
                    [sorted(ids)],
                )


def ensure_submissions(clean: list[CleanRow], *, now: Any) -> dict[tuple[int, int], int]:
    """The submission of every (round, organisation) pair, created as drafts where missing."""
    pairs = {(r.round_id, r.organisation_id) for r in clean}
    if not pairs:
        return {}

    def existing() -> dict[tuple[int, int], int]:
        return {
            (round_id, org_id): pk
            for pk, round_id, org_id in Submission.objects.filter(
                round_id__in={p[0] for p in pairs}, organisation_id__in={p[1] for p in pairs}
            ).values_list("id", "round_id", "organisation_id")
        }

    found = existing()
    # Sorted: created in the same order whatever the set's (a run's ids decide it).
    missing = sorted(p for p in pairs if p not in found)
    if missing:
        Submission.objects.bulk_create(
            [
                Submission(
                    round_id=round_id, organisation_id=org_id, status=Submission.Status.DRAFT
                )
                for round_id, org_id in missing
            ],
            ignore_conflicts=True,
        )
        found = existing()
    return found
