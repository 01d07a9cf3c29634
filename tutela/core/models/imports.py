"""What every importer's upload record and saved mapping have in common (abstract models).

An importer (the 5W, protection monitoring, and every later one) keeps one record per upload,
which the import engine in `tutela.core.imports` reads and writes (`uploads.UploadRecord`), and
saved mappings of its files' columns and values, reused next month. Each importer's concrete
models add what is its own: the kind of file, the organisation rule, its mapping model, its
counters."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tutela.core.crypto import EncryptedTextField


class UploadStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    REJECTED = "rejected", _("Rejected")
    DRY_RUN = "dry_run", _("Checked (dry run)")
    IMPORTED = "imported", _("Imported")


class UploadRecordBase(models.Model):
    """One upload: what was sent, and what it did (or would have done, for a dry run);
    all-or-nothing."""

    # Its file is deleted after the retention period (core.services.files.upload_files_expire).
    keeps_upload = True

    Status = UploadStatus

    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    file_name = models.CharField(max_length=255)
    # Cells corrected in the browser after a check (tutela.core.imports.corrections), as JSON,
    # encrypted as the file is (files can carry personal data); applied to the file each time
    # it is read.
    corrections = EncryptedTextField(blank=True, default="")
    status = models.CharField(
        max_length=10, choices=UploadStatus.choices, default=UploadStatus.PENDING
    )
    rows_read = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    warning_count = models.PositiveIntegerField(default=0)
    # The first problems found, for the page: [{row, column, field, code, message, severity}].
    problems = models.JSONField(default=list, blank=True)
    # The import profile the file was read with (tutela.core.imports.profiles), by name; empty
    # when read with a saved mapping or the importer's own template.
    profile = models.CharField(max_length=100, blank=True)
    job = models.ForeignKey("core.Job", on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    if TYPE_CHECKING:
        # Each importer's own fields (its upload folder, its organisation rule, its mapping
        # model), declared for the import engine's type checks (tutela.core.imports.engine).
        file: Any
        organisation: Any
        mapping: Any

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.file_name


class SavedMappingBase(models.Model):
    """A named mapping of an organisation's files: `columns` {source header: target field} and
    `values` {target field: {source value: code}} (e.g. "Déplacés" -> "IDP")."""

    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="+")
    # Empty: usable by every organisation of the operation.
    organisation = models.ForeignKey(
        "core.Organisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: available to every organisation of the operation."),
    )
    name = models.CharField(_("name"), max_length=100)
    columns = models.JSONField(_("columns"), default=dict, blank=True)
    values = models.JSONField(_("values"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name
