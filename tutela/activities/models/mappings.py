from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tutela.core.models.imports import SavedMappingBase, UploadRecordBase


class ColumnMapping(SavedMappingBase):
    """How one organisation's files (a Kobo export, their own sheet) map to the 5W fields, saved and
    reused next month."""

    kind = models.CharField(max_length=30, default="5w")
    sheet = models.CharField(_("sheet"), max_length=100, blank=True)
    header_row = models.PositiveSmallIntegerField(_("header row"), default=1)

    class Meta:
        ordering = ["operation", "name"]
        verbose_name = _("column mapping")
        verbose_name_plural = _("column mappings")
        constraints = [
            # Two partial constraints rather than nulls_distinct=False, which SQLite lacks.
            models.UniqueConstraint(
                fields=["operation", "organisation", "kind", "name"],
                condition=models.Q(organisation__isnull=False),
                name="mapping_unique_name",
            ),
            models.UniqueConstraint(
                fields=["operation", "kind", "name"],
                condition=models.Q(organisation__isnull=True),
                name="mapping_unique_name_shared",
            ),
        ]


class ImportRecord(UploadRecordBase):
    """One 5W upload (a template, a Kobo export, a partner's own sheet)."""

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=30, default="5w")
    # The uploaded file (encrypted), kept while the annotated workbook, the mapping page or the
    # import of a dry run may need it: see core.imports.uploads.record_needs_file.
    file = models.FileField(upload_to="imports/%Y/%m/", blank=True)
    mapping = models.ForeignKey(ColumnMapping, on_delete=models.SET_NULL, null=True, blank=True)
    unchanged_count = models.PositiveIntegerField(default=0)

    class Meta(UploadRecordBase.Meta):
        verbose_name = _("import")
        verbose_name_plural = _("imports")
