"""Per-operation monitoring settings and the organisations' information-sharing agreements."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tutela.core.counts import count_validators


class MonitoringSettings(models.Model):
    operation = models.OneToOneField(
        "core.Operation", on_delete=models.CASCADE, related_name="monitoring_settings"
    )
    # Designated cluster analysts: besides the reporting organisation, the only people who can
    # read incident narratives.
    analysts = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        verbose_name=_("designated cluster analysts"),
    )
    # Probable duplicates: incidents in the same area with the same risk, occurring within
    # this many days of each other, from different organisations.
    duplicate_window_days = models.PositiveSmallIntegerField(
        _("duplicate window (days)"), default=3
    )
    # Early warning: the trailing months that make the baseline, the minimum count for a
    # signal, and the significance level of the one-sided Poisson test.
    baseline_months = models.PositiveSmallIntegerField(_("baseline months"), default=6)
    min_count = models.PositiveSmallIntegerField(_("minimum count for a signal"), default=5)
    significance = models.FloatField(_("significance level"), default=0.01)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["operation"]
        verbose_name = _("monitoring settings")
        verbose_name_plural = _("monitoring settings")

    def __str__(self) -> str:
        return str(self.operation)


class SharingAgreement(models.Model):
    """An organisation's written agreement, under the GBV information-sharing protocol, that its
    GBV incidents are counted in aggregates shown outside the organisation."""

    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    shares_gbv_aggregates = models.BooleanField(_("shares GBV figures in aggregate"), default=False)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["operation", "organisation"]
        verbose_name = _("information-sharing agreement")
        verbose_name_plural = _("information-sharing agreements")
        constraints = [
            models.UniqueConstraint(
                fields=["operation", "organisation"], name="sharing_unique_org"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.operation})"


class AreaPopulation(models.Model):
    """Population of an admin area (from the HNO, a census or OCHA's common operational
    dataset), for rates such as incidents per 10,000 people."""

    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="+")
    area = models.ForeignKey("core.AdminArea", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    population = models.PositiveIntegerField(_("population"), validators=count_validators())
    source = models.CharField(_("source"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["operation", "area", "-year"]
        verbose_name = _("area population")
        verbose_name_plural = _("area populations")
        constraints = [
            models.UniqueConstraint(
                fields=["operation", "area", "year"], name="areapopulation_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area} {self.year}: {self.population}"
