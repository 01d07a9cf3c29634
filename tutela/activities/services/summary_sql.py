"""The SQL of a 5W summary rebuild (services.summaries): INSERT ... SELECT ... GROUP BY statements,
window functions for the picks of the cumulative rule, portable to SQLite >= 3.30 and PostgreSQL.
Table and column names come from the models (quoted); values are bound parameters."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections, router

from tutela.activities.models import (
    Activity,
    ActivityReport,
    ActivitySettings,
    MonthlySummary,
    PickedSummary,
    Submission,
)
from tutela.activities.models.summary_grains import (
    KEY_COLUMNS,
    MEASURE_COLUMNS,
    PICK_COLUMNS,
    Grain,
)
from tutela.core.models import Operation

# A slice of a table: (column, values) pairs, all of them met (NULL among the values included).
Where = Sequence[tuple[str, Sequence[Any] | None]]


class SummaryBuilder:
    """The SQL of one rebuild. Table and column names come from the models (quoted); values are
    bound parameters."""

    def __init__(
        self, operation: Operation, rule: str, hidden: set[int], *, target: int | None = None
    ) -> None:
        self.operation = operation
        # The operation id the new summary rows are written under (the staging id of a chunked
        # rebuild), and read back from for the coarser grains.
        self.target = operation.pk if target is None else target
        self.rule = rule
        self.hidden = sorted(hidden)
        # A list of the few sensitive activities rather than a join with the activities: the
        # join costs a third of a rebuild on SQLite.
        self.sensitive = sorted(
            Activity.objects.filter(operation=operation, is_sensitive=True).values_list(
                "pk", flat=True
            )
        )
        self.connection = connections[router.db_for_write(MonthlySummary)]
        self.q = self.connection.ops.quote_name

    def table(self, model: type) -> str:
        return self.q(model._meta.db_table)  # type: ignore[attr-defined]

    def run(self, sql: str, params: Sequence[Any]) -> int:
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return max(cursor.rowcount, 0)

    def insert(self, model: type, columns: Sequence[str], select: str, params: list[Any]) -> int:
        names = ", ".join(self.q(c) for c in columns)
        return self.run(f"INSERT INTO {self.table(model)} ({names}) {select}", params)  # noqa: S608

    def _member(self, column: str, values: list[int], *, then: bool) -> tuple[str, list[Any]]:
        """SQL for "column IN values" (`then`) or "NOT IN", as a boolean expression."""
        if not values:
            return ("FALSE" if then else "TRUE"), []
        yes, no = ("TRUE", "FALSE") if then else ("FALSE", "TRUE")
        marks = ", ".join(["%s"] * len(values))
        return f"CASE WHEN {column} IN ({marks}) THEN {yes} ELSE {no} END", list(values)

    def named(self, alias: str) -> tuple[str, list[Any]]:
        """The row's area is not one where partner names are hidden."""
        return self._member(f"{alias}.{self.q('area_id')}", self.hidden, then=False)

    def is_sensitive(self, alias: str) -> tuple[str, list[Any]]:
        return self._member(f"{alias}.{self.q('activity_id')}", self.sensitive, then=True)

    def chunk(self, column: str, values: Sequence[Any] | None) -> tuple[str, list[Any]]:
        """ " AND column IN (values)" (NULL among them included); nothing for a whole grain."""
        if values is None:
            return "", []
        present = [v for v in values if v is not None]
        parts = []
        if present:
            parts.append(f"{column} IN ({', '.join(['%s'] * len(present))})")
        if len(present) < len(values):
            parts.append(f"{column} IS NULL")
        return f" AND ({' OR '.join(parts) or 'FALSE'})", present

    def within(self, where: Where, alias: str = "") -> tuple[str, list[Any]]:
        """ " AND column IN (values) AND ..." for a slice ({column: values}) of a table."""
        prefix = f"{alias}." if alias else ""
        sql, params = "", []
        for column, values in where:
            part, part_params = self.chunk(f"{prefix}{self.q(column)}", values)
            sql += part
            params += part_params
        return sql, params

    def source(
        self, column: str = "", values: Sequence[Any] | None = None, where: Where = ()
    ) -> tuple[str, list[object]]:
        """FROM clause: the operation's 5W rows with their submission (those whose `column` is
        among `values` for a chunk, within the slice `where`)."""
        q = self.q
        condition, params = self.within([*(((column, values),) if column else ()), *where], "r")
        sql = (
            f"{self.table(ActivityReport)} r "
            f"INNER JOIN {self.table(Submission)} s ON s.{q('id')} = r.{q('submission_id')} "
            f"WHERE r.{q('operation_id')} = %s{condition}"
        )
        return sql, [self.operation.pk, *params]

    # Monthly sums.

    def monthly_from_rows(
        self, grain: Grain, months: Sequence[Any] | None = None, where: Where = ()
    ) -> int:
        q = self.q
        named, named_params = self.named("r")
        sensitive, sensitive_params = self.is_sensitive("r")
        dims = ["month", *grain.columns]
        select = [f"r.{q(c)}" for c in dims]
        select += [
            f"(s.{q('status')} = %s)",
            sensitive,
            named,
            "COUNT(*)",
            *(f"SUM(r.{q(m)})" for m in MEASURE_COLUMNS),
            "%s",
            "%s",
        ]
        source, source_params = self.source("month", months, where)
        grouped = ", ".join(str(i) for i in range(1, len(dims) + 4))
        sql = f"SELECT {', '.join(select)} FROM {source} GROUP BY {grouped}"  # noqa: S608
        params = [
            Submission.Status.VALIDATED,
            *sensitive_params,
            *named_params,
            self.target,
            grain.name,
            *source_params,
        ]
        columns = [*dims, "validated", "sensitive", "named", "rows", *MEASURE_COLUMNS]
        return self.insert(MonthlySummary, [*columns, "operation_id", "grain"], sql, params)

    def monthly_from_grain(
        self, grain: Grain, months: Sequence[Any] | None = None, where: Where = ()
    ) -> int:
        q = self.q
        dims = ["month", *grain.columns, "validated", "sensitive", "named"]
        select = [q(c) for c in dims]
        select += [f"SUM({q(m)})" for m in ("rows", *MEASURE_COLUMNS)] + ["%s", "%s"]
        grouped = ", ".join(str(i) for i in range(1, len(dims) + 1))
        condition, chunk_params = self.within([("month", months), *where])
        sql = (
            f"SELECT {', '.join(select)} FROM {self.table(MonthlySummary)} "  # noqa: S608
            f"WHERE {q('operation_id')} = %s AND {q('grain')} = %s{condition} GROUP BY {grouped}"
        )
        params = [self.target, grain.name, self.target, grain.source, *chunk_params]
        columns = [*dims, "rows", *MEASURE_COLUMNS, "operation_id", "grain"]
        return self.insert(MonthlySummary, columns, sql, params)

    # Picks of the cumulative rule.

    def order(self, alias: str) -> str:
        q = self.q
        if self.rule == ActivitySettings.CumulativeRule.LATEST:
            return f"{alias}.{q('month')} DESC, {alias}.{q('id')} DESC"
        return (
            f"{alias}.{q('total')} DESC, {alias}.{q('quantity')} DESC NULLS LAST, "
            f"{alias}.{q('month')} DESC"
        )

    def picks_from_rows(self, organisations: Sequence[Any] | None = None, where: Where = ()) -> int:
        """Grain p0, from the 5W rows in one pass.

        Per key and indicator (the "_ki" flags), ordered by the rule: the pick over all rows is
        the first row; the pick over validated rows is the first validated one (the running count
        of validated rows is 1 there). Per key: the best of its per-indicator picks, found the
        same way over those few rows. The order is total within a key (its months differ), so the
        picks are the ones the selectors' window function makes."""
        q = self.q
        named, named_params = self.named("r")
        sensitive, sensitive_params = self.is_sensitive("r")
        # A chunk holds whole keys: the organisation is part of every key.
        source, source_params = self.source("organisation_id", organisations, where)
        key = ", ".join(f"{{t}}.{q(c)}" for c in KEY_COLUMNS)
        key_r, key_c = key.format(t="r"), key.format(t="c")
        running = "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"
        validated = f"(s.{q('status')} = %s)"
        # The site is part of the key (two sites are two places); p0 keeps it for the hidden
        # rows' disclosure atoms (selectors.disclosure).
        row_columns = ["id", "month", *PICK_COLUMNS, "site_key", *MEASURE_COLUMNS]
        inner = (
            f"SELECT {', '.join(f'r.{q(c)}' for c in row_columns)}, "  # noqa: S608
            f"{validated} AS v, {sensitive} AS sens, {named} AS nm, "
            "ROW_NUMBER() OVER w AS rn_a, "
            f"SUM(CASE WHEN {validated} THEN 1 ELSE 0 END) OVER (w {running}) AS cv "
            f"FROM {source} "
            f"WINDOW w AS (PARTITION BY {key_r}, r.{q('indicator_id')} "
            f"ORDER BY {self.order('r')})"
        )
        a_ki = "(c.rn_a = 1)"
        v_ki = "(c.v AND c.cv = 1)"
        middle = (
            f"SELECT c.*, {a_ki} AS a_ki, {v_ki} AS v_ki, "  # noqa: S608
            f"SUM(CASE WHEN {a_ki} THEN 1 ELSE 0 END) OVER (w2 {running}) AS ca2, "
            f"SUM(CASE WHEN {v_ki} THEN 1 ELSE 0 END) OVER (w2 {running}) AS cv2 "
            f"FROM ({inner}) c WHERE {a_ki} OR {v_ki} "
            f"WINDOW w2 AS (PARTITION BY {key_c} ORDER BY {self.order('c')})"
        )
        columns = ["month", *PICK_COLUMNS, "site_key", *MEASURE_COLUMNS]
        select = [f"d.{q(c)}" for c in columns] + [
            "d.sens",
            "d.nm",
            "(d.a_ki AND d.ca2 = 1)",
            "(d.v_ki AND d.cv2 = 1)",
            "d.a_ki",
            "d.v_ki",
            "%s",
            "%s",
        ]
        sql = f"SELECT {', '.join(select)} FROM ({middle}) d"  # noqa: S608
        # Bound parameters in textual order: operation and grain (outer select list), the status,
        # the sensitive activities, the hidden areas and the status again (inner select list),
        # the operation (WHERE).
        params = [
            self.target,
            "p0",
            Submission.Status.VALIDATED,
            *sensitive_params,
            *named_params,
            Submission.Status.VALIDATED,
            *source_params,
        ]
        flags = ["sensitive", "named", "in_all", "in_validated", "in_all_ki", "in_validated_ki"]
        return self.insert(PickedSummary, [*columns, *flags, "operation_id", "grain"], sql, params)

    def picks_from_grain(
        self, grain: Grain, values: Sequence[Any] | None = None, where: Where = ()
    ) -> int:
        """Sums of the picks of one kind (all / validated) by the grain's columns (for a chunk:
        those whose `chunk_column(grain)` is among `values`; within the slice `where`)."""
        q = self.q
        condition, chunk_params = self.within([(chunk_column(grain), values), *where])
        dims = [*grain.columns, "sensitive", "named"]
        grouped = ", ".join(str(i) for i in range(1, len(dims) + 1))
        count = 0
        for flag, flags in (("in_all", "TRUE, FALSE"), ("in_validated", "FALSE, TRUE")):
            select = [q(c) for c in dims]
            select += [flags, "FALSE", "FALSE"]
            select += [f"SUM({q(m)})" for m in MEASURE_COLUMNS] + ["%s", "%s"]
            sql = (
                f"SELECT {', '.join(select)} FROM {self.table(PickedSummary)} "  # noqa: S608
                f"WHERE {q('operation_id')} = %s AND {q('grain')} = %s AND {q(flag)}{condition} "
                f"GROUP BY {grouped}"
            )
            params = [self.target, grain.name, self.target, grain.source, *chunk_params]
            columns = [
                *dims,
                "in_all",
                "in_validated",
                "in_all_ki",
                "in_validated_ki",
                *MEASURE_COLUMNS,
                "operation_id",
                "grain",
            ]
            count += self.insert(PickedSummary, columns, sql, params)
        return count

    def delete(self, model: type, grain: Grain, where: Where = ()) -> int:
        """Delete a grain's summary rows (within the slice `where`), stored under the target."""
        q = self.q
        sql, params = self.within(where)
        return self.run(
            f"DELETE FROM {self.table(model)} "  # noqa: S608
            f"WHERE {q('operation_id')} = %s AND {q('grain')} = %s{sql}",
            [self.target, grain.name, *params],
        )


def chunk_column(grain: Grain) -> str:
    """The column a pick grain is built by in chunks: the organisation, or else admin 1."""
    return "organisation_id" if "organisation_id" in grain.columns else "admin1_id"
