"""Forms of the case pages: registration, the case's fields, a person, a document, search,
reassignment."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tutela.cases.forms.fields import PcodeField, UserChoiceField, UserMultipleChoiceField, staff_of
from tutela.cases.models import Case, CaseDocument, CasePerson, Sex, SpecificNeed
from tutela.cases.services.cases import PersonData
from tutela.core.forms.fields import DateInput
from tutela.core.models import Operation, PopulationGroup, ProtectionRisk


class PersonFields(forms.Form):
    given_name = forms.CharField(label=_("Given name(s)"), max_length=200, required=False)
    family_name = forms.CharField(label=_("Family name"), max_length=200, required=False)
    other_names = forms.CharField(
        label=_("Other names or spellings"), max_length=300, required=False
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, initial=Sex.UNKNOWN)
    date_of_birth = forms.DateField(label=_("Date of birth"), required=False, widget=DateInput())
    age = forms.IntegerField(
        label=_("Age (years)"),
        min_value=0,
        max_value=120,
        required=False,
        help_text=_("When the date of birth is not known."),
    )
    disability = forms.BooleanField(label=_("Person with disability"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    id_type = forms.ChoiceField(
        label=_("ID document type"),
        choices=[("", "—"), *CasePerson.IdType.choices],
        required=False,
    )
    id_number = forms.CharField(label=_("ID document number"), max_length=80, required=False)

    def person_data(self, relationship: str = CasePerson.Relationship.SELF) -> PersonData:
        data = self.cleaned_data
        return PersonData(
            given_name=data.get("given_name") or "",
            family_name=data.get("family_name") or "",
            other_names=data.get("other_names") or "",
            date_of_birth=data.get("date_of_birth"),
            phone=data.get("phone") or "",
            id_type=data.get("id_type") or "",
            id_number=data.get("id_number") or "",
            sex=data.get("sex") or Sex.UNKNOWN,
            age=data.get("age"),
            disability=bool(data.get("disability")),
            relationship=data.get("relationship") or relationship,
        )

    @staticmethod
    def initial_for(person: CasePerson) -> dict[str, Any]:
        return {
            "given_name": person.given_name,
            "family_name": person.family_name,
            "other_names": person.other_names,
            "sex": person.sex,
            "date_of_birth": person.date_of_birth or None,
            "age": person.age,
            "disability": person.disability,
            "phone": person.phone,
            "id_type": person.id_type,
            "id_number": person.id_number,
            "relationship": person.relationship,
        }


class CaseFields(forms.Form):
    """The case's own fields (shared by registration and editing)."""

    kind = forms.ChoiceField(label=_("Kind"), choices=Case.Kind.choices)
    case_type = forms.ChoiceField(label=_("Case type"), choices=Case.Type.choices)
    risk_level = forms.ChoiceField(
        label=_("Risk level"), choices=Case.RiskLevel.choices, initial=Case.RiskLevel.MEDIUM
    )
    nationality = forms.CharField(
        label=_("Nationality"),
        max_length=3,
        required=False,
        help_text=_("Three-letter ISO code: MLI, BFA, NER..."),
    )
    displacement_status = forms.ModelChoiceField(
        label=_("Displacement status"), queryset=PopulationGroup.objects.none(), required=False
    )
    specific_needs = forms.ModelMultipleChoiceField(
        label=_("Specific needs"),
        queryset=SpecificNeed.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    concerns = forms.ModelMultipleChoiceField(
        label=_("Protection concerns"),
        queryset=ProtectionRisk.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    address = forms.CharField(
        label=_("Address"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    summary = forms.CharField(
        label=_("Reason for registration"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, operation: Operation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.operation = operation
        self.fields["area"] = PcodeField(operation=operation, label=_("Location (P-code)"))
        self.fields["displacement_status"].queryset = PopulationGroup.objects.filter(  # type: ignore[attr-defined]
            operation=operation
        )
        self.fields["specific_needs"].queryset = SpecificNeed.objects.filter(  # type: ignore[attr-defined]
            operation=operation, is_active=True
        )
        self.fields["concerns"].queryset = ProtectionRisk.objects.filter(  # type: ignore[attr-defined]
            operation=operation, is_active=True
        )

    def case_values(self) -> dict[str, Any]:
        names = [*CaseFields.base_fields, "area"]
        return {name: self.cleaned_data.get(name) for name in names}


class CaseRegisterForm(PersonFields, CaseFields):
    registered_on = forms.DateField(label=_("Registered on"), required=False, widget=DateInput())
    confirm_not_duplicate = forms.BooleanField(
        label=_("I checked the cases above: this is someone else."), required=False
    )


class CaseEditForm(CaseFields):
    @staticmethod
    def initial_for(case: Case) -> dict[str, Any]:
        return {
            "kind": case.kind,
            "case_type": case.case_type,
            "risk_level": case.risk_level,
            "nationality": case.nationality,
            "displacement_status": case.displacement_status_id,
            "specific_needs": list(case.specific_needs.all()),
            "concerns": list(case.concerns.all()),
            "address": case.address,
            "summary": case.summary,
            "area": case.area.pcode,
        }


class MemberForm(PersonFields):
    relationship = forms.ChoiceField(
        label=_("Relationship to the principal"),
        choices=[c for c in CasePerson.Relationship.choices if c[0] != "self"],
    )


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.display_name or str(obj.get_relationship_display())


class DocumentForm(forms.Form):
    file = forms.FileField(label=_("Photo or document (JPEG, PNG or PDF, 10 MB at most)"))
    kind = forms.ChoiceField(label=_("Kind"), choices=CaseDocument.Kind.choices)
    person = forms.ModelChoiceField(
        label=_("Person"), queryset=CasePerson.objects.none(), required=False
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"] = PersonChoiceField(
            label=_("Person"), queryset=case.people.all(), required=False
        )


class CaseFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search by name, phone, ID number or case code"), required=False, max_length=200
    )
    stage = forms.ChoiceField(
        label=_("Stage"), choices=[("", _("Open")), *Case.Stage.choices], required=False
    )
    case_type = forms.ChoiceField(
        label=_("Case type"), choices=[("", _("All")), *Case.Type.choices], required=False
    )
    mine = forms.BooleanField(label=_("Only mine"), required=False)


class ReassignForm(forms.Form):
    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        staff = staff_of(case.operation, case.organisation_id)
        self.fields["owner"] = UserChoiceField(label=_("Caseworker in charge"), queryset=staff)
        self.fields["assigned"] = UserMultipleChoiceField(
            label=_("Also assigned to"),
            queryset=staff,
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )
