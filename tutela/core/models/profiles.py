"""Import profiles an operation took in (tutela.core.imports.profiles): a profile is a document
(JSON) that says how to read a kind of file (an ACLED export, the HDX 3W...); Tutela ships some,
and an operation can import others, or its own edited copies, from a file."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportProfile(models.Model):
    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="+")
    # The importer it is for: "monitoring.incidents", "monitoring.community", "activities.5w".
    importer = models.CharField(_("importer"), max_length=40)
    name = models.SlugField(_("name"), max_length=100)
    # The profile as imported (checked by tutela.core.imports.profiles.profile_parse).
    document = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["operation", "importer", "name"]
        verbose_name = _("import profile")
        verbose_name_plural = _("import profiles")
        constraints = [
            models.UniqueConstraint(
                fields=["operation", "importer", "name"], name="importprofile_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name
