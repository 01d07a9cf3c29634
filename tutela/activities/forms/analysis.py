"""The query-string form of the 5W analysis pages and API endpoints (pivot, maps, gaps): one
parser for both, so that `?rows=admin1,activity&month_from=2026-01&body=3` means the same thing on
a page and in the API. Related records are named as people name them (activity and population
group codes, organisation acronyms, P-codes); bodies by id, as in the rest of the API."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tutela.activities import selectors
from tutela.activities.models import Activity, ActivityReport
from tutela.core.forms.fields import MonthField
from tutela.core.forms.widgets import QuickSelect
from tutela.core.models import AdminArea, Body, Operation, Organisation, PopulationGroup
from tutela.core.selectors import country_pcodes


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.pcode})"


class ActivityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} — {obj.name}"


def dimension_choices(operation: Operation) -> list[tuple[str, str]]:
    return [(name, selectors.dimension_label(operation, name)) for name in selectors.DIMENSIONS]


class AnalysisForm(forms.Form):
    """Every parameter of the analysis pages; each page shows the ones it uses."""

    rows = forms.CharField(
        required=False,
        widget=forms.HiddenInput,
        help_text=_("Dimensions, comma-separated: e.g. admin1,activity (up to three)."),
    )
    row1 = forms.ChoiceField(label=_("Rows by"), required=False)
    row2 = forms.ChoiceField(label=_("then by"), required=False)
    row3 = forms.ChoiceField(label=_("then by"), required=False)
    level = forms.TypedChoiceField(
        label=_("Admin level"), required=False, coerce=int, empty_value=None
    )
    month_from = MonthField(label=_("From (month)"), required=False)
    month_to = MonthField(label=_("To (month)"), required=False)
    body = forms.ModelChoiceField(
        label=_("Cluster / AoR"), queryset=Body.objects.none(), required=False
    )
    # QuickSelect: the long lists (a country's ~800 areas) rendered without a template per option.
    activity = ActivityChoiceField(
        label=_("Activity"),
        queryset=Activity.objects.none(),
        required=False,
        to_field_name="code",
        widget=QuickSelect,
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.none(),
        required=False,
        to_field_name="acronym",
        widget=QuickSelect,
    )
    area = AreaChoiceField(
        label=_("Area"),
        queryset=AdminArea.objects.none(),
        required=False,
        to_field_name="pcode",
        widget=QuickSelect,
    )
    population_group = forms.ModelChoiceField(
        label=_("Population group"),
        queryset=PopulationGroup.objects.none(),
        required=False,
        to_field_name="code",
    )
    status = forms.ChoiceField(
        label=_("Activity status"),
        choices=[("", "—"), *ActivityReport.Status.choices],
        required=False,
    )
    site = forms.CharField(
        label=_("Site"),
        required=False,
        max_length=200,
        help_text=_("A site's code, or its name (case and accents do not matter)."),
    )
    validated_only = forms.BooleanField(label=_("Validated rows only"), required=False)
    threshold = forms.FloatField(
        label=_("Coverage threshold (%)"),
        required=False,
        min_value=0,
        max_value=1000,
        help_text=_("Areas covering less of their people in need than this are gaps."),
    )
    year = forms.IntegerField(
        label=_("Planning year"), required=False, min_value=2000, max_value=2100
    )

    def __init__(self, operation: Operation, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.operation = operation
        dims = [("", "—"), *dimension_choices(operation)]
        for name in ("row1", "row2", "row3"):
            self.fields[name].choices = dims  # type: ignore[attr-defined]
        self.fields["level"].choices = [  # type: ignore[attr-defined]
            (level, operation.level_label(level)) for level in (1, 2, 3)
        ]
        self.fields["body"].queryset = Body.objects.filter(  # type: ignore[attr-defined]
            operation=operation
        ).order_by("parent_id", "name")
        self.fields["activity"].queryset = Activity.objects.filter(  # type: ignore[attr-defined]
            operation=operation
        ).order_by("code")
        self.fields["organisation"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
            operations=operation
        ).order_by("acronym")
        # Not the boundaries: the choices of a country's ~800 areas would decode every one of
        # them (most of the pivot page's time, bench_load.py).
        self.fields["area"].queryset = (  # type: ignore[attr-defined]
            AdminArea.objects.filter(
                country_pcode__in=country_pcodes(operation), level__in=(1, 2, 3)
            )
            .defer("geometry")
            .order_by("level", "name")
        )
        self.fields["population_group"].queryset = PopulationGroup.objects.filter(  # type: ignore[attr-defined]
            operation=operation
        ).order_by("code")

    def clean_rows(self) -> list[str]:
        raw = self.cleaned_data.get("rows") or ""
        dims = [d.strip() for d in raw.split(",") if d.strip()]
        unknown = [d for d in dims if d not in selectors.DIMENSIONS]
        if unknown:
            raise ValidationError(
                _("Unknown dimension(s): %(names)s. Choose among: %(known)s."),
                params={
                    "names": ", ".join(unknown),
                    "known": ", ".join(selectors.DIMENSIONS),
                },
            )
        if len(dims) > selectors.MAX_DIMENSIONS:
            raise ValidationError(_("Choose at most three dimensions."))
        return dims

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("month_from"), data.get("month_to")
        if start and end and start > end:
            self.add_error("month_to", _("The last month comes before the first one."))
        return data

    def value(self, name: str, default: Any = None) -> Any:
        """A cleaned value, or `default` where it is missing or was not valid."""
        if not self.is_bound:
            return default
        self.is_valid()
        if name in self.errors:
            return default
        value = self.cleaned_data.get(name)
        return default if value in (None, "", []) else value

    def rows_by(self, default: list[str] | None = None) -> list[str]:
        dims = self.value("rows") or [
            d for d in (self.value("row1"), self.value("row2"), self.value("row3")) if d
        ]
        return list(dict.fromkeys(dims))[: selectors.MAX_DIMENSIONS] or list(default or [])

    def filters(self) -> selectors.Filters:
        return selectors.Filters(
            month_from=self.value("month_from"),
            month_to=self.value("month_to"),
            body=self.value("body"),
            activity=self.value("activity"),
            organisation=self.value("organisation"),
            area=self.value("area"),
            population_group=self.value("population_group"),
            status=self.value("status", ""),
            site=self.value("site", ""),
            validated_only=bool(self.value("validated_only", False)),
        )

    def area_level(self, default: int = 1) -> int:
        level = self.value("level")
        return level if level in (1, 2, 3) else default
