"""Input and output serializers of the service directory in the case management API."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from tutela.cases.api.serializers import PopulationGroupField, ServiceTypeField, StaffField
from tutela.cases.models import (
    Service,
)
from tutela.core.api.serializers import AreaField, OrganisationField

# --- Directory, statistics, export ---------------------------------------------------------------


class ServiceOut(serializers.ModelSerializer):
    organisation: Any = serializers.SlugRelatedField(slug_field="acronym", read_only=True)
    service_type: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)
    areas: Any = serializers.SlugRelatedField(slug_field="pcode", many=True, read_only=True)
    population_groups: Any = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )

    class Meta:
        model = Service
        fields = [
            "id",
            "organisation",
            "service_type",
            "name",
            "description",
            "areas",
            "population_groups",
            "population",
            "languages",
            "hours",
            "contact_name",
            "contact_phone",
            "contact_email",
            "referral_requirements",
            "focal_point",
            "is_published",
            "is_active",
            "updated_at",
        ]
        read_only_fields = fields


class ServiceIn(serializers.Serializer):
    organisation: Any = OrganisationField()
    service_type: Any = ServiceTypeField()
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    areas: Any = AreaField(many=True)
    population_groups: Any = PopulationGroupField(many=True, required=False)
    population = serializers.CharField(required=False, allow_blank=True, max_length=300)
    languages = serializers.ListField(child=serializers.CharField(max_length=40), required=False)
    hours = serializers.CharField(required=False, allow_blank=True, max_length=200)
    contact_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    contact_phone = serializers.CharField(required=False, allow_blank=True, max_length=40)
    contact_email = serializers.EmailField(required=False, allow_blank=True)
    referral_requirements = serializers.CharField(required=False, allow_blank=True)
    focal_point: Any = StaffField(required=False, allow_null=True)
    is_published = serializers.BooleanField(required=False, default=True)
    is_active = serializers.BooleanField(required=False, default=True)
