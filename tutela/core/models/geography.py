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


class PlaceAlias(models.Model):
    """Another name of an admin area in one operation's files: an old or misspelt village name
    ("Tinzawaten" for Tin-Essako), learned when an IMO accepts a place suggestion on an import's
    check page, or entered on the operation's settings. Both importers (5W and monitoring) read
    it through `GazetteerIndex.by_alias`, after an exact P-code or name and before fuzzy
    suggestions."""

    class Source(models.TextChoices):
        SUGGESTION = "suggestion", _("Confirmed suggestion")
        ENTERED = "entered", _("Entered")

    # Level 0: the alias holds at whichever level the name is written.
    ANY_LEVEL = 0

    operation = models.ForeignKey(
        "core.Operation",
        on_delete=models.CASCADE,
        related_name="place_aliases",
        verbose_name=_("operation"),
    )
    level = models.PositiveSmallIntegerField(_("admin level"), default=ANY_LEVEL)
    name = models.CharField(_("name as written"), max_length=200)
    # `pcodes.name_key(name)`, the key the gazetteer compares names on.
    name_key = models.CharField(max_length=200, editable=False)
    area = models.ForeignKey(
        AdminArea, on_delete=models.CASCADE, related_name="aliases", verbose_name=_("area")
    )
    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, default=Source.ENTERED
    )
    created_by = models.ForeignKey(
        "core.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name_key", "level"]
        verbose_name = _("place alias")
        verbose_name_plural = _("place aliases")
        constraints = [
            models.UniqueConstraint(
                fields=["operation", "level", "name_key"], name="placealias_one_per_name_level"
            ),
            models.CheckConstraint(
                condition=models.Q(level__lte=5), name="placealias_level_at_most_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} → {self.area.pcode}"
