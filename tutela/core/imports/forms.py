"""The upload form every importer's form builds on: a file, the reporting organisation (for
those who may choose it), a saved mapping and "check only". Each importer declares the fields
with its own labels and help; this class fills the choices."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tutela.core.imports.limits import ReadLimits


class UploadFormBase(forms.Form):
    """Subclasses declare `file`, `organisation` and `mapping` (ModelChoiceFields) and
    `dry_run`. `organisations` and `mappings` are the querysets offered; without
    `choose_organisation` the organisation field is left out (the user's own is used)."""

    def __init__(
        self,
        *args: Any,
        organisations: Any,
        mappings: Any,
        choose_organisation: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        org_field = self.fields["organisation"]
        mapping_field = self.fields["mapping"]
        assert isinstance(org_field, forms.ModelChoiceField)
        assert isinstance(mapping_field, forms.ModelChoiceField)
        org_field.queryset = organisations
        mapping_field.queryset = mappings
        if not choose_organisation:
            del self.fields["organisation"]

    def clean_file(self) -> Any:
        """Refuse a file over the size limit here, before it is read."""
        upload = self.cleaned_data.get("file")
        limit = ReadLimits.current().max_bytes
        if upload is not None and (getattr(upload, "size", 0) or 0) > limit:
            raise ValidationError(
                _("The file is too big (more than %(size)d MB).") % {"size": limit // 2**20}
            )
        return upload


class ProfileUploadForm(forms.Form):
    """An import profile file (JSON) for the operation's managers to take in."""

    file = forms.FileField(
        label=gettext_lazy("Profile file (JSON)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".json,application/json"}),
    )
