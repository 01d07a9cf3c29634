"""Input and output serializers of referrals in the case management API (HackSoft style: no logic
in save()). A referral's output carries only the fields its consent lets through.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from tutela.cases import shared_fields as catalogue
from tutela.cases.api.serializers import DirectoryServiceField, ServiceTypeField, StaffField
from tutela.cases.models import (
    Referral,
)
from tutela.cases.shared_fields import shared_values
from tutela.core.api.serializers import AreaField, OrganisationField

# --- Referrals ------------------------------------------------------------------------------------


class ReferralIn(serializers.Serializer):
    to_organisation: Any = OrganisationField(required=False, allow_null=True)
    service: Any = DirectoryServiceField(required=False, allow_null=True)
    to_user: Any = StaffField(required=False, allow_null=True)
    priority = serializers.ChoiceField(
        choices=Referral.Priority.choices, required=False, default=Referral.Priority.NORMAL
    )
    services_requested: Any = ServiceTypeField(many=True)
    reason = serializers.CharField(max_length=10000)
    caregiver_informed = serializers.BooleanField(required=False, allow_null=True, default=None)
    shared_fields = serializers.ListField(
        child=serializers.ChoiceField(choices=catalogue.CHOICES), required=False
    )
    override_reason = serializers.CharField(required=False, allow_blank=True, max_length=5000)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        service = attrs.get("service")
        if service is not None:
            attrs["to_organisation"] = service.organisation
        if attrs.get("to_organisation") is None:
            raise serializers.ValidationError(
                {"to_organisation": "Give the receiving organisation or a directory service."}
            )
        return attrs


class ReferralOut(serializers.ModelSerializer):
    from_organisation: Any = serializers.SlugRelatedField(slug_field="acronym", read_only=True)
    to_organisation: Any = serializers.SlugRelatedField(slug_field="acronym", read_only=True)
    services_requested: Any = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )
    shared = serializers.SerializerMethodField()
    case = serializers.SerializerMethodField()

    class Meta:
        model = Referral
        fields = [
            "id",
            "code",
            "case",
            "from_organisation",
            "to_organisation",
            "service",
            "priority",
            "status",
            "services_requested",
            "reason",
            "caregiver_informed",
            "shared_fields",
            "shared",
            "sent_at",
            "respond_by",
            "responded_at",
            "decline_reason",
            "completed_at",
            "feedback",
            "withdrawn_at",
            "override",
            "receiver_case",
        ]
        read_only_fields = fields

    def get_shared(self, obj: Referral) -> dict[str, Any]:

        values = shared_values(obj.shared_data)
        return {k: v for k, v in values.items() if k in {*obj.shared_fields, "code", "age_band"}}

    def get_case(self, obj: Referral) -> int | None:
        # The receiver never learns the sender's record id.
        return obj.case_id if self.context.get("side") == "sender" else None


class ReferralListOut(serializers.ModelSerializer):
    from_organisation: Any = serializers.SlugRelatedField(slug_field="acronym", read_only=True)
    to_organisation: Any = serializers.SlugRelatedField(slug_field="acronym", read_only=True)

    class Meta:
        model = Referral
        fields = [
            "id",
            "code",
            "from_organisation",
            "to_organisation",
            "priority",
            "status",
            "sent_at",
            "respond_by",
            "responded_at",
        ]
        read_only_fields = fields


class ReasonIn(serializers.Serializer):
    reason = serializers.CharField(max_length=5000)


class FeedbackIn(serializers.Serializer):
    feedback = serializers.CharField(max_length=10000)


class OpenCaseIn(serializers.Serializer):
    area: Any = AreaField(required=False, allow_null=True)
    confirm_not_duplicate = serializers.BooleanField(required=False, default=False)
