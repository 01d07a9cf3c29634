"""Saved column/value mappings of monitoring-network files, and each upload's record."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tutela.core.crypto import EncryptedTextField


class Kind(models.TextChoices):
    INCIDENTS = "incidents", _("Incidents")
    COMMUNITY = "community", _("Community monitoring")


class MonitoringMapping(models.Model):
    """A named mapping: {source header: field} and {field: {source value: code}}."""

    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="+")
    # Empty: usable by every organisation of the operation.
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    columns = models.JSONField(default=dict, blank=True)
    values = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["operation", "kind", "name"]
        verbose_name = _("import mapping")
        verbose_name_plural = _("import mappings")
        constraints = [
            models.UniqueConstraint(
                fields=["operation", "kind", "name"], name="monitoringmapping_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class MonitoringImport(models.Model):
    """One upload of incidents or community monitoring rows (all-or-nothing)."""

    # Its file is deleted after the retention period (core.services.files.upload_files_expire).
    keeps_upload = True

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        REJECTED = "rejected", _("Rejected")
        DRY_RUN = "dry_run", _("Checked (dry run)")
        IMPORTED = "imported", _("Imported")

    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    file_name = models.CharField(max_length=255)
    file = models.FileField(upload_to="monitoring-imports/%Y/%m/", blank=True)
    mapping = models.ForeignKey(
        MonitoringMapping, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The import profile the file was read with (tutela.core.imports.profiles), by name.
    profile = models.CharField(max_length=100, blank=True)
    # Cells corrected in the browser after a check (tutela.core.imports.corrections), as JSON,
    # encrypted as the file is (incident lists carry personal data); applied to the file each
    # time it is read.
    corrections = EncryptedTextField(blank=True, default="")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    rows_read = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    # Rows a mapping or profile rule left out (an ACLED export's strategic developments...).
    skipped_count = models.PositiveIntegerField(default=0)
    # ...and by which rule: [{"field": "risks", "value": "Peaceful protest", "rows": 12}, ...].
    left_out = models.JSONField(default=list, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    warning_count = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)
    job = models.ForeignKey("core.Job", on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("monitoring import")
        verbose_name_plural = _("monitoring imports")

    def __str__(self) -> str:
        return self.file_name
