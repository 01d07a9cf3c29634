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
    Case,
    CasePerson,
    Consent,
    ConsentOverride,
    Service,
    ServiceType,
    Sex,
    SpecificNeed,
)
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
