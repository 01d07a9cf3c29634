"""Forms of referrals between Tutela instances: registering a peer, answering an inbound
referral."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tutela.core.models import Operation, Organisation


class PeerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    base_url = forms.URLField(
        label=_("Address of the other Tutela"),
        max_length=300,
        help_text=_("e.g. https://tutela.example.org"),
        assume_scheme="https",
    )
    remote_operation = forms.SlugField(
        label=_("Operation on the other Tutela (its short name)"), max_length=50
    )
    signing_key = forms.CharField(label=_("Its public signing key"), max_length=64)
    encryption_key = forms.CharField(label=_("Its public encryption key"), max_length=64)
    organisations = forms.ModelMultipleChoiceField(
        label=_("Organisations of this operation that work in it"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, operation: Operation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisations"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = operation.organisations.order_by("acronym")


class InboundDeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for declining"), max_length=5000, widget=forms.Textarea
    )


class InboundCompleteForm(forms.Form):
    feedback = forms.CharField(
        label=_("Feedback to the referring organisation"), max_length=10000, widget=forms.Textarea
    )
