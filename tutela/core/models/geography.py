from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AdminArea(models.Model):
    """An administrative unit identified by its OCHA P-code (ML05 Mopti, ML0501 Bandiagara...)."""

    pcode = models.CharField(_("P-code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    # Lower-case, accent-free name for matching ("Ségou" -> "segou").
    name_key = models.CharField(max_length=200, db_index=True, editable=False)
    level = models.PositiveSmallIntegerField(_("admin level"))
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    # P-code of the country (admin 0) this area belongs to, for fast scoping.
    country_pcode = models.CharField(max_length=20, db_index=True, editable=False)
    # GeoJSON geometry (RFC 7946, WGS84), as loaded; empty where no boundary is known.
    geometry = models.JSONField(_("geometry"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pcode"]
        verbose_name = _("admin area")
        verbose_name_plural = _("admin areas")
        indexes = [models.Index(fields=["country_pcode", "level"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__lte=5), name="adminarea_level_at_most_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.pcode})"
