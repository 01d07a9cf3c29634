"""Input and output serializers of the case management API (HackSoft style: no logic in save()).

Reference items are named by code (specific needs "SC", risks "R08", service types "legal",
population groups "IDP"), organisations by acronym, areas by P-code, all limited to the operation
of the request. List outputs carry no identifying field: names and phones are decrypted only for
one case, and that read is audited.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers

from tutela.cases import shared_fields as catalogue
from tutela.cases.models import (
    Approval,
    Assessment,
    Case,
    CasePerson,
    Consent,
    ConsentOverride,
    FollowUp,
    Referral,
    Service,
    ServiceType,
    Sex,
    SpecificNeed,
    Transfer,
)
from tutela.cases.shared_fields import shared_values
from tutela.core.api.serializers import AreaField, OrganisationField, _InOperationMixin
from tutela.core.models import AuditEntry, Operation, PopulationGroup, ProtectionRisk, User


class _CodeField(_InOperationMixin, serializers.SlugRelatedField):
    model: Any = None

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="code", queryset=self.model.objects.all(), **kwargs)

    def limit(self, queryset: QuerySet[Any], operation: Operation) -> QuerySet[Any]:
        return queryset.filter(operation=operation)


class SpecificNeedField(_CodeField):
    model = SpecificNeed


class RiskField(_CodeField):
    model = ProtectionRisk


class ServiceTypeField(_CodeField):
    model = ServiceType


class PopulationGroupField(_CodeField):
    model = PopulationGroup


class StaffField(_InOperationMixin, serializers.PrimaryKeyRelatedField):
    """A user with a role in the operation, by id (the services check they are case staff)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=User.objects.all(), **kwargs)

    def limit(self, queryset: QuerySet[Any], operation: Operation) -> QuerySet[Any]:
        return queryset.filter(operation_roles__operation=operation, is_active=True).distinct()


class DirectoryServiceField(_InOperationMixin, serializers.PrimaryKeyRelatedField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=Service.objects.all(), **kwargs)

    def limit(self, queryset: QuerySet[Any], operation: Operation) -> QuerySet[Any]:
        return queryset.filter(operation=operation, is_published=True, is_active=True)


class UserRefOut(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "full_name"]
        read_only_fields = fields


# --- Cases ----------------------------------------------------------------------------------------


class PersonIn(serializers.Serializer):
    given_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    family_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    other_names = serializers.CharField(max_length=300, required=False, allow_blank=True)
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    id_type = serializers.ChoiceField(
        choices=CasePerson.IdType.choices, required=False, allow_blank=True
    )
    id_number = serializers.CharField(max_length=80, required=False, allow_blank=True)
    sex = serializers.ChoiceField(choices=Sex.choices, required=False, default=Sex.UNKNOWN)
    age = serializers.IntegerField(min_value=0, max_value=120, required=False, allow_null=True)
    disability = serializers.BooleanField(required=False, default=False)
    relationship = serializers.ChoiceField(
        choices=CasePerson.Relationship.choices,
        required=False,
        default=CasePerson.Relationship.SELF,
    )


class PersonOut(serializers.ModelSerializer):
    class Meta:
        model = CasePerson
        fields = [
            "id",
            "is_principal",
            "relationship",
            "given_name",
            "family_name",
            "other_names",
            "date_of_birth",
            "phone",
            "id_type",
            "id_number",
            "sex",
            "age",
            "age_band",
            "disability",
        ]
        read_only_fields = fields


class CaseIn(serializers.Serializer):
    principal = PersonIn()
    members = PersonIn(many=True, required=False)
    kind = serializers.ChoiceField(
        choices=Case.Kind.choices, required=False, default=Case.Kind.INDIVIDUAL
    )
    case_type = serializers.ChoiceField(
        choices=Case.Type.choices, required=False, default=Case.Type.GENERAL
    )
    risk_level = serializers.ChoiceField(
        choices=Case.RiskLevel.choices, required=False, default=Case.RiskLevel.MEDIUM
    )
    registered_on = serializers.DateField(required=False, allow_null=True)
    area: Any = AreaField()
    nationality = serializers.CharField(max_length=3, required=False, allow_blank=True)
    displacement_status: Any = PopulationGroupField(required=False, allow_null=True)
    specific_needs: Any = SpecificNeedField(many=True, required=False)
    concerns: Any = RiskField(many=True, required=False)
    address = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    summary = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    owner: Any = StaffField(required=False, allow_null=True)
    confirm_not_duplicate = serializers.BooleanField(required=False, default=False)


class CaseUpdateIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Case.Kind.choices, required=False)
    case_type = serializers.ChoiceField(choices=Case.Type.choices, required=False)
    risk_level = serializers.ChoiceField(choices=Case.RiskLevel.choices, required=False)
    area: Any = AreaField(required=False)
    nationality = serializers.CharField(max_length=3, required=False, allow_blank=True)
    displacement_status: Any = PopulationGroupField(required=False, allow_null=True)
    specific_needs: Any = SpecificNeedField(many=True, required=False)
    concerns: Any = RiskField(many=True, required=False)
    address = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    summary = serializers.CharField(required=False, allow_blank=True, max_length=10000)


class CaseListOut(serializers.ModelSerializer):
    """A line of a list: nothing identifying."""

    owner = UserRefOut(read_only=True)
    area: Any = serializers.SlugRelatedField(slug_field="pcode", read_only=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "code",
            "case_type",
            "kind",
            "stage",
            "risk_level",
            "registered_on",
            "owner",
            "sex",
            "age_band",
            "area",
            "closed_on",
        ]
        read_only_fields = fields


class CaseOut(CaseListOut):
    organisation: Any = serializers.SlugRelatedField(slug_field="acronym", read_only=True)
    registering_organisation: Any = serializers.SlugRelatedField(
        slug_field="acronym", read_only=True
    )
    registered_by = UserRefOut(read_only=True)
    assigned = UserRefOut(many=True, read_only=True)
    displacement_status: Any = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    specific_needs: Any = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    concerns: Any = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    people = PersonOut(many=True, read_only=True)

    class Meta(CaseListOut.Meta):
        fields = [
            *CaseListOut.Meta.fields,
            "organisation",
            "registering_organisation",
            "registered_by",
            "assigned",
            "disability",
            "nationality",
            "displacement_status",
            "specific_needs",
            "concerns",
            "address",
            "summary",
            "people",
            "closure_reason",
            "closure_note",
            "anonymised_at",
            "is_demo",
        ]
        read_only_fields = fields


class CandidateOut(serializers.Serializer):
    case_id = serializers.IntegerField()
    code = serializers.CharField()
    owner = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField())


class DuplicateCheckIn(serializers.Serializer):
    principal = PersonIn()
    members = PersonIn(many=True, required=False)


class ReassignIn(serializers.Serializer):
    owner: Any = StaffField()
    assigned: Any = StaffField(many=True, required=False)


class CaseAccessLogOut(serializers.ModelSerializer):
    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "created_at",
            "actor_label",
            "action",
            "entity_type",
            "entity_id",
            "summary",
        ]
        read_only_fields = fields


# --- Consent --------------------------------------------------------------------------------------


class ConsentIn(serializers.Serializer):
    purpose = serializers.ChoiceField(choices=Consent.Purpose.choices)
    given_by = serializers.ChoiceField(
        choices=Consent.GivenBy.choices, required=False, default=Consent.GivenBy.PERSON
    )
    caregiver_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    given_on = serializers.DateField(required=False, allow_null=True)
    valid_until = serializers.DateField(required=False, allow_null=True)
    organisations: Any = OrganisationField(many=True, required=False)
    # "fields" would shadow Serializer.fields: the information shared is "shared_fields".
    shared_fields = serializers.ListField(
        child=serializers.ChoiceField(choices=catalogue.CHOICES), required=False
    )
    best_interest = serializers.IntegerField(required=False, allow_null=True)


class ConsentOut(serializers.ModelSerializer):
    organisations: Any = serializers.SlugRelatedField(
        slug_field="acronym", many=True, read_only=True
    )

    class Meta:
        model = Consent
        fields = [
            "id",
            "purpose",
            "given_by",
            "caregiver_name",
            "given_on",
            "valid_until",
            "organisations",
            "fields",
            "withdrawn_on",
            "withdrawal_note",
            "created_at",
        ]
        read_only_fields = fields


class ConsentWithdrawIn(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class OverrideOut(serializers.ModelSerializer):
    organisation: Any = serializers.SlugRelatedField(slug_field="acronym", read_only=True)
    by = UserRefOut(read_only=True)

    class Meta:
        model = ConsentOverride
        fields = ["id", "handoff", "organisation", "fields", "reason", "by", "created_at"]
        read_only_fields = fields


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


class ExportIn(serializers.Serializer):
    password = serializers.CharField(min_length=12, max_length=200)
    include_identifying = serializers.BooleanField(required=False, default=False)
    override_reason = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class TaskOut(serializers.Serializer):
    kind = serializers.CharField()
    task = serializers.CharField(source="label")
    due = serializers.DateField()
    overdue = serializers.BooleanField()
    case_id = serializers.IntegerField()
    case_code = serializers.CharField()
    referral_id = serializers.IntegerField(allow_null=True)
