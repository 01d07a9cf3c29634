"""Forms of referrals and of the service directory."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tutela.cases.forms.fields import PcodeField, UserChoiceField
from tutela.cases.forms.workflow import OrganisationChoice, _other_organisations, field_choices
from tutela.cases.models import Case, Referral, Service, ServiceType
from tutela.core.models import AdminArea, Operation, Organisation, PopulationGroup, User


class ServiceChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.organisation.acronym} — {obj.name} ({obj.service_type.name})"


class ReferralForm(forms.Form):
    priority = forms.ChoiceField(
        label=_("Priority"), choices=Referral.Priority.choices, initial=Referral.Priority.NORMAL
    )
    reason = forms.CharField(
        label=_("Reasons for referral"), widget=forms.Textarea(attrs={"rows": 4})
    )
    caregiver_informed = forms.NullBooleanField(
        label=_("Caregiver informed (child)"),
        required=False,
        widget=forms.Select(choices=[("unknown", "—"), ("true", _("Yes")), ("false", _("No"))]),
    )
    override_reason = forms.CharField(
        label=_("Supervisor's override: reason to refer beyond the consent"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        operation = case.operation
        self.fields["service"] = ServiceChoice(
            label=_("Service (from the directory)"),
            queryset=Service.objects.filter(operation=operation, is_active=True, is_published=True)
            .exclude(organisation_id=case.organisation_id)
            .select_related("organisation", "service_type"),
            required=False,
        )
        self.fields["to_organisation"] = OrganisationChoice(
            label=_("Receiving organisation"),
            queryset=_other_organisations(case),
            required=False,
            help_text=_("Not needed when a service is chosen."),
        )
        self.fields["services_requested"] = forms.ModelMultipleChoiceField(
            label=_("Services requested"),
            queryset=ServiceType.objects.filter(operation=operation, is_active=True),
            widget=forms.CheckboxSelectMultiple,
        )
        self.fields["fields"] = forms.MultipleChoiceField(
            label=_("Information shared with the receiver (as the consent allows)"),
            choices=field_choices(case),
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )
        self.order_fields(
            [
                "service",
                "to_organisation",
                "priority",
                "services_requested",
                "reason",
                "caregiver_informed",
                "fields",
                "override_reason",
            ]
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        service = data.get("service")
        if service is not None:
            data["to_organisation"] = service.organisation
        elif data.get("to_organisation") is None:
            self.add_error("to_organisation", _("Choose a service or an organisation."))
        return data


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for declining"), widget=forms.Textarea(attrs={"rows": 2})
    )


class CompleteForm(forms.Form):
    feedback = forms.CharField(
        label=_("Feedback to the referring organisation"), widget=forms.Textarea(attrs={"rows": 3})
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for withdrawing"), widget=forms.Textarea(attrs={"rows": 2})
    )


class OpenCaseForm(forms.Form):
    confirm_not_duplicate = forms.BooleanField(
        label=_("I checked the cases above: this is someone else."), required=False
    )

    def __init__(self, *args: Any, operation: Operation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"] = PcodeField(
            operation=operation,
            label=_("Location (P-code)"),
            required=False,
            help_text=_("Needed when the referral did not share the location."),
        )


class DirectoryFilterForm(forms.Form):
    area = forms.CharField(label=_("Area (P-code)"), required=False, max_length=20)

    def __init__(self, *args: Any, operation: Operation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service_type"] = forms.ModelChoiceField(
            label=_("Type of service"),
            queryset=ServiceType.objects.filter(operation=operation, is_active=True),
            required=False,
        )
        self.fields["organisation"] = OrganisationChoice(
            label=_("Organisation"),
            queryset=Organisation.objects.filter(operations=operation).order_by("acronym"),
            required=False,
        )


class DirectoryServiceForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    areas = forms.CharField(label=_("Areas served (P-codes, separated by commas)"))
    population = forms.CharField(label=_("Who is served"), max_length=300, required=False)
    languages = forms.CharField(label=_("Languages (separated by commas)"), required=False)
    hours = forms.CharField(label=_("Opening hours"), max_length=200, required=False)
    contact_name = forms.CharField(label=_("Contact person"), max_length=200, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=40, required=False)
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False)
    referral_requirements = forms.CharField(
        label=_("Referral requirements"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    is_published = forms.BooleanField(
        label=_("Published to the operation's members"), required=False, initial=True
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, operation: Operation, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.operation = operation
        self.fields["organisation"] = OrganisationChoice(
            label=_("Organisation"), queryset=organisations
        )
        self.fields["service_type"] = forms.ModelChoiceField(
            label=_("Type of service"),
            queryset=ServiceType.objects.filter(operation=operation, is_active=True),
        )
        self.fields["population_groups"] = forms.ModelMultipleChoiceField(
            label=_("Population groups served"),
            queryset=PopulationGroup.objects.filter(operation=operation),
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )
        self.fields["focal_point"] = UserChoiceField(
            label=_("Referral focal point"),
            queryset=User.objects.filter(
                is_active=True,
                organisation__in=organisations,
                operation_roles__operation=operation,
            )
            .distinct()
            .order_by("full_name"),
            required=False,
        )
        self.order_fields(["organisation", "service_type", "name"])

    def clean_areas(self) -> list[AdminArea]:
        codes = [c.strip().upper() for c in self.cleaned_data["areas"].replace(";", ",").split(",")]
        codes = [c for c in codes if c]
        countries = list(self.operation.countries.values_list("pcode", flat=True))
        found = {
            a.pcode: a
            for a in AdminArea.objects.filter(pcode__in=codes, country_pcode__in=countries)
        }
        missing = [c for c in codes if c not in found]
        if missing:
            raise forms.ValidationError(
                _("Unknown P-code(s): %(codes)s"), params={"codes": ", ".join(missing)}
            )
        return [found[c] for c in dict.fromkeys(codes)]

    def clean_languages(self) -> list[str]:
        raw = self.cleaned_data.get("languages") or ""
        return [x.strip() for x in raw.split(",") if x.strip()]

    @staticmethod
    def initial_for(service: Service) -> dict[str, Any]:
        return {
            "organisation": service.organisation_id,
            "service_type": service.service_type_id,
            "name": service.name,
            "description": service.description,
            "areas": ", ".join(a.pcode for a in service.areas.all()),
            "population_groups": list(service.population_groups.all()),
            "population": service.population,
            "languages": ", ".join(service.languages),
            "hours": service.hours,
            "contact_name": service.contact_name,
            "contact_phone": service.contact_phone,
            "contact_email": service.contact_email,
            "referral_requirements": service.referral_requirements,
            "focal_point": service.focal_point_id,
            "is_published": service.is_published,
            "is_active": service.is_active,
        }


class CaseloadExportForm(forms.Form):
    password = forms.CharField(
        label=_("Password of the file (12 characters at least)"),
        widget=forms.PasswordInput(render_value=False),
        min_length=12,
    )
    password_again = forms.CharField(
        label=_("The password again"), widget=forms.PasswordInput(render_value=False)
    )
    include_identifying = forms.BooleanField(
        label=_("Include names, dates of birth, phones and ID numbers (where consent allows)"),
        required=False,
    )
    override_reason = forms.CharField(
        label=_("Override: reason to include them for cases without consent"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two passwords differ."))
        return data
