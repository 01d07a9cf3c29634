"""Reads of the operation directory: organisations, the operation home, coordination structure and
contacts. Every list here fetches its relations up front (no query per row)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from tutela.core.models import (
    AdminArea,
    Body,
    Contact,
    Membership,
    Operation,
    Organisation,
)
from tutela.core.selectors.geography import country_pcodes

# The order bodies appear in, from the national cluster down.
BODY_KIND_ORDER: dict[str, int] = {
    Body.Kind.CLUSTER: 0,
    Body.Kind.SAG: 1,
    Body.Kind.AOR: 2,
    Body.Kind.REGIONAL: 3,
    Body.Kind.TASK_FORCE: 4,
}


def active_membership_q(prefix: str = "", today: datetime.date | None = None) -> Q:
    """Memberships that have not ended (no end date, or an end date today or later)."""
    today = today or timezone.localdate()
    return Q(**{f"{prefix}until__isnull": True}) | Q(**{f"{prefix}until__gte": today})


# --- Organisations -------------------------------------------------------------------------------


def organisation_list(
    operation: Operation, *, q: str = "", type: str = ""
) -> QuerySet[Organisation]:
    """The organisations taking part in the operation, with their number of current memberships
    in the operation's bodies."""
    queryset = (
        Organisation.objects.filter(operations=operation)
        .select_related("country")
        .annotate(
            n_bodies=Count(
                "memberships",
                filter=Q(memberships__body__operation=operation)
                & active_membership_q("memberships__"),
                distinct=True,
            )
        )
        .order_by("acronym")
    )
    q = (q or "").strip()
    if q:
        queryset = queryset.filter(Q(name__icontains=q) | Q(acronym__icontains=q))
    if type:
        queryset = queryset.filter(type=type)
    return queryset


def organisation_get(operation: Operation, pk: int) -> Organisation | None:
    return (
        Organisation.objects.filter(operations=operation, pk=pk).select_related("country").first()
    )


def organisation_memberships(
    operation: Operation, organisation: Organisation
) -> QuerySet[Membership]:
    """The organisation's memberships in the operation's bodies, current ones first."""
    return (
        Membership.objects.filter(body__operation=operation, organisation=organisation)
        .select_related("body", "body__parent")
        .order_by("until", "body__name")
    )


def organisation_led_bodies(operation: Operation, organisation: Organisation) -> QuerySet[Body]:
    return Body.objects.filter(operation=operation).filter(
        Q(lead=organisation) | Q(co_lead=organisation)
    )


# --- Operation home ------------------------------------------------------------------------------


@dataclass
class AreaLevel:
    level: int
    label: str
    count: int


@dataclass
class OperationSummary:
    organisations: int
    organisations_by_type: list[tuple[str, str, int]]
    bodies: int
    bodies_by_kind: list[tuple[str, str, int]]
    nuclear_members: int
    contacts: int
    area_levels: list[AreaLevel] = field(default_factory=list)


def area_levels(operation: Operation) -> list[AreaLevel]:
    """Admin levels below the country with their number of areas, labelled as the operation
    calls them ("Région", "Cercle"...)."""
    rows = (
        AdminArea.objects.filter(country_pcode__in=country_pcodes(operation), level__gte=1)
        .values("level")
        .annotate(n=Count("id"))
        .order_by("level")
    )
    return [
        AreaLevel(level=row["level"], label=operation.level_label(row["level"]), count=row["n"])
        for row in rows
    ]


def operation_summary(operation: Operation) -> OperationSummary:
    """Figures for the cards of the operation home page (a handful of aggregate queries)."""
    type_labels = dict(Organisation.Type.choices)
    by_type = [
        (row["type"], str(type_labels.get(row["type"], row["type"])), row["n"])
        for row in Organisation.objects.filter(operations=operation)
        .values("type")
        .annotate(n=Count("id"))
        .order_by("-n", "type")
    ]
    kind_labels = dict(Body.Kind.choices)
    by_kind = [
        (row["kind"], str(kind_labels.get(row["kind"], row["kind"])), row["n"])
        for row in Body.objects.filter(operation=operation)
        .values("kind")
        .annotate(n=Count("id"))
        .order_by("kind")
    ]
    by_kind.sort(key=lambda item: BODY_KIND_ORDER.get(item[0], 99))
    nuclear = (
        Membership.objects.filter(body__operation=operation, is_nuclear=True)
        .filter(active_membership_q())
        .values("organisation")
        .distinct()
        .count()
    )
    contacts = Contact.objects.filter(operation=operation, is_active=True).count()
    return OperationSummary(
        organisations=sum(n for _code, _label, n in by_type),
        organisations_by_type=by_type,
        bodies=sum(n for _code, _label, n in by_kind),
        bodies_by_kind=by_kind,
        nuclear_members=nuclear,
        contacts=contacts,
        area_levels=area_levels(operation),
    )


# --- Coordination structure ----------------------------------------------------------------------


@dataclass
class BodyNode:
    body: Body
    depth: int
    children: list[BodyNode] = field(default_factory=list)


def _memberships_prefetch(to_attr: str = "member_list") -> Prefetch:
    return Prefetch(
        "memberships",
        queryset=Membership.objects.filter(active_membership_q())
        .select_related("organisation")
        .order_by("role", "organisation__acronym"),
        to_attr=to_attr,
    )


def _body_sort_key(body: Body) -> tuple[int, str]:
    return (BODY_KIND_ORDER.get(body.kind, 99), body.name.lower())


def body_tree(operation: Operation) -> list[BodyNode]:
    """The operation's bodies as a tree (cluster -> AoRs, regional working groups, SAG...).

    Each body carries `member_list` (current memberships with their organisation) and its scope
    areas, fetched in three queries whatever the number of bodies."""
    bodies = list(
        Body.objects.filter(operation=operation)
        .select_related("lead", "co_lead")
        .prefetch_related(
            Prefetch("scope", queryset=AdminArea.objects.only("id", "pcode", "name", "level")),
            _memberships_prefetch(),
        )
    )
    by_id = {body.pk: body for body in bodies}
    children: dict[int | None, list[Body]] = {}
    for body in bodies:
        parent_id = body.parent_id if body.parent_id in by_id else None
        children.setdefault(parent_id, []).append(body)

    def build(parent_id: int | None, depth: int, seen: frozenset[int]) -> list[BodyNode]:
        nodes = []
        for body in sorted(children.get(parent_id, []), key=_body_sort_key):
            if body.pk in seen:
                continue
            node = BodyNode(body=body, depth=depth)
            node.children = build(body.pk, depth + 1, seen | {body.pk})
            nodes.append(node)
        return nodes

    return build(None, 0, frozenset())


def body_get(operation: Operation, pk: int) -> Body | None:
    return (
        Body.objects.filter(operation=operation, pk=pk)
        .select_related("lead", "co_lead", "parent")
        .prefetch_related("scope")
        .first()
    )


def body_memberships(body: Body) -> QuerySet[Membership]:
    """All memberships of a body, current first, then those that ended."""
    return (
        Membership.objects.filter(body=body)
        .select_related("organisation")
        .order_by("until", "role", "organisation__acronym")
    )


def body_children(body: Body) -> QuerySet[Body]:
    return Body.objects.filter(parent=body).select_related("lead", "co_lead")


def nuclear_members(operation: Operation) -> QuerySet[Membership]:
    """Current nuclear memberships: the small core consulted in emergencies."""
    return (
        Membership.objects.filter(body__operation=operation, is_nuclear=True)
        .filter(active_membership_q())
        .select_related("organisation", "body")
        .order_by("organisation__acronym", "body__name")
    )


# --- Contacts ------------------------------------------------------------------------------------


def _pk(value: Any) -> Any:
    return getattr(value, "pk", value)


def contact_list(
    operation: Operation, filters: Mapping[str, Any] | None = None
) -> QuerySet[Contact]:
    """The operation's contacts. Filters: `q` (name, title, organisation), `organisation`,
    `body` (objects or ids), `include_inactive`.

    E-mail and phone are encrypted, so the database cannot search them."""
    filters = filters or {}
    queryset = (
        Contact.objects.filter(operation=operation)
        .select_related("organisation")
        .prefetch_related(Prefetch("bodies", queryset=Body.objects.only("id", "name", "code")))
        .order_by("organisation__acronym", "name", "pk")
    )
    if not filters.get("include_inactive"):
        queryset = queryset.filter(is_active=True)
    q = str(filters.get("q") or "").strip()
    if q:
        queryset = queryset.filter(
            Q(name__icontains=q)
            | Q(title__icontains=q)
            | Q(organisation__acronym__icontains=q)
            | Q(organisation__name__icontains=q)
        )
    if filters.get("organisation"):
        queryset = queryset.filter(organisation=_pk(filters["organisation"]))
    if filters.get("body"):
        queryset = queryset.filter(bodies=_pk(filters["body"])).distinct()
    return queryset


def contact_get(operation: Operation, pk: int) -> Contact | None:
    return (
        Contact.objects.filter(operation=operation, pk=pk)
        .select_related("organisation")
        .prefetch_related("bodies")
        .first()
    )


def body_contacts(body: Body) -> QuerySet[Contact]:
    return body.contacts.filter(is_active=True).select_related("organisation")
