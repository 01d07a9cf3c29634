"""Query-string filters of the API lists (django-filter). Scoping is not done here: every view
narrows its queryset through tutela.core.access first, and these filters only narrow it further."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tutela.core.models import (
    AdminArea,
    AuditEntry,
    Body,
    Contact,
    Membership,
    Operation,
    Organisation,
)
from tutela.core.pcodes import name_key


class OperationFilter(django_filters.FilterSet):
    parent = django_filters.CharFilter(
        field_name="parent__slug", help_text=_("Short name of the parent operation.")
    )

    class Meta:
        model = Operation
        fields = ["parent", "is_demo"]


class AreaFilter(django_filters.FilterSet):
    level = django_filters.NumberFilter(field_name="level", help_text=_("Admin level (0-5)."))
    parent = django_filters.CharFilter(
        method="filter_parent",
        help_text=_("P-code of an area: the areas inside it, at any depth (combine with level)."),
    )
    q = django_filters.CharFilter(
        method="filter_name",
        help_text=_("Part of the name, ignoring case and accents ('segou' finds Ségou)."),
    )

    class Meta:
        model = AdminArea
        fields = ["level", "parent", "q"]

    def filter_parent(self, queryset: QuerySet[AdminArea], name: str, value: str) -> Any:
        pcode = value.strip().upper()
        # Walk up the parent links rather than trusting P-code prefixes.
        inside = Q()
        for depth in range(1, 6):
            inside |= Q(**{"__".join(["parent"] * depth) + "__pcode": pcode})
        return queryset.filter(inside)

    def filter_name(self, queryset: QuerySet[AdminArea], name: str, value: str) -> Any:
        key = name_key(value)
        if not key:
            return queryset
        return queryset.filter(Q(name_key__contains=key) | Q(pcode__iexact=value.strip()))


class OrganisationFilter(django_filters.FilterSet):
    type = django_filters.ChoiceFilter(choices=Organisation.Type.choices)
    country = django_filters.CharFilter(
        field_name="country__pcode", lookup_expr="iexact", help_text=_("Country P-code.")
    )

    class Meta:
        model = Organisation
        fields = ["type", "country"]


class BodyFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Body.Kind.choices)
    parent = django_filters.NumberFilter(field_name="parent_id", help_text=_("Parent body id."))
    lead = django_filters.CharFilter(
        field_name="lead__acronym", lookup_expr="iexact", help_text=_("Lead organisation acronym.")
    )

    class Meta:
        model = Body
        fields = ["kind", "parent", "lead"]


class MembershipFilter(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(choices=Membership.Role.choices)
    organisation = django_filters.CharFilter(
        field_name="organisation__acronym",
        lookup_expr="iexact",
        help_text=_("Organisation acronym."),
    )
    is_nuclear = django_filters.BooleanFilter()
    current = django_filters.BooleanFilter(
        method="filter_current",
        help_text=_("true: memberships not ended today; false: ended ones."),
    )

    class Meta:
        model = Membership
        fields = ["role", "organisation", "is_nuclear", "current"]

    def filter_current(self, queryset: QuerySet[Membership], name: str, value: bool) -> Any:
        today = timezone.localdate()
        ongoing = Q(until__isnull=True) | Q(until__gte=today)
        return queryset.filter(ongoing) if value else queryset.exclude(ongoing)


class ContactFilter(django_filters.FilterSet):
    organisation = django_filters.CharFilter(
        field_name="organisation__acronym",
        lookup_expr="iexact",
        help_text=_("Organisation acronym."),
    )
    body = django_filters.NumberFilter(
        field_name="bodies", help_text=_("Id of a body the contact attends.")
    )
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = Contact
        fields = ["organisation", "body", "is_active"]


class AuditFilter(django_filters.FilterSet):
    action = django_filters.ChoiceFilter(choices=AuditEntry.Action.choices)
    entity_type = django_filters.CharFilter(
        help_text=_("Record type, e.g. core.contact."),
    )
    entity_id = django_filters.CharFilter()
    actor = django_filters.CharFilter(
        method="filter_actor", help_text=_("User id or e-mail address of the actor.")
    )
    # ?created_after=2026-01-01&created_before=2026-01-31, both days included.
    created = django_filters.DateFromToRangeFilter(
        field_name="created_at",
        help_text=_("created_after / created_before: dates (YYYY-MM-DD), both included."),
    )

    class Meta:
        model = AuditEntry
        fields = ["action", "entity_type", "entity_id", "actor", "created"]

    def filter_actor(self, queryset: QuerySet[AuditEntry], name: str, value: str) -> Any:
        value = value.strip()
        if value.isdigit():
            return queryset.filter(actor_id=int(value))
        return queryset.filter(actor_label__iexact=value)
