"""What every monitoring aggregate is computed from, and the disclosure control all of them share.

Counted base
------------
An aggregate counts the operation's incidents that were not merged into another record
(`merged_into` empty). GBV incidents are counted only for the organisations that signed a sharing
agreement (`SharingAgreement.shares_gbv_aggregates`) and for the user's own organisation.

Disclosure control: the safe-atom method
----------------------------------------
Every figure follows the safe-atom method of `tutela.core.disclosure_blocks` (read its docstring:
the threat, blocks, whole blocks only, then suppress_table). Here the atoms are the counted
records grouped by month, admin 1, admin 2, main risk, verified or not and the table's own
categories (sex and age band...), and by whether the user may see the records one by one (their
own organisation's; a designated analyst also sees other organisations' non-GBV records); small
groups are pooled across verification status, admin 2, risk, admin 1... (see each selector). The
area, risk and verified-only filters keep the blocks lying wholly inside them (`block_filter`),
so that no combination of views, nested or not (all risks vs all but one, January-March vs
January-April, all vs verified only), yields a count of records the user may not see between 1
and threshold - 1.

A table made only of records the user may see (their own organisation's, or everything for a
server administrator) is shown unsuppressed. The organisation filter offers only the user's own
organisation (any organisation to a server administrator): per-organisation views of other
organisations' records would need the organisation in the atoms, and would withhold nearly
everything.

Zeros are shown: a withheld atom looks exactly like an empty one.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Collection, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from tutela.core.disclosure import SuppressedTable, suppress_table, threshold_for
from tutela.core.disclosure_blocks import POOLED as POOLED
from tutela.core.disclosure_blocks import Atoms as Atoms
from tutela.core.disclosure_blocks import block_predicate
from tutela.core.disclosure_blocks import no_gc_pauses as no_gc_pauses
from tutela.core.models import AdminArea, Operation, Organisation, ProtectionRisk, User
from tutela.monitoring.access import gbv_sharing_organisations, is_analyst
from tutela.monitoring.models import Incident, VerificationStatus


@dataclass(frozen=True)
class AnalysisFilters:
    """What a view is restricted to. Months are first days of months, inclusive."""

    month_from: datetime.date | None = None
    month_to: datetime.date | None = None
    area: AdminArea | None = None
    risk: ProtectionRisk | None = None
    organisation: Organisation | None = None
    verified_only: bool = False

    def with_months(
        self, month_from: datetime.date | None, month_to: datetime.date | None
    ) -> AnalysisFilters:
        return AnalysisFilters(
            month_from=month_from,
            month_to=month_to,
            area=self.area,
            risk=self.risk,
            organisation=self.organisation,
            verified_only=self.verified_only,
        )


def filters_of(value: AnalysisFilters | None) -> AnalysisFilters:
    return value if value is not None else AnalysisFilters()


@dataclass
class Viewer:
    """Who is looking, as the disclosure rules need it."""

    user: Reader
    operation: Operation
    own_organisation_id: int | None
    is_analyst: bool
    sees_everything: bool
    sharing_organisations: frozenset[int]
    threshold: int

    @property
    def gbv_counted_for(self) -> set[int]:
        ids = set(self.sharing_organisations)
        if self.own_organisation_id is not None:
            ids.add(self.own_organisation_id)
        return ids


class PublicationReader:
    """The reader of a published product (PAU, alert e-mailed to other organisations): may see no
    record one by one, so everything counted is disclosure-controlled; GBV incidents are counted
    only for the organisations that share GBV aggregates. Pass `PUBLICATION` as the `user` of a
    selector."""

    is_authenticated = False
    is_superuser = False
    organisation_id = None

    def __repr__(self) -> str:
        return "PUBLICATION"


PUBLICATION = PublicationReader()

# Whom a selector counts for: a signed-in user, or PUBLICATION.
Reader: TypeAlias = User | PublicationReader


def publication_viewer(operation: Operation) -> Viewer:
    return Viewer(
        user=PUBLICATION,
        operation=operation,
        own_organisation_id=None,
        is_analyst=False,
        sees_everything=False,
        sharing_organisations=frozenset(gbv_sharing_organisations(operation)),
        threshold=threshold_for(operation),
    )


def viewer_for(user: Reader, operation: Operation) -> Viewer:
    if isinstance(user, PublicationReader):
        return publication_viewer(operation)
    return Viewer(
        user=user,
        operation=operation,
        own_organisation_id=user.organisation_id,
        is_analyst=is_analyst(user, operation),
        sees_everything=user.is_superuser,
        sharing_organisations=frozenset(gbv_sharing_organisations(operation)),
        threshold=threshold_for(operation),
    )


def organisations_filterable(viewer: Viewer) -> QuerySet[Organisation]:
    """The organisations a user may filter on: their own (any for a server administrator)."""
    queryset = Organisation.objects.filter(operations=viewer.operation).order_by("acronym")
    if viewer.sees_everything:
        return queryset
    return queryset.filter(pk=viewer.own_organisation_id or -1)


def check_filters(viewer: Viewer, filters: AnalysisFilters) -> None:
    if (
        filters.organisation is not None
        and not organisations_filterable(viewer).filter(pk=filters.organisation.pk).exists()
    ):
        raise PermissionDenied


def verified_status_ids(operation: Operation) -> list[int]:
    return list(
        VerificationStatus.objects.filter(operation=operation, is_verified=True).values_list(
            "pk", flat=True
        )
    )


def visible_expression(viewer: Viewer, prefix: str = "") -> Any:
    """SQL boolean: the user may see this record one by one."""
    if viewer.sees_everything:
        return Value(True, output_field=BooleanField())
    conditions = Q()
    if viewer.own_organisation_id is not None:
        conditions |= Q(**{f"{prefix}organisation_id": viewer.own_organisation_id})
    if viewer.is_analyst:
        conditions |= Q(**{f"{prefix}is_gbv": False})
    if not conditions:
        return Value(False, output_field=BooleanField())
    return Case(
        When(conditions, then=Value(True)), default=Value(False), output_field=BooleanField()
    )


def verified_expression(ids: Sequence[int], prefix: str = "") -> Any:
    if not ids:
        return Value(False, output_field=BooleanField())
    return Case(
        When(Q(**{f"{prefix}verification_id__in": list(ids)}), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def counted_incidents_q(
    viewer: Viewer, filters: AnalysisFilters, prefix: str = "", *, pooled: bool = True
) -> Q:
    """The counted base with the view's filters, as a Q on Incident (`prefix` for joins).

    `pooled`: only the period and organisation filters (the others are applied to the blocks,
    after pooling; see the module docstring)."""
    p = prefix
    q = Q(**{f"{p}operation": viewer.operation}, **{f"{p}merged_into__isnull": True})
    q &= Q(**{f"{p}is_gbv": False}) | Q(**{f"{p}organisation_id__in": viewer.gbv_counted_for})
    if filters.month_from:
        q &= Q(**{f"{p}month__gte": filters.month_from})
    if filters.month_to:
        q &= Q(**{f"{p}month__lte": filters.month_to})
    if filters.organisation is not None:
        q &= Q(**{f"{p}organisation": filters.organisation})
    if pooled:
        return q
    if filters.area is not None:
        level = filters.area.level
        if level == 1:
            q &= Q(**{f"{p}admin1": filters.area})
        elif level == 2:
            q &= Q(**{f"{p}admin2": filters.area})
        elif level >= 3:
            q &= Q(**{f"{p}area": filters.area})
    if filters.verified_only:
        q &= Q(**{f"{p}verification_id__in": verified_status_ids(viewer.operation)})
    return q


def counted_incidents(viewer: Viewer, filters: AnalysisFilters) -> QuerySet[Incident]:
    """The counted base in the period (and the user's own organisation if filtered on)."""
    # No default ordering: its columns would join the GROUP BY.
    return Incident.objects.filter(counted_incidents_q(viewer, filters)).order_by()


# --- Atoms and blocks ---


def block_filter(
    filters: AnalysisFilters,
    *,
    admin1: str = "admin1_id",
    admin2: str = "admin2_id",
    risk: str = "primary_risk_id",
    verified: str = "verified",
) -> Callable[[dict[str, Any]], bool] | None:
    """Is a block wholly inside the view's area, risk and verification filters? A block pooled
    across a filtered dimension is not (it is left out of the view, as a whole). None when the
    view has none of these filters (every block is inside)."""
    checks: list[tuple[str, Collection[Any]]] = []
    if filters.area is not None:
        if filters.area.level <= 1:
            checks.append((admin1, [filters.area.pk]))
        else:
            checks.append((admin2, [filters.area.pk]))
    if filters.risk is not None:
        checks.append((risk, [filters.risk.pk]))
    if filters.verified_only:
        checks.append((verified, [True]))
    return block_predicate(checks)


@dataclass
class Table:
    """A disclosure-controlled table of counts (rows × columns, with totals).

    `controlled`: the table holds records the user may not see one by one, so small atoms were
    withheld and the table went through suppress_table; hidden values are None."""

    title: str
    row_keys: list[Hashable]
    row_labels: list[str]
    col_keys: list[Hashable]
    col_labels: list[str]
    cells: list[list[int | None]]
    row_totals: list[int | None]
    col_totals: list[int | None]
    grand_total: int | None
    controlled: bool
    threshold: int
    suppressed_cells: int = 0
    # False where column totals do not add up to anything meaningful (several risks per incident).
    additive_columns: bool = True
    row_header: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    # HXL hashtags of the exports (tutela.core.hxl): the row label column's, and the counts' (each
    # column adds an attribute made from its label: "#event+num+m2026_01").
    row_hxl: str = "#meta+label"
    value_hxl: str = "#indicator+num"

    def rows(self) -> list[tuple[Hashable, str, list[int | None], int | None]]:
        return [
            (key, label, self.cells[i], self.row_totals[i])
            for i, (key, label) in enumerate(zip(self.row_keys, self.row_labels, strict=True))
        ]

    def column(self, index: int = 0) -> list[int | None]:
        return [row[index] for row in self.cells]

    def as_dict(self) -> dict[str, Any]:
        out = self._as_dict()
        grain = self.extra.get("grain") or {}
        if grain.get("coarsened"):
            # Answered at a coarser grain than asked (selectors.incidents.area_grain).
            out["grain"] = {k: grain[k] for k in ("asked", "used", "notice")}
        if "period" in self.extra:
            # A trend's rows: months, or quarters (keyed by their first month).
            out["period"] = self.extra["period"]
        return out

    def _as_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "rows": [
                {"key": _jsonable(k), "label": label, "cells": cells, "total": total}
                for k, label, cells, total in self.rows()
            ],
            "columns": [
                {"key": _jsonable(k), "label": label, "total": total}
                for k, label, total in zip(
                    self.col_keys, self.col_labels, self.col_totals, strict=True
                )
            ],
            "grand_total": self.grand_total,
            "disclosure_controlled": self.controlled,
            "threshold": self.threshold,
            "suppressed_cells": self.suppressed_cells,
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime.date):
        return value.strftime("%Y-%m")
    return value


def build_table(
    *,
    title: str,
    atoms: Atoms,
    row_of: Callable[[dict[str, Any]], Hashable | None],
    col_of: Callable[[dict[str, Any]], Hashable | None],
    row_keys: Sequence[Hashable],
    row_labels: Sequence[str],
    col_keys: Sequence[Hashable],
    col_labels: Sequence[str],
    additive_columns: bool = True,
    row_header: str = "",
    row_dim: str = "",
    col_dim: str = "",
    col_value: Hashable | None = None,
    row_hxl: str = "#meta+label",
    value_hxl: str = "#indicator+num",
) -> Table:
    """Fold the view's blocks into rows × columns (`row_of`/`col_of` of each block; or, faster,
    the block's `row_dim` value and `col_dim` value or constant `col_value`, when given); a
    block pooled across the row (or column) dimension goes to a "pooled small groups" row (or
    column). Then suppress_table when the view holds records the user may not see."""
    row_keys, row_labels = list(row_keys), list(row_labels)
    col_keys, col_labels = list(col_keys), list(col_labels)
    sums = _fold(atoms, row_of, col_of, row_dim=row_dim, col_dim=col_dim, col_value=col_value)
    # For the choice of grain (`grain.py`) and the measurement (bench/bench_pool_share.py),
    # never published: the incidents of the table and the share of them in a pooled row/column.
    incidents = sum(sums.values())
    pooled = sum(n for (r, c), n in sums.items() if r == POOLED or c == POOLED)
    pooled_share = pooled / incidents if incidents else 0.0
    _add_pooled(sums, row_keys, row_labels, col_keys, col_labels)
    values: list[list[int]] = [[sums.get((r, c), 0) for c in col_keys] for r in row_keys]
    controlled = atoms.controlled
    cells, row_totals, col_totals, grand_total, hidden = _totals(
        values, len(col_keys), controlled=controlled, threshold=atoms.threshold
    )
    return Table(
        title=title,
        row_keys=row_keys,
        row_labels=row_labels,
        col_keys=col_keys,
        col_labels=col_labels,
        cells=cells,
        row_totals=row_totals,
        col_totals=col_totals,
        grand_total=grand_total,
        controlled=controlled,
        threshold=atoms.threshold,
        suppressed_cells=hidden,
        additive_columns=additive_columns,
        row_header=row_header,
        row_hxl=row_hxl,
        value_hxl=value_hxl,
        extra={"incidents": incidents, "pooled_share": pooled_share},
    )


Sums = dict[tuple[Hashable, Hashable], int]


def _fold(
    atoms: Atoms,
    row_of: Callable[[dict[str, Any]], Hashable | None],
    col_of: Callable[[dict[str, Any]], Hashable | None],
    *,
    row_dim: str,
    col_dim: str,
    col_value: Hashable | None,
) -> Sums:
    """The view's blocks summed by (row, column): through the blocks' `row_dim` and `col_dim`
    values (or constant `col_value`) when given, else through `row_of`/`col_of` of each block.
    A block with no row or no column is left out."""
    sums: Sums = defaultdict(int)
    if row_dim and col_dim:
        ri, ci = atoms.dims.index(row_dim), atoms.dims.index(col_dim)
        for tkey, n in atoms.tuples():
            r, c = tkey[ri], tkey[ci]
            if r is not None and c is not None:
                sums[(r, c)] += n
    elif row_dim and col_value is not None:
        ri = atoms.dims.index(row_dim)
        for tkey, n in atoms.tuples():
            r = tkey[ri]
            if r is not None:
                sums[(r, col_value)] += n
    else:
        for key, n in atoms.blocks():
            r, c = row_of(key), col_of(key)
            if r is not None and c is not None:
                sums[(r, c)] += n
    return sums


def _add_pooled(
    sums: Sums,
    row_keys: list[Hashable],
    row_labels: list[str],
    col_keys: list[Hashable],
    col_labels: list[str],
) -> None:
    """A "pooled small groups" row (column), last, when a block was pooled across the rows
    (columns)."""
    pooled_label = str(_("Pooled small groups"))
    if any(r == POOLED for r, _c in sums) and POOLED not in row_keys:
        row_keys.append(POOLED)
        row_labels.append(pooled_label)
    if any(c == POOLED for _r, c in sums) and POOLED not in col_keys:
        col_keys.append(POOLED)
        col_labels.append(pooled_label)


def _totals(
    values: list[list[int]], columns: int, *, controlled: bool, threshold: int
) -> tuple[list[list[int | None]], list[Any], list[Any], Any, int]:
    """The cells and totals as published: suppressed (suppress_table) when the view holds
    records the user may not see, as they are otherwise; and how many cells were hidden."""
    if controlled and values and columns:
        suppressed: SuppressedTable = suppress_table(values, threshold=threshold)
        return (
            suppressed.cells,
            suppressed.row_totals,
            suppressed.col_totals,
            suppressed.grand_total,
            suppressed.suppressed_count,
        )
    cells = [list[int | None](row) for row in values]
    row_totals = [sum(row) for row in values]
    col_totals = [sum(row[c] for row in values) for c in range(columns)]
    return cells, row_totals, col_totals, sum(row_totals), 0


# --- Labels and periods ---


def months_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    out = []
    month = first.replace(day=1)
    while month <= last:
        out.append(month)
        month = add_months(month, 1)
    return out


def add_months(month: datetime.date, n: int) -> datetime.date:
    y, m = divmod(month.month - 1 + n, 12)
    return datetime.date(month.year + y, m + 1, 1)


def month_label(month: datetime.date) -> str:
    return month.strftime("%Y-%m")


def risks_of(operation: Operation) -> list[ProtectionRisk]:
    return list(ProtectionRisk.objects.filter(operation=operation).order_by("order", "code"))


def risk_label(risk: ProtectionRisk) -> str:
    return f"{risk.number}. {risk.name}" if risk.number else risk.name
