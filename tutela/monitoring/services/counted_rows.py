"""Adding signed counts to a pre-aggregated table keyed by dimension columns (the incident summary
and the counted atoms): rows are created, updated, or deleted when they reach zero."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any

from django.db.models import Model

# The months of a rebuild's chunk: (after, through), each None for no bound (the first and the
# last chunk are open, so that a month written during the rebuild is inside one of them).
MonthRange = tuple[datetime.date | None, datetime.date | None]


def month_where(months: MonthRange) -> tuple[str, list[Any]]:
    """SQL (` AND …`) and parameters limiting a query to the months of a chunk."""
    after, through = months
    sql, params = "", []
    if after is not None:
        sql += " AND month > %s"
        params.append(after)
    if through is not None:
        sql += " AND month <= %s"
        params.append(through)
    return sql, params


def month_filter(months: MonthRange) -> dict[str, datetime.date]:
    """The same as ORM filter arguments."""
    after, through = months
    found: dict[str, datetime.date] = {}
    if after is not None:
        found["month__gt"] = after
    if through is not None:
        found["month__lte"] = through
    return found


def counts_apply(
    model: type[Model],
    *,
    operation_id: int,
    key_fields: Sequence[str],
    count_fields: Sequence[str],
    deltas: Mapping[tuple[Any, ...], Sequence[int]],
) -> None:
    """Add `deltas` ({key over `key_fields`: amounts for `count_fields`}) to the operation's rows
    of `model`. A row whose first count reaches zero is deleted; a count going below zero means
    the table is out of step with what it summarises (RuntimeError, the transaction is undone).
    The caller holds the lock of the operation row. Keys start with the month; the fourth field is
    the main risk (both narrow the read of existing rows)."""
    if not deltas:
        return
    existing: dict[tuple[Any, ...], Any] = {}
    for stored in model._default_manager.filter(
        operation_id=operation_id,
        month__in={k[0] for k in deltas},
        primary_risk_id__in={k[3] for k in deltas},
    ):
        existing[tuple(getattr(stored, name) for name in key_fields)] = stored
    new: list[Any] = []
    changed: list[Any] = []
    emptied: list[int] = []
    for key, amounts in deltas.items():
        row: Any = existing.get(key)
        if row is None:
            row = model(operation_id=operation_id, **dict(zip(key_fields, key, strict=True)))
            for name in count_fields:
                setattr(row, name, 0)
        for name, amount in zip(count_fields, amounts, strict=True):
            setattr(row, name, getattr(row, name) + amount)
        if any(getattr(row, name) < 0 for name in count_fields):
            raise RuntimeError(f"{model._meta.verbose_name} out of step at {key}")
        if row.pk is None:
            new.append(row)
        elif getattr(row, count_fields[0]) == 0:
            emptied.append(row.pk)
        else:
            changed.append(row)
    if emptied:
        model._default_manager.filter(pk__in=emptied).delete()
    if changed:
        model._default_manager.bulk_update(changed, list(count_fields), batch_size=500)
    if new:
        model._default_manager.bulk_create(new, batch_size=500)
