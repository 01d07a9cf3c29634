"""Forms of the action point, alert and mission pages (the API uses serializers that call the same
services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tutela.coordination.models import ActionPoint, Alert, Mission
from tutela.core.counts import MAX_COUNT
from tutela.core.forms.directory import OrganisationChoiceField
from tutela.core.models import AdminArea, Body, Operation, Organisation, User


def organisations_of(operation: Operation) -> QuerySet[Organisation]:
    return Organisation.objects.filter(operations=operation).order_by("acronym")


def bodies_of(operation: Operation) -> QuerySet[Body]:
    return Body.objects.filter(operation=operation).order_by("kind", "name")


def people_of(operation: Operation) -> QuerySet[User]:
    return (
        User.objects.filter(operation_roles__operation=operation, is_active=True)
        .select_related("organisation")
        .distinct()
        .order_by("full_name", "email")
    )


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        organisation = f" ({obj.organisation.acronym})" if obj.organisation_id else ""
        return f"{obj.full_name or obj.email}{organisation}"


class PcodeField(forms.CharField):
    """A P-code typed by the user, resolved to an admin area of the operation's countries."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 30)
        super().__init__(*args, **kwargs)
        self.operation: Operation | None = None

    def clean(self, value: Any) -> AdminArea | None:
        code = (super().clean(value) or "").strip().upper()
        if not code:
            return None
        countries = (
            list(self.operation.countries.values_list("pcode", flat=True)) if self.operation else []
        )
        area = AdminArea.objects.filter(pcode=code, country_pcode__in=countries).first()
        if area is None:
            raise ValidationError(_("Unknown P-code in this operation's countries."))
        return area


# --- Action points ------------------------------------------------------------------------------


class ActionPointFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("Any status")),
            ("open_all", _("Open or in progress")),
            *ActionPoint.Status.choices,
        ],
    )
    organisation = OrganisationChoiceField(
        label=_("Owner organisation"), queryset=Organisation.objects.none(), required=False
    )
    body = forms.ModelChoiceField(label=_("Body"), queryset=Body.objects.none(), required=False)
    source = forms.ChoiceField(
        label=_("Source"),
        required=False,
        choices=[("", _("Any source")), *ActionPoint.SourceKind.choices],
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    q = forms.CharField(label=_("Search"), required=False, max_length=100)

    def __init__(self, *args: Any, operation: Operation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations_of(operation)  # type: ignore[attr-defined]
        self.fields["body"].queryset = bodies_of(operation)  # type: ignore[attr-defined]


class ActionPointForm(forms.Form):
    title = forms.CharField(label=_("Action"), max_length=500)
    description = forms.CharField(
        label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    owner_organisation = OrganisationChoiceField(
        label=_("Owner organisation"), queryset=Organisation.objects.none(), required=False
    )
    owner = PersonChoiceField(
        label=_("Owner (person)"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Leave empty when the organisation as a whole owns the action."),
    )
    due_date = forms.DateField(
        label=_("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=ActionPoint.Priority.choices, initial="medium"
    )
    body = forms.ModelChoiceField(
        label=_("Followed up by"),
        queryset=Body.objects.none(),
        required=False,
        help_text=_("The body whose meetings review this action point."),
    )

    def __init__(self, *args: Any, operation: Operation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner_organisation"].queryset = organisations_of(operation)  # type: ignore[attr-defined]
        self.fields["owner"].queryset = people_of(operation)  # type: ignore[attr-defined]
        self.fields["body"].queryset = bodies_of(operation)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("owner_organisation") and not data.get("owner"):
            raise ValidationError(_("Give an owner: an organisation, a person or both."))
        return data

    @staticmethod
    def initial_for(action_point: ActionPoint) -> dict[str, Any]:
        return {
            "title": action_point.title,
            "description": action_point.description,
            "owner_organisation": action_point.owner_organisation_id,
            "owner": action_point.owner_id,
            "due_date": action_point.due_date,
            "priority": action_point.priority,
            "body": action_point.body_id,
        }


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=ActionPoint.Status.choices)
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Comment"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


# --- Alerts -------------------------------------------------------------------------------------


class AlertFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *Alert.Status.choices]
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Any kind")), *Alert.Kind.choices]
    )


class AlertForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Alert.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=300)
    occurred_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    area = PcodeField(
        label=_("Location (P-code)"), help_text=_("The P-code of the place, e.g. ML0501.")
    )
    people_affected = forms.IntegerField(
        label=_("Estimated people affected"), required=False, min_value=0, max_value=MAX_COUNT
    )
    source = forms.CharField(label=_("Source"), max_length=300, required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )

    def __init__(self, *args: Any, operation: Operation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].operation = operation  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(alert: Alert) -> dict[str, Any]:
        return {
            "kind": alert.kind,
            "title": alert.title,
            "occurred_on": alert.occurred_on,
            "area": alert.area.pcode,
            "people_affected": alert.people_affected,
            "source": alert.source,
            "description": alert.description,
        }


class RecipientAddForm(forms.Form):
    organisation = OrganisationChoiceField(
        label=_("An organisation"), queryset=Organisation.objects.none(), required=False
    )
    body = forms.ModelChoiceField(
        label=_("Or every organisation a body reaches"),
        queryset=Body.objects.none(),
        required=False,
        help_text=_(
            "An AoR is reached through its lead organisations, other bodies through all their "
            "members."
        ),
    )

    def __init__(self, *args: Any, operation: Operation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations_of(operation)  # type: ignore[attr-defined]
        self.fields["body"].queryset = bodies_of(operation)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("organisation") and not data.get("body"):
            raise ValidationError(_("Choose an organisation or a body."))
        return data


class AcknowledgeForm(forms.Form):
    response = forms.CharField(
        label=_("Your organisation's response (optional)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What your organisation is doing or can do: assessment, services, presence."),
    )


# --- Missions -----------------------------------------------------------------------------------


class MissionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    alert = forms.ModelChoiceField(
        label=_("Following the alert"), queryset=Alert.objects.none(), required=False
    )
    area = PcodeField(
        label=_("Location (P-code)"),
        required=False,
        help_text=_("Leave empty to use the alert's location."),
    )
    starts_on = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    organisations = forms.ModelMultipleChoiceField(
        label=_("Participating organisations"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    status = forms.ChoiceField(label=_("Status"), choices=Mission.Status.choices)
    findings = forms.CharField(
        label=_("Findings"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    recommendations = forms.CharField(
        label=_("Recommendations"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )

    def __init__(self, *args: Any, operation: Operation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["alert"].queryset = Alert.objects.filter(operation=operation).order_by(  # type: ignore[attr-defined]
            "-occurred_on", "-id"
        )
        self.fields["organisations"].queryset = organisations_of(operation)  # type: ignore[attr-defined]
        self.fields["area"].operation = operation  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("The mission ends before it starts."))
        return data

    @staticmethod
    def initial_for(mission: Mission) -> dict[str, Any]:
        return {
            "title": mission.title,
            "alert": mission.alert_id,
            "area": mission.area.pcode if mission.area else "",
            "starts_on": mission.starts_on,
            "ends_on": mission.ends_on,
            "organisations": [o.pk for o in mission.organisations.all()],
            "status": mission.status,
            "findings": mission.findings,
            "recommendations": mission.recommendations,
        }
