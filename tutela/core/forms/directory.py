"""Forms of the operation directory. They parse input only: the services validate and write."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tutela.core.forms.fields import DateInput
from tutela.core.models import (
    AdminArea,
    AuditEntry,
    Body,
    Membership,
    Operation,
    Organisation,
)
from tutela.core.selectors import audit_entity_types, country_pcodes


def apply_validation_error(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on the field it names when the form has
    that field, at the top of the form otherwise."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            target = field if field in form.fields else None
            if field == "scope" and "scope_pcodes" in form.fields:
                target = "scope_pcodes"
            for item in errors:
                form.add_error(target, item)
    else:
        form.add_error(None, error)


def valid_filters(form: forms.Form) -> dict[str, Any]:
    """The filters of a GET form that hold a valid value: a bad value is ignored (and shown as
    an error on the form) rather than failing the page."""
    if not form.is_bound:
        return {}
    form.is_valid()
    return {
        key: value
        for key, value in form.cleaned_data.items()
        if key not in form.errors and value not in (None, "", False)
    }


def record_type_label(entity_type: str) -> str:
    """ "core.contact" -> "contact" (the model's name in the user's language)."""
    try:
        model = apps.get_model(entity_type)
    except (LookupError, ValueError):
        return entity_type
    return str(model._meta.verbose_name)


def _organisation_choices(operation: Operation) -> QuerySet[Organisation]:
    return Organisation.objects.filter(operations=operation).order_by("acronym")


class OrganisationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.acronym} — {obj.name}"


# --- Organisations -------------------------------------------------------------------------------


class OrganisationFilterForm(forms.Form):
    q = forms.CharField(label=_("Search name or acronym"), required=False, max_length=100)
    type = forms.ChoiceField(
        label=_("Type"),
        required=False,
        choices=[("", _("All types")), *Organisation.Type.choices],
    )


class OrganisationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    acronym = forms.CharField(
        label=_("Acronym"),
        max_length=40,
        help_text=_("Unique on the server; used to recognise the organisation in imports."),
    )
    type = forms.ChoiceField(label=_("Type"), choices=Organisation.Type.choices)
    country = forms.ModelChoiceField(
        label=_("Country of registration"),
        queryset=AdminArea.objects.filter(level=0).order_by("name"),
        required=False,
        empty_label=_("— international —"),
    )
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")


# --- Coordination structure ----------------------------------------------------------------------

_PCODE_SPLIT = re.compile(r"[\s,;]+")


class BodyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    code = forms.CharField(
        label=_("Code"),
        max_length=30,
        required=False,
        help_text=_("Short code used in 5W files, e.g. PRO, PRO-CPN, PRO-GBV."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Body.Kind.choices)
    parent = forms.ModelChoiceField(
        label=_("Part of"),
        queryset=Body.objects.none(),
        required=False,
        empty_label=_("— top level —"),
    )
    lead = OrganisationChoiceField(
        label=_("Lead organisation"), queryset=Organisation.objects.none(), required=False
    )
    co_lead = OrganisationChoiceField(
        label=_("Co-lead organisation"), queryset=Organisation.objects.none(), required=False
    )
    scope_pcodes = forms.CharField(
        label=_("Geographic scope (P-codes)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "P-codes of the admin areas covered, separated by commas or spaces "
            "(e.g. ML05, ML06). Leave empty for the whole operation."
        ),
    )

    def __init__(self, *args: Any, operation: Operation, body: Body | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.operation = operation
        parents = Body.objects.filter(operation=operation).order_by("name")
        if body is not None:
            # Neither the body itself nor anything below it can become its parent.
            excluded = {body.pk}
            frontier = {body.pk}
            while frontier:
                frontier = (
                    set(Body.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
                    - excluded
                )
                excluded |= frontier
            parents = parents.exclude(pk__in=excluded)
        self.fields["parent"].queryset = parents  # type: ignore[attr-defined]
        self.fields["lead"].queryset = _organisation_choices(operation)  # type: ignore[attr-defined]
        self.fields["co_lead"].queryset = _organisation_choices(operation)  # type: ignore[attr-defined]

    def clean_scope_pcodes(self) -> list[AdminArea]:
        raw = self.cleaned_data.get("scope_pcodes") or ""
        codes = [code.upper() for code in _PCODE_SPLIT.split(raw) if code]
        codes = list(dict.fromkeys(codes))
        if not codes:
            return []
        found = {
            area.pcode: area
            for area in AdminArea.objects.filter(
                pcode__in=codes, country_pcode__in=country_pcodes(self.operation)
            )
        }
        unknown = [code for code in codes if code not in found]
        if unknown:
            raise ValidationError(
                _("Unknown P-code(s) in this operation's countries: %(codes)s."),
                params={"codes": ", ".join(unknown)},
            )
        return [found[code] for code in codes]

    @staticmethod
    def initial_for(body: Body) -> dict[str, Any]:
        return {
            "name": body.name,
            "code": body.code,
            "kind": body.kind,
            "parent": body.parent_id,
            "lead": body.lead_id,
            "co_lead": body.co_lead_id,
            "scope_pcodes": ", ".join(area.pcode for area in body.scope.all()),
        }

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["scope"] = data.pop("scope_pcodes")
        return data


class MembershipForm(forms.Form):
    organisation = OrganisationChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none()
    )
    role = forms.ChoiceField(
        label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.MEMBER
    )
    is_nuclear = forms.BooleanField(
        label=_("Nuclear member"),
        required=False,
        help_text=_("Part of the small core consulted in emergencies."),
    )
    since = forms.DateField(label=_("Member since"), required=False, widget=DateInput())
    until = forms.DateField(label=_("Member until"), required=False, widget=DateInput())

    def __init__(
        self,
        *args: Any,
        operation: Operation,
        body: Body,
        membership: Membership | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        if membership is not None:
            # The organisation of an existing membership does not change: end it and add another.
            del self.fields["organisation"]
        else:
            members = Membership.objects.filter(body=body).values_list("organisation_id")
            self.fields["organisation"].queryset = _organisation_choices(  # type: ignore[attr-defined]
                operation
            ).exclude(pk__in=members)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end date is before the start date."))
        return cleaned


class MembershipEndForm(forms.Form):
    until = forms.DateField(label=_("Membership ended on"), widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["until"].initial = timezone.localdate()


# --- Contacts ------------------------------------------------------------------------------------


class ContactForm(forms.Form):
    organisation = OrganisationChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none()
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    title = forms.CharField(label=_("Title / function"), max_length=200, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=60, required=False)
    bodies = forms.ModelMultipleChoiceField(
        label=_("Coordination bodies attended"),
        queryset=Body.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    is_active = forms.BooleanField(
        label=_("Active (listed in the directory)"), required=False, initial=True
    )

    def __init__(
        self,
        *args: Any,
        operation: Operation,
        organisations: QuerySet[Organisation],
        editing: bool = False,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        if not editing:
            del self.fields["is_active"]
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
        if organisations.count() == 1:
            self.fields["organisation"].initial = organisations.first()
        self.fields["bodies"].queryset = Body.objects.filter(  # type: ignore[attr-defined]
            operation=operation
        ).order_by("name")


class ContactFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search name, title or organisation"), required=False, max_length=100
    )
    organisation = OrganisationChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("All organisations"),
    )
    body = forms.ModelChoiceField(
        label=_("Coordination body"),
        queryset=Body.objects.none(),
        required=False,
        empty_label=_("All bodies"),
    )
    include_inactive = forms.BooleanField(label=_("Include inactive"), required=False)

    def __init__(self, *args: Any, operation: Operation, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = _organisation_choices(operation)  # type: ignore[attr-defined]
        self.fields["body"].queryset = Body.objects.filter(  # type: ignore[attr-defined]
            operation=operation
        ).order_by("name")

    def filters(self) -> dict[str, Any]:
        return valid_filters(self)


# --- Audit log -----------------------------------------------------------------------------------


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("Who (e-mail contains)"), required=False, max_length=254)
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[("", _("All actions")), *AuditEntry.Action.choices],
    )
    entity_type = forms.ChoiceField(label=_("Record type"), required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())
    q = forms.CharField(label=_("Summary contains"), required=False, max_length=100)

    def __init__(self, *args: Any, operation: Operation, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["entity_type"].choices = [  # type: ignore[attr-defined]
            ("", _("All record types")),
            *((value, record_type_label(value)) for value in audit_entity_types(operation)),
        ]

    def filters(self) -> dict[str, Any]:
        return valid_filters(self)
