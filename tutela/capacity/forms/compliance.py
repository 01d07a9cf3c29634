"""The form of the reporting reminders' settings (on the compliance dashboard)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ReminderSettingsForm(forms.Form):
    reminder_days = forms.IntegerField(
        label=_("Remind this many days before the 5W deadline"),
        min_value=0,
        max_value=30,
        help_text=_("0: on the deadline day only."),
    )
