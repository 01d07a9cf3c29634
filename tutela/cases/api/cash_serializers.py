"""Input and output of the cash for protection endpoints (tutela.cases.api.cash)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from tutela.cases.models import (
    CashAssistance,
    CashInstalment,
    DistributionMonitoring,
    EligibilityCriterion,
    ExpenditureBasket,
    SharingAgreement,
)
from tutela.cases.models.cash import MAX_AMOUNT, MAX_HOUSEHOLD, MAX_INSTALMENTS
from tutela.core.api.serializers import OrganisationField

AMOUNT: dict[str, Any] = {
    "max_digits": 15,
    "decimal_places": 2,
    "min_value": 0,
    "max_value": MAX_AMOUNT,
}


class CashIn(serializers.Serializer):
    household_size = serializers.IntegerField(min_value=1, max_value=MAX_HOUSEHOLD)
    criteria_met = serializers.ListField(child=serializers.CharField(max_length=40), max_length=100)
    mechanism = serializers.ChoiceField(choices=CashAssistance.Mechanism.choices)
    basket = serializers.IntegerField(required=False, allow_null=True)
    intervention = serializers.IntegerField(required=False, allow_null=True)
    amount = serializers.DecimalField(required=False, allow_null=True, **AMOUNT)
    override_reason = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    first_due_on = serializers.DateField(required=False, allow_null=True)


class MonitoringOut(serializers.ModelSerializer):
    class Meta:
        model = DistributionMonitoring
        fields = [
            "id",
            "interviewed_on",
            "received_in_full",
            "on_time",
            "safety_problem",
            "safety_note",
            "uses",
            "satisfaction",
        ]
        read_only_fields = fields


class InstalmentOut(serializers.ModelSerializer):
    monitoring = serializers.SerializerMethodField()

    class Meta:
        model = CashInstalment
        fields = [
            "id",
            "number",
            "due_on",
            "amount",
            "status",
            "paid_on",
            "paid_amount",
            "reference",
            "monitoring",
        ]
        read_only_fields = fields

    def get_monitoring(self, obj: CashInstalment) -> dict[str, Any] | None:
        item = getattr(obj, "monitoring", None)
        return MonitoringOut(item).data if item is not None else None


class CheckOut(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=["checked", "no_consent", "no_agreement", "no_id"])
    organisations = serializers.ListField(child=serializers.CharField())


class CashOut(serializers.ModelSerializer):
    case_code = serializers.CharField(source="case.code", read_only=True)
    instalments = InstalmentOut(many=True, read_only=True)

    class Meta:
        model = CashAssistance
        fields = [
            "id",
            "code",
            "case",
            "case_code",
            "intervention",
            "basket",
            "household_size",
            "criteria_met",
            "score",
            "eligible",
            "computed_amount",
            "amount",
            "currency",
            "override_reason",
            "mechanism",
            "status",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "decision_note",
            "checked_at",
            "check_result",
            "instalments",
        ]
        read_only_fields = fields


class CashListOut(serializers.ModelSerializer):
    case_code = serializers.CharField(source="case.code", read_only=True)

    class Meta:
        model = CashAssistance
        fields = ["id", "code", "case", "case_code", "amount", "currency", "mechanism", "status"]
        read_only_fields = fields


class DecideIn(serializers.Serializer):
    approve = serializers.BooleanField()
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    confirm_duplicates = serializers.BooleanField(required=False, default=False)


class CancelIn(serializers.Serializer):
    reason = serializers.CharField(max_length=5000)


class ScheduleLineIn(serializers.Serializer):
    due_on = serializers.DateField()
    amount = serializers.DecimalField(**AMOUNT)


class ScheduleIn(serializers.Serializer):
    instalments = serializers.ListField(
        child=ScheduleLineIn(), min_length=1, max_length=MAX_INSTALMENTS
    )


class InstalmentStatusIn(serializers.Serializer):
    status = serializers.ChoiceField(choices=CashInstalment.Status.choices)
    paid_on = serializers.DateField(required=False, allow_null=True)
    paid_amount = serializers.DecimalField(required=False, allow_null=True, **AMOUNT)
    reference = serializers.CharField(required=False, allow_blank=True, max_length=100)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class MonitoringIn(serializers.Serializer):
    interviewed_on = serializers.DateField()
    received_in_full = serializers.BooleanField()
    on_time = serializers.BooleanField()
    safety_problem = serializers.BooleanField()
    safety_note = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    uses = serializers.ListField(
        child=serializers.ChoiceField(choices=DistributionMonitoring.Use.choices),
        required=False,
        max_length=20,
    )
    satisfaction = serializers.IntegerField(min_value=1, max_value=5)


class CashExportIn(serializers.Serializer):
    password = serializers.CharField(min_length=12, max_length=200)
    file_format = serializers.ChoiceField(choices=["xlsx", "csv"], required=False, default="xlsx")


class CountOut(serializers.Serializer):
    category = serializers.CharField()
    count = serializers.IntegerField(allow_null=True)


class SummaryOut(serializers.Serializer):
    interviews = serializers.IntegerField(allow_null=True)
    received_in_full = serializers.IntegerField(allow_null=True)
    on_time = serializers.IntegerField(allow_null=True)
    safety_problems = serializers.IntegerField(allow_null=True)
    uses = CountOut(many=True)
    satisfaction = CountOut(many=True)
    suppressed = serializers.BooleanField()


class SummariesOut(serializers.Serializer):
    organisation = SummaryOut(allow_null=True)
    cluster = SummaryOut()


# --- Reference data (the operation's managers) ---------------------------------------------------


class CriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = EligibilityCriterion
        fields = ["id", "code", "label", "description", "weight", "mandatory", "is_active"]
        read_only_fields = ["id"]
        # The service checks uniqueness within the operation.
        validators: list[Any] = []


class RulesSerializer(serializers.Serializer):
    min_score = serializers.IntegerField(min_value=0, max_value=1000)


class BasketAmountSerializer(serializers.Serializer):
    household_size = serializers.IntegerField(min_value=1, max_value=MAX_HOUSEHOLD)
    amount = serializers.DecimalField(**AMOUNT)


class BasketSerializer(serializers.ModelSerializer):
    amounts = BasketAmountSerializer(many=True)

    class Meta:
        model = ExpenditureBasket
        fields = [
            "id",
            "name",
            "currency",
            "valid_from",
            "valid_until",
            "transfer_percent",
            "instalments",
            "interval_days",
            "amounts",
        ]
        read_only_fields = ["id"]


class AgreementIn(serializers.Serializer):
    organisations: Any = OrganisationField(many=True)
    reference = serializers.CharField(max_length=200)
    valid_from = serializers.DateField()
    valid_until = serializers.DateField(required=False, allow_null=True)


class AgreementOut(serializers.ModelSerializer):
    organisations = serializers.SerializerMethodField()

    class Meta:
        model = SharingAgreement
        fields = [
            "id",
            "organisations",
            "purpose",
            "reference",
            "valid_from",
            "valid_until",
            "ended_on",
        ]
        read_only_fields = fields

    def get_organisations(self, obj: SharingAgreement) -> list[str]:
        return [obj.organisation_a.acronym, obj.organisation_b.acronym]
