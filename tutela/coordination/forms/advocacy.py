"""Forms of the advocacy pages: recommendations, follow-ups and documents under clearance."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tutela.coordination import access as coordination_access
from tutela.coordination.models import (
    ClearanceDocument,
    Meeting,
    Mission,
    Recommendation,
)
from tutela.coordination.selectors import advocacy as selectors
from tutela.core.forms.fields import DateInput
from tutela.core.models import Body, Operation, User
from tutela.monitoring.models import AnalysisUpdate

BLANK: list[tuple[str, Any]] = [("", "—")]


# --- Recommendations -----------------------------------------------------------------------------


class RecommendationFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    addressee_kind = forms.ChoiceField(
        label=_("Addressee type"), required=False, choices=BLANK + Recommendation.Addressee.choices
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=BLANK + Recommendation.Status.choices
    )
    issued_in = forms.ChoiceField(
        label=_("Issued in"), required=False, choices=BLANK + Recommendation.IssuedIn.choices
    )
    pending = forms.BooleanField(label=_("Pending only"), required=False)
    issued_from = forms.DateField(label=_("Issued from"), required=False, widget=DateInput())
    issued_to = forms.DateField(label=_("Issued until"), required=False, widget=DateInput())
    order = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[("", _("Newest first")), ("oldest", _("Oldest first"))],
    )


class _LinkChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        if isinstance(obj, Meeting):
            return f"{obj.starts_at:%Y-%m-%d} — {obj.title}"
        if isinstance(obj, Mission):
            return f"{obj.starts_on:%Y-%m-%d} — {obj.title}"
        return str(getattr(obj, "title", obj))


class RecommendationForm(forms.Form):
    text = forms.CharField(label=_("Recommendation"), widget=forms.Textarea(attrs={"rows": 5}))
    addressee_kind = forms.ChoiceField(
        label=_("Addressee type"), choices=Recommendation.Addressee.choices
    )
    addressee = forms.CharField(
        label=_("Addressee"),
        max_length=300,
        help_text=_("For example: Ministry of Humanitarian Action, Governor of Mopti, OCHA."),
    )
    issued_in = forms.ChoiceField(label=_("Issued in"), choices=Recommendation.IssuedIn.choices)
    issued_on = forms.DateField(label=_("Issued on"), widget=DateInput())
    meeting = _LinkChoice(
        label=_("Meeting"), required=False, queryset=Meeting.objects.none(),
        help_text=_("When issued in a meeting."),
    )  # fmt: skip
    document = _LinkChoice(
        label=_("Briefing note"), required=False, queryset=ClearanceDocument.objects.none(),
        help_text=_("When issued in a briefing note."),
    )  # fmt: skip
    pau = _LinkChoice(
        label=_("Protection Analysis Update"), required=False,
        queryset=AnalysisUpdate.objects.none(), help_text=_("When issued in a PAU."),
    )  # fmt: skip
    mission = _LinkChoice(
        label=_("Mission"), required=False, queryset=Mission.objects.none(),
        help_text=_("When issued after a mission."),
    )  # fmt: skip

    LINKS = ("meeting", "document", "pau", "mission")

    def __init__(self, *args: Any, operation: Operation, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = Meeting.objects.filter(  # type: ignore[attr-defined]
            operation=operation
        ).order_by("-starts_at")
        self.fields["document"].queryset = coordination_access.document_queryset(  # type: ignore[attr-defined]
            user, operation
        ).order_by("-updated_at")
        self.fields["pau"].queryset = AnalysisUpdate.objects.filter(  # type: ignore[attr-defined]
            operation=operation
        ).order_by("-period_end")
        self.fields["mission"].queryset = Mission.objects.filter(  # type: ignore[attr-defined]
            operation=operation
        ).order_by("-starts_on")
        for name in self.LINKS:
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.empty_label = "—"
            # A list with nothing to choose from is only noise (no meeting or PAU yet...).
            queryset = field.queryset
            if (queryset is None or not queryset.exists()) and not (self.initial or {}).get(name):
                del self.fields[name]

    @property
    def has_links(self) -> bool:
        return any(name in self.fields for name in self.LINKS)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # Only the link that matches where it was issued is kept.
        expected = {
            Recommendation.IssuedIn.MEETING: "meeting",
            Recommendation.IssuedIn.BRIEFING_NOTE: "document",
            Recommendation.IssuedIn.PAU: "pau",
            Recommendation.IssuedIn.MISSION: "mission",
        }.get(data.get("issued_in", ""))
        for name in self.LINKS:
            if name != expected or name not in self.fields:
                data[name] = None
        return data


class FollowUpForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Recommendation.Status.choices)
    note = forms.CharField(
        label=_("What happened"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("A reply, a meeting with the addressee, a change seen on the ground..."),
    )
    evidence = forms.FileField(
        label=_("Evidence file"),
        required=False,
        help_text=_("PDF, Word, Excel, image or text file, up to 10 MB."),
    )
    evidence_link = forms.URLField(label=_("Evidence link"), required=False, assume_scheme="https")


# --- Documents -----------------------------------------------------------------------------------


def _language_choices(operation: Operation) -> list[tuple[str, str]]:
    names = dict(settings.LANGUAGES)
    codes = operation.languages or list(names)
    return [(code, str(names.get(code, code))) for code in codes]


class DocumentFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=BLANK + ClearanceDocument.Status.choices
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=BLANK + ClearanceDocument.Kind.choices
    )


class DocumentForm(forms.Form):
    """New document, or a draft's edit: title, kind, language and the Markdown text; a new
    document can be an uploaded Word file instead of text."""

    title = forms.CharField(label=_("Title"), max_length=300)
    kind = forms.ChoiceField(label=_("Kind"), choices=ClearanceDocument.Kind.choices)
    language = forms.ChoiceField(label=_("Language"))
    text = forms.CharField(
        label=_("Text (Markdown)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 18}),
        help_text=_("# Heading, **bold**, *italic*, - list item, | table | cells |"),
    )
    file = forms.FileField(
        label=_("Or upload a Word file (.docx)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".docx"}),
    )
    note = forms.CharField(label=_("Version note"), required=False, max_length=300)

    def __init__(
        self, *args: Any, operation: Operation, allow_upload: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = _language_choices(operation)  # type: ignore[attr-defined]
        if not allow_upload:
            del self.fields["file"]


class DocumentUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Word file (.docx)"), widget=forms.ClearableFileInput(attrs={"accept": ".docx"})
    )
    note = forms.CharField(label=_("Version note"), required=False, max_length=300)


class _UserChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        organisation = f" ({obj.organisation.acronym})" if obj.organisation_id else ""
        return f"{obj.full_name or obj.email}{organisation}"


class DocumentSubmitForm(forms.Form):
    approver = _UserChoice(label=_("Approver"), queryset=User.objects.none())

    def __init__(self, *args: Any, document: ClearanceDocument, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        candidates: QuerySet[User] = selectors.approver_candidates(document.operation)
        if document.created_by_id is not None:
            candidates = candidates.exclude(pk=document.created_by_id)
        self.fields["approver"].queryset = candidates  # type: ignore[attr-defined]


class DocumentReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("What needs to change"), widget=forms.Textarea(attrs={"rows": 4})
    )


class DocumentCirculateForm(forms.Form):
    body = forms.ModelChoiceField(label=_("Send to the members of"), queryset=Body.objects.none())
    attach_as = forms.ChoiceField(
        label=_("Attach as"), choices=[("docx", _("Word (.docx)")), ("pdf", _("PDF"))]
    )
    message = forms.CharField(
        label=_("Message"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, operation: Operation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].queryset = selectors.circulation_bodies(operation)  # type: ignore[attr-defined]
