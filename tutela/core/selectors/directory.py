"""Reads of the operation directory: organisations, coordination structure, contacts, admin areas
and the audit log. Every list here fetches its relations up front (no query per row)."""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from tutela.core import access
from tutela.core.models import (
    AdminArea,
    AuditEntry,
    Body,
    Contact,
    Membership,
    Operation,
    Organisation,
)

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


def country_pcodes(operation: Operation) -> list[str]:
    return list(operation.countries.values_list("pcode", flat=True))


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


# --- Geography -----------------------------------------------------------------------------------


def areas_for_operation(
    operation: Operation, *, level: int, parent_pcode: str = ""
) -> QuerySet[AdminArea]:
    """The admin areas of one level within the operation's countries (optionally below one
    parent area, at any depth)."""
    queryset = AdminArea.objects.filter(
        country_pcode__in=country_pcodes(operation), level=level
    ).select_related("parent")
    if parent_pcode:
        # Walk up the parent links rather than trusting P-code prefixes.
        below = Q()
        for depth in range(1, 6):
            below |= Q(**{"__".join(["parent"] * depth) + "__pcode": parent_pcode})
        queryset = queryset.filter(below)
    return queryset.order_by("pcode")


def area_feature_collection(areas: QuerySet[AdminArea]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection (RFC 7946) of the areas that have a boundary."""
    features = []
    rows = areas.filter(geometry__isnull=False).values_list(
        "pcode", "name", "level", "parent__pcode", "geometry"
    )
    for pcode, name, level, parent_pcode, geometry in rows:
        if isinstance(geometry, str):
            geometry = json.loads(geometry)
        if not geometry:
            continue
        features.append(
            {
                "type": "Feature",
                "id": pcode,
                "geometry": geometry,
                "properties": {
                    "pcode": pcode,
                    "name": name,
                    "level": level,
                    "parent_pcode": parent_pcode or "",
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


# --- Audit log -----------------------------------------------------------------------------------


def audit_entries(
    operation: Operation, filters: Mapping[str, Any] | None = None, *, user: Any
) -> QuerySet[AuditEntry]:
    """The operation's audit log as `user` may see it (entries about records hidden from them
    are left out: `access.audit_entries_visible`), newest first. Filters: `actor` (e-mail
    contains), `action`, `entity_type`, `date_from`, `date_to` (dates, inclusive), `q` (summary
    contains)."""
    filters = filters or {}
    queryset = access.audit_entries_visible(
        user, operation, AuditEntry.objects.filter(operation=operation)
    ).order_by("-created_at", "-id")
    if filters.get("actor"):
        queryset = queryset.filter(actor_label__icontains=str(filters["actor"]).strip())
    if filters.get("action"):
        queryset = queryset.filter(action=filters["action"])
    if filters.get("entity_type"):
        queryset = queryset.filter(entity_type=filters["entity_type"])
    if filters.get("date_from"):
        queryset = queryset.filter(created_at__date__gte=filters["date_from"])
    if filters.get("date_to"):
        queryset = queryset.filter(created_at__date__lte=filters["date_to"])
    if filters.get("q"):
        queryset = queryset.filter(summary__icontains=str(filters["q"]).strip())
    return queryset


def audit_entity_types(operation: Operation) -> list[str]:
    return list(
        AuditEntry.objects.filter(operation=operation)
        .exclude(entity_type="")
        .order_by("entity_type")
        .values_list("entity_type", flat=True)
        .distinct()
    )


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


def _short(value: Any, limit: int = 80) -> str:
    if value is None or value == "":
        return "∅"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def audit_changes(entry: AuditEntry, limit: int = 12) -> list[Change]:
    """The fields an entry records, as short before/after strings, for compact display."""
    before = entry.before if isinstance(entry.before, dict) else {}
    after = entry.after if isinstance(entry.after, dict) else {}
    keys = list(after) + [key for key in before if key not in after]
    skip = {"created_at", "updated_at"}
    changes = [
        Change(
            field=key,
            before=_short(before.get(key)) if key in before else "",
            after=_short(after.get(key)) if key in after else "",
        )
        for key in keys
        if key not in skip
    ]
    return changes[:limit]
