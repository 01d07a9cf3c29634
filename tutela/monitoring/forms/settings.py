"""Forms of the monitoring settings pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tutela.core.models import Operation, Organisation, ProtectionRisk, User
from tutela.core.models.reference import NAME_LANGUAGES, operation_name_languages
from tutela.monitoring.models import RiskMapping, ViolationType
from tutela.monitoring.services.settings import (
    REFERENCE_COMMON,
    REFERENCE_EXTRA,
    REFERENCE_MODELS,
    analyst_candidates,
)


class UserMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.full_name or obj.email} ({obj.email})"


class MonitoringSettingsForm(forms.Form):
    analysts = UserMultipleChoiceField(
        label=_("Designated cluster analysts"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Besides the reporting organisation, only they read other organisations' non-GBV "
            "incident records and narratives, and review probable duplicates."
        ),
    )
    duplicate_window_days = forms.IntegerField(
        label=_("Duplicate window (days)"), min_value=0, max_value=60
    )
    baseline_months = forms.IntegerField(
        label=_("Early warning: baseline months"), min_value=1, max_value=36
    )
    min_count = forms.IntegerField(
        label=_("Early warning: minimum count for a signal"), min_value=1, max_value=1000
    )
    significance = forms.FloatField(
        label=_("Early warning: significance level"), min_value=0.0001, max_value=0.5
    )

    def __init__(self, *args: Any, operation: Operation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["analysts"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = User.objects.filter(
            pk__in=[u.pk for u in analyst_candidates(operation)]
        ).order_by("full_name", "email")


class SharingAgreementForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none()
    )
    shares_gbv_aggregates = forms.BooleanField(
        label=_("Agrees to share its GBV figures in aggregate"), required=False
    )
    signed_on = forms.DateField(
        label=_("Signed on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, operation: Operation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Organisation.objects.filter(operations=operation).order_by("acronym")


class PopulationUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File (CSV or XLSX)"),
        help_text=_("Columns: pcode, population, year, source."),
    )
    dry_run = forms.BooleanField(label=_("Check only, do not save"), required=False)


def reference_form_class(kind: str, operation: Operation) -> type[forms.ModelForm]:
    model = REFERENCE_MODELS[kind]
    fields = list(REFERENCE_COMMON) + list(REFERENCE_EXTRA[kind])

    class ReferenceForm(forms.ModelForm):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            if "risk" in self.fields:
                field = self.fields["risk"]
                assert isinstance(field, forms.ModelChoiceField)
                field.queryset = ProtectionRisk.objects.filter(operation=operation)
            # Names are asked for in the operation's own languages only (the service fills the
            # others for display).
            languages = operation_name_languages(operation)
            for lang in NAME_LANGUAGES:
                name = f"name_{lang}"
                if name in self.fields:
                    self.fields[name].required = lang in languages

        def _post_clean(self) -> None:
            # Validation (with the operation) happens in the service.
            pass

    return forms.modelform_factory(model, form=ReferenceForm, fields=fields)


class RiskMappingForm(forms.ModelForm):
    class Meta:
        model = RiskMapping
        fields = ["typology", "label", "risk", "violation"]

    def __init__(self, *args: Any, operation: Operation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        risk = self.fields["risk"]
        violation = self.fields["violation"]
        assert isinstance(risk, forms.ModelChoiceField)
        assert isinstance(violation, forms.ModelChoiceField)
        risk.queryset = ProtectionRisk.objects.filter(operation=operation)
        violation.queryset = ViolationType.objects.filter(operation=operation)

    def _post_clean(self) -> None:
        # Validation (uniqueness by label key, risk of the operation) happens in the service.
        pass
