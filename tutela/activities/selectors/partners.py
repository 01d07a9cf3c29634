"""Partner presence per admin area (who works where)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.db.models.functions import Coalesce

from tutela.activities.models import SummaryState
from tutela.activities.selectors.filters import Filters, apply_filters
from tutela.activities.selectors.summary_tables import summary_rows, summary_state
from tutela.activities.selectors.visibility import hidden_name_area_ids, visible_rows
from tutela.core.models import AdminArea, Body, Operation, Organisation, User
from tutela.core.selectors import country_pcodes


def area_level_field(level: int) -> str:
    if level not in (1, 2, 3):
        raise ValueError("level must be 1, 2 or 3")
    return f"admin{level}_id"


@dataclass
class AreaPresence:
    area_id: int
    pcode: str
    name: str
    parent_pcode: str
    partners: int
    # None where names are hidden (insecure area): the count alone is shown.
    organisations: list[str] | None


@dataclass
class PresenceResult:
    level: int
    areas: list[AreaPresence]
    hidden_areas: int

    @property
    def with_partners(self) -> list[AreaPresence]:
        return [a for a in self.areas if a.partners]


def level_areas(operation: Operation, level: int) -> list[dict[str, Any]]:
    return [
        dict(area)
        for area in AdminArea.objects.filter(
            country_pcode__in=country_pcodes(operation), level=level
        )
        .order_by("pcode")
        .values("pk", "pcode", "name", "parent__pcode")
    ]


def partner_source(
    state: SummaryState | None, user: User, operation: Operation, filters: Filters, level: int
) -> QuerySet[Any] | None:
    """Monthly summary rows that can stand for the 5W rows in partner_pairs, if any."""
    summary = summary_rows(
        state=state,
        user=user,
        operation=operation,
        filters=filters,
        dims=[],
        rule="",
        columns=[area_level_field(level), "organisation_id", "implementing_partner_id"],
        monthly=True,
    )
    return summary.rows if summary is not None else None


def partner_pairs(rows: QuerySet[Any], level: int) -> dict[int, set[int]]:
    """area id -> the partners working there: the implementing partner where one is named,
    the reporting organisation otherwise."""
    pairs = (
        rows.filter(**{f"{area_level_field(level)}__isnull": False})
        .annotate(partner=Coalesce("implementing_partner_id", "organisation_id"))
        .values_list(area_level_field(level), "partner")
        .distinct()
        .order_by()
    )
    by_area: dict[int, set[int]] = {}
    for area_id, partner_id in pairs:
        by_area.setdefault(area_id, set()).add(partner_id)
    return by_area


def presence(
    *,
    user: User,
    operation: Operation,
    level: int,
    body: Body | None = None,
    month_from: datetime.date | None = None,
    month_to: datetime.date | None = None,
    filters: Filters | Mapping[str, Any] | None = None,
    use_summaries: bool = True,
) -> PresenceResult:
    """Per admin area of `level`: the number of partners and their acronyms (acronyms left out in
    insecure areas for everyone but managers)."""
    base = Filters.of(filters)
    filters = Filters(
        **{
            **base.__dict__,
            "body": body or base.body,
            "month_from": month_from or base.month_from,
            "month_to": month_to or base.month_to,
        }
    )
    rows = apply_filters(visible_rows(user, operation), operation, filters, user=user)
    state = summary_state(operation) if use_summaries else None
    source = partner_source(state, user, operation, filters, level)
    by_area = partner_pairs(source if source is not None else rows, level)
    acronyms = dict(
        Organisation.objects.filter(
            pk__in={p for partners in by_area.values() for p in partners}
        ).values_list("pk", "acronym")
    )
    hidden_ids = hidden_name_area_ids(user, operation)
    areas = []
    hidden = 0
    for area in level_areas(operation, level):
        partners = by_area.get(area["pk"], set())
        names: list[str] | None = sorted(acronyms.get(p, "?") for p in partners)
        if area["pk"] in hidden_ids:
            names = None
            hidden += 1
        areas.append(
            AreaPresence(
                area_id=area["pk"],
                pcode=area["pcode"],
                name=area["name"],
                parent_pcode=area["parent__pcode"] or "",
                partners=len(partners),
                organisations=names,
            )
        )
    return PresenceResult(level=level, areas=areas, hidden_areas=hidden)
