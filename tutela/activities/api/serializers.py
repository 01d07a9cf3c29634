"""Output serializers of the 5W API. They only render what the selectors computed: visibility,
the counting rule, partner names in insecure areas and small-count suppression are decided in
tutela.activities.selectors, exactly as for the pages. Query parameters are parsed by
tutela.activities.forms.analysis.AnalysisForm, shared with the pages."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from tutela.activities.models import ActivityReport, Submission
from tutela.activities.services.rows import REPORT_VALUE_FIELDS


def _code(obj: Any, attr: str = "code") -> Any:
    return getattr(obj, attr) if obj is not None else None


class RowOut(serializers.ModelSerializer):
    """One 5W row, keyed like the columns of Tutela's template and exports."""

    month = serializers.SerializerMethodField(help_text=_("Reporting month, YYYY-MM."))
    organisation = serializers.SerializerMethodField(
        help_text=_("Reporting organisation (acronym); null where names are hidden.")
    )
    implementing_partner = serializers.SerializerMethodField()
    partner_hidden = serializers.SerializerMethodField(
        help_text=_("True where the partner is not named (insecure area).")
    )
    activity = serializers.CharField(source="activity.code")
    indicator = serializers.CharField(source="indicator.code", allow_null=True, default=None)
    body = serializers.SerializerMethodField(help_text=_("Cluster / AoR code."))
    admin1_pcode = serializers.CharField(source="admin1.pcode", allow_null=True, default=None)
    admin1_name = serializers.CharField(source="admin1.name", allow_null=True, default=None)
    admin2_pcode = serializers.CharField(source="admin2.pcode", allow_null=True, default=None)
    admin2_name = serializers.CharField(source="admin2.name", allow_null=True, default=None)
    admin3_pcode = serializers.CharField(source="admin3.pcode", allow_null=True, default=None)
    admin3_name = serializers.CharField(source="admin3.name", allow_null=True, default=None)
    area_pcode = serializers.CharField(source="area.pcode")
    population_group = serializers.CharField(source="population_group.code")
    submission_status = serializers.ChoiceField(
        source="submission.status", choices=Submission.Status.choices
    )

    class Meta:
        model = ActivityReport
        fields = [
            "id",
            "month",
            "organisation",
            "implementing_partner",
            "partner_hidden",
            "activity",
            "indicator",
            "body",
            "admin1_pcode",
            "admin1_name",
            "admin2_pcode",
            "admin2_name",
            "admin3_pcode",
            "admin3_name",
            "area_pcode",
            "site",
            "population_group",
            *REPORT_VALUE_FIELDS,
            "submission_status",
            "updated_at",
        ]
        read_only_fields = fields

    def _hidden(self, row: ActivityReport) -> bool:
        hidden: set[int] = self.context.get("hidden_areas") or set()
        own = self.context.get("own_organisation_id")
        return row.area_id in hidden and row.organisation_id != own

    def get_month(self, row: ActivityReport) -> str:
        return f"{row.month:%Y-%m}"

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_organisation(self, row: ActivityReport) -> str | None:
        return None if self._hidden(row) else row.organisation.acronym

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_implementing_partner(self, row: ActivityReport) -> str | None:
        if self._hidden(row):
            return None
        return _code(row.implementing_partner, "acronym")

    def get_partner_hidden(self, row: ActivityReport) -> bool:
        return self._hidden(row)

    def get_body(self, row: ActivityReport) -> str:
        return row.body.code or str(row.body_id)


class DimensionOut(serializers.Serializer):
    key = serializers.CharField()
    # (Field.label is the field's own caption in the stubs; here `label` is a field name.)
    label: Any = serializers.CharField()


class ColumnOut(serializers.Serializer):
    key = serializers.CharField()
    label: Any = serializers.CharField()
    hxl = serializers.CharField()


class PivotRowOut(serializers.Serializer):
    codes = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        help_text=_("Per dimension: the code (acronym, activity code, P-code, YYYY-MM...)."),
    )
    labels = serializers.DictField(child=serializers.CharField())
    values = serializers.DictField(
        child=serializers.IntegerField(allow_null=True),
        help_text=_("Per measure; null where hidden as a small count."),
    )


@extend_schema_serializer(many=False)
class PivotOut(serializers.Serializer):
    dimensions = DimensionOut(many=True)
    columns = ColumnOut(many=True)
    rows = PivotRowOut(many=True)
    totals = serializers.DictField(child=serializers.IntegerField(allow_null=True))
    rule = serializers.CharField(help_text=_("The operation's cumulative counting rule."))
    rule_text = serializers.CharField(help_text=_("How people are counted, in words."))
    by_month = serializers.BooleanField()
    suppressed = serializers.BooleanField(
        help_text=_("Small counts are hidden (sensitive activities of other organisations).")
    )
    threshold = serializers.IntegerField()
    too_detailed = serializers.BooleanField(
        help_text=_("The table was too detailed to publish with suppression: no rows given.")
    )
    names_hidden = serializers.BooleanField()
    pooled = serializers.BooleanField(
        help_text=_(
            "Small groups of rows the caller may not see are counted on a line whose codes are "
            "“*” (pooled small groups)."
        )
    )
    rounded = serializers.BooleanField(
        help_text=_(
            "Figures of rows the caller may not see, over a period, are rounded down to "
            "multiples of the threshold."
        )
    )


class PresenceAreaOut(serializers.Serializer):
    pcode = serializers.CharField()
    name = serializers.CharField()
    parent_pcode = serializers.CharField(allow_blank=True)
    partners = serializers.IntegerField()
    organisations = serializers.ListField(
        child=serializers.CharField(),
        allow_null=True,
        help_text=_("Acronyms; null in insecure areas, where only the number is given."),
    )


@extend_schema_serializer(many=False)
class PresenceOut(serializers.Serializer):
    level = serializers.IntegerField()
    areas = PresenceAreaOut(many=True)


class CoverageAreaOut(serializers.Serializer):
    pcode = serializers.CharField()
    name = serializers.CharField()
    parent_pcode = serializers.CharField(allow_blank=True)
    reached = serializers.IntegerField(allow_null=True)
    targeted = serializers.IntegerField(allow_null=True)
    people_in_need = serializers.IntegerField(allow_null=True)
    severity = serializers.IntegerField(allow_null=True)
    partners = serializers.IntegerField()
    pct_targeted = serializers.FloatField(allow_null=True)
    pct_pin = serializers.FloatField(allow_null=True)


@extend_schema_serializer(many=False)
class CoverageOut(serializers.Serializer):
    level = serializers.IntegerField()
    year = serializers.IntegerField()
    rule = serializers.CharField()
    rule_text = serializers.CharField()
    has_planning = serializers.BooleanField()
    suppressed = serializers.BooleanField()
    threshold = serializers.IntegerField()
    areas = CoverageAreaOut(many=True)


class GapOut(CoverageAreaOut):
    reasons = serializers.ListField(child=serializers.CharField())


@extend_schema_serializer(many=False)
class GapsOut(serializers.Serializer):
    level = serializers.IntegerField()
    year = serializers.IntegerField()
    threshold_pct = serializers.FloatField()
    min_severity = serializers.IntegerField()
    has_planning = serializers.BooleanField()
    rule_text = serializers.CharField()
    gaps = GapOut(many=True)
