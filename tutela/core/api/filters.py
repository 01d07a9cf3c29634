"""Query-string filters of the API lists (django-filter). Scoping is not done here: every view
narrows its queryset through tutela.core.access first, and these filters only narrow it further."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from tutela.core.api.serializers import MAX_ID
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


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """A record id: a whole number from 1 to MAX_ID (django-filter's NumberFilter takes any
    decimal, and a huge one fails in the database)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "integer", "minimum": 0, "maximum": 5})
class LevelFilter(django_filters.NumberFilter):
    """An admin level, 0 (country) to 5."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", 5)
        super().__init__(*args, **kwargs)


class StrictBooleanField(forms.Field):
    """true or false (django-filter's boolean field quietly ignores anything else)."""

    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        if value in ("true", "True"):
            return True
        if value in ("false", "False"):
            return False
        raise forms.ValidationError(_("Give true or false."), code="invalid")


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class OperationFilter(django_filters.FilterSet):
    parent = django_filters.CharFilter(
        field_name="parent__slug", help_text=_("Short name of the parent operation.")
    )
    is_demo = StrictBooleanFilter()

    class Meta:
        model = Operation
        fields = ["parent", "is_demo"]


class AreaFilter(django_filters.FilterSet):
    level = LevelFilter(field_name="level", help_text=_("Admin level (0-5)."))
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
    parent = IdFilter(field_name="parent_id", help_text=_("Parent body id."))
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
    is_nuclear = StrictBooleanFilter()
    current = StrictBooleanFilter(
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
    body = IdFilter(field_name="bodies", help_text=_("Id of a body the contact attends."))
    is_active = StrictBooleanFilter()

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
