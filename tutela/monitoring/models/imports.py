"""Saved column/value mappings of monitoring-network files, and each upload's record."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tutela.core.models.imports import SavedMappingBase, UploadRecordBase


class Kind(models.TextChoices):
    INCIDENTS = "incidents", _("Incidents")
    COMMUNITY = "community", _("Community monitoring")


class MonitoringMapping(SavedMappingBase):
    """A named mapping of incident or community monitoring files."""

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)

    class Meta:
        ordering = ["operation", "kind", "name"]
        verbose_name = _("import mapping")
        verbose_name_plural = _("import mappings")
        constraints = [
            models.UniqueConstraint(
                fields=["operation", "kind", "name"], name="monitoringmapping_unique_name"
            ),
        ]


class MonitoringImport(UploadRecordBase):
    """One upload of incidents or community monitoring rows."""

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    file = models.FileField(upload_to="monitoring-imports/%Y/%m/", blank=True)
    mapping = models.ForeignKey(
        MonitoringMapping, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Rows a mapping or profile rule left out (an ACLED export's strategic developments...).
    skipped_count = models.PositiveIntegerField(default=0)
    # ...and by which rule: [{"field": "risks", "value": "Peaceful protest", "rows": 12}, ...].
    left_out = models.JSONField(default=list, blank=True)

    class Meta(UploadRecordBase.Meta):
        verbose_name = _("monitoring import")
        verbose_name_plural = _("monitoring imports")
