"""The activity catalogue: what partners may report, per operation and coordination body."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tutela.core.models.reference import Localised


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
