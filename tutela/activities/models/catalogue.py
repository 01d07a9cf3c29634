"""The activity catalogue: what partners may report, per operation and coordination body."""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Localised(models.Model):
    """A name kept in English and French (Spanish optional), shown in the reader's language."""

    name_en = models.CharField(_("name (English)"), max_length=300)
    name_fr = models.CharField(_("name (French)"), max_length=300)
    name_es = models.CharField(_("name (Spanish)"), max_length=300, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        language = (get_language() or "en")[:2]
        return str(getattr(self, f"name_{language}", "") or self.name_en)


class PopulationGroup(Localised):
    """Population groups (HDX HAPI codes: REF, ASY, IDP, RET, HST, STA, OOC...), per operation."""

    operation = models.ForeignKey(
        "core.Operation", on_delete=models.CASCADE, related_name="population_groups"
    )
    code = models.CharField(_("code"), max_length=20)
    hxl_attribute = models.CharField(
        _("HXL attribute"), max_length=30, blank=True, help_text=_("e.g. +idps, +refugees")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["operation", "code"]
        verbose_name = _("population group")
        verbose_name_plural = _("population groups")
        constraints = [
            models.UniqueConstraint(fields=["operation", "code"], name="popgroup_unique_code")
        ]


class Activity(Localised):
    class Unit(models.TextChoices):
        PEOPLE = "people", _("People")
        HOUSEHOLDS = "households", _("Households")
        SESSIONS = "sessions", _("Sessions")
        ITEMS = "items", _("Items")
        CASES = "cases", _("Cases")
        REFERRALS = "referrals", _("Referrals")
        STRUCTURES = "structures", _("Structures / committees")
        AREAS = "areas", _("Square metres / areas")

    operation = models.ForeignKey(
        "core.Operation", on_delete=models.CASCADE, related_name="activities"
    )
    body = models.ForeignKey(
        "core.Body",
        on_delete=models.PROTECT,
        related_name="activities",
        verbose_name=_("cluster / AoR"),
    )
    code = models.CharField(_("code"), max_length=40)
    description = models.TextField(_("description"), blank=True)
    # Sex × age bands (girls, boys, women, men, older women, older men) and disability apply to
    # people counts; population group applies to every row.
    by_sex_age = models.BooleanField(_("disaggregated by sex and age"), default=True)
    by_disability = models.BooleanField(_("disaggregated by disability"), default=True)
    # Allowed modalities (codes of ActivityReport.Modality); empty means any.
    modalities = models.JSONField(_("modalities"), default=list, blank=True)
    # Counts of this activity can identify people (GBV or child protection case management,
    # victim assistance): small counts are suppressed in anything shared beyond the reporting
    # organisation.
    is_sensitive = models.BooleanField(_("sensitive (small counts suppressed)"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["operation", "body", "code"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        constraints = [
            models.UniqueConstraint(fields=["operation", "code"], name="activity_unique_code")
        ]


class Indicator(Localised):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="indicators")
    code = models.CharField(_("code"), max_length=40)
    unit = models.CharField(
        _("unit"), max_length=20, choices=Activity.Unit.choices, default=Activity.Unit.PEOPLE
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["activity", "code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.UniqueConstraint(fields=["activity", "code"], name="indicator_unique_code")
        ]

    @property
    def counts_people(self) -> bool:
        return self.unit == Activity.Unit.PEOPLE
