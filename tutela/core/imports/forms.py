"""The upload form every importer's form builds on: a file, the reporting organisation (for
those who may choose it), a saved mapping and "check only". Each importer declares the fields
with its own labels and help; this class fills the choices."""

from __future__ import annotations

from typing import Any

from django import forms


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
