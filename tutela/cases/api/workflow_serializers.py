"""Input and output serializers of a case's workflow in the case management API: assessments,
interventions and their approval, service delivery, follow-ups, transfers (HackSoft style: no
logic in save()).
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from tutela.cases.api.serializers import ServiceTypeField, StaffField, UserRefOut
from tutela.cases.models import (
    Approval,
    Assessment,
    Case,
    FollowUp,
    Transfer,
)
from tutela.core.api.serializers import OrganisationField

# --- Workflow -------------------------------------------------------------------------------------


class AssessmentIn(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=Assessment.Kind.choices, required=False, default=Assessment.Kind.STANDARD
    )
    assessed_on = serializers.DateField(required=False, allow_null=True)
    summary = serializers.CharField(max_length=20000)
    needs = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    risk_level = serializers.ChoiceField(
        choices=Case.RiskLevel.choices, required=False, default=Case.RiskLevel.MEDIUM
    )


class AssessmentOut(serializers.ModelSerializer):
    class Meta:
        model = Assessment
        fields = [
            "id",
            "kind",
            "assessed_on",
            "summary",
            "needs",
            "risk_level",
            "status",
            "created_at",
        ]
        read_only_fields = fields


class InterventionIn(serializers.Serializer):
    goal = serializers.CharField(max_length=5000)
    action = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    service_type: Any = ServiceTypeField(required=False, allow_null=True)
    responsible: Any = StaffField(required=False, allow_null=True)
    responsible_organisation: Any = OrganisationField(required=False, allow_null=True)
    due_on = serializers.DateField(required=False, allow_null=True)
    review_on = serializers.DateField(required=False, allow_null=True)


class InterventionOut(serializers.Serializer):
    id = serializers.IntegerField()
    plan = serializers.IntegerField(source="plan_id")
    goal = serializers.CharField()
    action = serializers.CharField()
    due_on = serializers.DateField(allow_null=True)
    status = serializers.CharField()


class ApprovalIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Approval.Kind.choices)
    assessment = serializers.IntegerField(required=False, allow_null=True)
    closure_reason = serializers.ChoiceField(choices=Case.ClosureReason.choices, required=False)
    closure_note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class DecisionIn(serializers.Serializer):
    approve = serializers.BooleanField()
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class ApprovalOut(serializers.ModelSerializer):
    requested_by = UserRefOut(read_only=True)
    decided_by = UserRefOut(read_only=True, allow_null=True)

    class Meta:
        model = Approval
        fields = [
            "id",
            "kind",
            "status",
            "assessment",
            "plan",
            "closure_reason",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "comment",
        ]
        read_only_fields = fields


class ServiceDeliveryIn(serializers.Serializer):
    service_type: Any = ServiceTypeField()
    provided_on = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class CaseFollowUpIn(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=FollowUp.Kind.choices, required=False, default=FollowUp.Kind.VISIT
    )
    due_on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class CaseFollowUpDoneIn(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class RecordOut(serializers.Serializer):
    """What a workflow step created: its id and kind of record."""

    id = serializers.IntegerField(source="pk")


class TransferIn(serializers.Serializer):
    to_organisation: Any = OrganisationField()
    to_user: Any = StaffField(required=False, allow_null=True)
    reason = serializers.CharField(max_length=5000)
    override_reason = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class TransferDecisionIn(serializers.Serializer):
    accept = serializers.BooleanField()
    decline_reason = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class TransferOut(serializers.ModelSerializer):
    to_organisation: Any = serializers.SlugRelatedField(slug_field="acronym", read_only=True)
    from_organisation: Any = serializers.SlugRelatedField(slug_field="acronym", read_only=True)

    class Meta:
        model = Transfer
        fields = [
            "id",
            "case",
            "from_organisation",
            "to_organisation",
            "status",
            "created_at",
            "decided_at",
            "override",
        ]
        read_only_fields = fields
