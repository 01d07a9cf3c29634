"""The filters of the "Sent e-mail" (outbox) page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tutela.core.forms.directory import valid_filters
from tutela.core.models import OutboxMessage


class OutboxFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *OutboxMessage.Status.choices],
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False)

    def __init__(self, *args: Any, kinds: list[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [  # type: ignore[attr-defined]
            ("", _("All kinds")),
            *((kind, kind) for kind in kinds),
        ]

    def filters(self) -> dict[str, Any]:
        return valid_filters(self)
