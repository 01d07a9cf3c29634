from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tutela.core.crypto import EncryptedTextField


class ColumnMapping(models.Model):
    """How one organisation's files (a Kobo export, their own sheet) map to the 5W fields, saved and
    reused next month. `columns`: {source column header: target field}; `values`: {target field:
    {source value: target value}} (e.g. "Déplacés" -> "IDP")."""

    operation = models.ForeignKey(
        "core.Operation", on_delete=models.CASCADE, related_name="column_mappings"
    )
    organisation = models.ForeignKey(
        "core.Organisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="column_mappings",
        help_text=_("Empty: available to every organisation of the operation."),
    )
    kind = models.CharField(max_length=30, default="5w")
    name = models.CharField(_("name"), max_length=100)
    columns = models.JSONField(_("columns"), default=dict)
    values = models.JSONField(_("values"), default=dict, blank=True)
    sheet = models.CharField(_("sheet"), max_length=100, blank=True)
    header_row = models.PositiveSmallIntegerField(_("header row"), default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

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

    def __str__(self) -> str:
        return self.name


class ImportRecord(models.Model):
    """One upload: what was sent, what it did (or would have done, for a dry run)."""

    # Its file is deleted after the retention period (core.services.files.upload_files_expire).
    keeps_upload = True

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        REJECTED = "rejected", _("Rejected")
        DRY_RUN = "dry_run", _("Checked (dry run)")
        IMPORTED = "imported", _("Imported")

    operation = models.ForeignKey(
        "core.Operation", on_delete=models.CASCADE, related_name="import_records"
    )
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=30, default="5w")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    file_name = models.CharField(max_length=255)
    # The uploaded file (encrypted), kept while the annotated workbook, the mapping page or the
    # import of a dry run may need it: see core.imports.uploads.record_needs_file.
    file = models.FileField(upload_to="imports/%Y/%m/", blank=True)
    mapping = models.ForeignKey(ColumnMapping, on_delete=models.SET_NULL, null=True, blank=True)
    # Cells corrected in the browser after a check (tutela.core.imports.corrections), as JSON,
    # encrypted as the file is; applied to the file each time it is read.
    corrections = EncryptedTextField(blank=True, default="")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    rows_read = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    warning_count = models.PositiveIntegerField(default=0)
    # The first problems found, for the page: [{row, column, field, code, message, severity}].
    problems = models.JSONField(default=list, blank=True)
    job = models.ForeignKey("core.Job", on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return self.file_name
