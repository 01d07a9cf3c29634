"""What tables, maps and lists are narrowed to (`Filters`) and applying it to 5W rows."""

from __future__ import annotations

import datetime
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db.models import Model, QuerySet

from tutela.activities.models import Activity, ActivityReport, Submission
from tutela.activities.selectors.visibility import hidden_name_area_ids
from tutela.core.models import AdminArea, Body, Operation, Organisation, PopulationGroup, User
from tutela.core.pcodes import name_key

_M = TypeVar("_M", bound=Model)


@dataclass(frozen=True)
class Filters:
    """What the tables, maps and lists are narrowed to. Months are first days of months."""

    month_from: datetime.date | None = None
    month_to: datetime.date | None = None
    body: Body | None = None
    activity: Activity | None = None
    organisation: Organisation | None = None
    area: AdminArea | None = None
    population_group: PopulationGroup | None = None
    status: str = ""
    # A site as the user writes it: its code or its name (matched on ActivityReport.site_key).
    site: str = ""
    validated_only: bool = False

    @classmethod
    def of(cls, value: Filters | Mapping[str, Any] | None) -> Filters:
        if isinstance(value, Filters):
            return value
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in (value or {}).items() if k in known and v is not None})


def site_keys(site: str) -> list[str]:
    """The site keys (ActivityReport.site_key) a site written by the user may stand for: a code
    (kept upper case) or a name (compared without case, accents or punctuation)."""
    return sorted({site.strip().upper()[:200], (name_key(site) or site.strip().lower())[:200]})


def body_ids_within(operation: Operation, body: Body) -> list[int]:
    """A body and the bodies below it (a cluster includes its AoRs)."""
    parents = dict(Body.objects.filter(operation=operation).values_list("pk", "parent_id"))
    found = {body.pk}
    changed = True
    while changed:
        changed = False
        for pk, parent_id in parents.items():
            if parent_id in found and pk not in found:
                found.add(pk)
                changed = True
    return sorted(found)


def apply_scope_filters(
    rows: QuerySet[_M],
    operation: Operation,
    filters: Filters,
    *,
    unnamed_areas: Collection[int] = (),
    summary: bool = False,
) -> QuerySet[_M]:
    """The body, activity, organisation, area and population group filters, on 5W rows or on
    summary rows (`summary`) alike (both have these columns).

    `unnamed_areas`: where partner names are hidden from the user (`organisation_filter_hidden`).
    The organisation filter leaves those areas out: a partner hidden there as "not named" in
    every table would be named again by filtering on it (its rows in the area would show)."""
    if filters.body is not None:
        rows = rows.filter(body_id__in=body_ids_within(operation, filters.body))
    if filters.activity is not None:
        rows = rows.filter(activity_id=filters.activity.pk)
    if filters.organisation is not None:
        rows = rows.filter(organisation_id=filters.organisation.pk)
        if unnamed_areas:
            # Summary rows carry whether their partner may be named (computed from the same
            # areas); 5W rows their area.
            rows = (
                rows.filter(named=True)
                if summary
                else rows.exclude(area_id__in=sorted(unnamed_areas))
            )
    if filters.area is not None:
        level = filters.area.level
        if 1 <= level <= 3:
            rows = rows.filter(**{f"admin{level}_id": filters.area.pk})
        else:
            rows = rows.filter(area_id=filters.area.pk)
    if filters.population_group is not None:
        rows = rows.filter(population_group_id=filters.population_group.pk)
    return rows


def organisation_filter_hidden(user: User, operation: Operation, filters: Filters) -> set[int]:
    """The areas an organisation filter must leave out for `user`: where partner names are
    hidden from them, unless the filter is on their own organisation (none without an
    organisation filter)."""
    organisation = filters.organisation
    if organisation is None or organisation.pk == getattr(user, "organisation_id", None):
        return set()
    return hidden_name_area_ids(user, operation)


def apply_filters(
    rows: QuerySet[ActivityReport], operation: Operation, filters: Filters, *, user: User
) -> QuerySet[ActivityReport]:
    """The filters on 5W rows, as `user` may apply them (see `apply_scope_filters`)."""
    if filters.month_from:
        rows = rows.filter(month__gte=filters.month_from)
    if filters.month_to:
        rows = rows.filter(month__lte=filters.month_to)
    rows = apply_scope_filters(
        rows,
        operation,
        filters,
        unnamed_areas=organisation_filter_hidden(user, operation, filters),
    )
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.site:
        rows = rows.filter(site_key__in=site_keys(filters.site))
    if filters.validated_only:
        rows = rows.filter(submission__status=Submission.Status.VALIDATED)
    return rows
