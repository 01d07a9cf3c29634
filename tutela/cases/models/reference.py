"""Reference data of case management, per operation, seeded in English, French and Spanish and
editable: UNHCR's specific-needs categories and the types of service of the referral pathway;
and the operation's case management settings (retention period, GBV aggregate sharing)."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from tutela.core.models.reference import ReferenceItem


class SpecificNeed(ReferenceItem):
    """A UNHCR specific-needs category (CR child at risk, SC separated child, WR woman at
    risk...)."""

    class Meta(ReferenceItem.Meta):
        verbose_name = _("specific need")
        verbose_name_plural = _("specific needs")
        constraints = [
            models.UniqueConstraint(fields=["operation", "code"], name="specificneed_unique_code"),
        ]


class ServiceType(ReferenceItem):
    """A type of service of the referral pathway (health, legal aid, MHPSS, safe shelter...)."""

    class Meta(ReferenceItem.Meta):
        verbose_name = _("service type")
        verbose_name_plural = _("service types")
        constraints = [
            models.UniqueConstraint(fields=["operation", "code"], name="servicetype_unique_code"),
        ]


class CaseSettings(models.Model):
    """Case management settings of an operation (created with the operation; defaults apply to
    an operation created before the cases module existed)."""

    operation = models.OneToOneField(
        "core.Operation", on_delete=models.CASCADE, related_name="case_settings"
    )
    # Closed cases are anonymised this many months after closure.
    retention_months = models.PositiveSmallIntegerField(
        _("months a closed case is kept before anonymisation"),
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
    )
    # GBV information-sharing protocol: GBV cases are counted in the cluster's statistics only
    # for the organisations that signed it (and only with the survivor's consent).
    gbv_aggregate_organisations = models.ManyToManyField(
        "core.Organisation",
        blank=True,
        related_name="+",
        verbose_name=_("organisations sharing GBV case statistics"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["operation"]
        verbose_name = _("case management settings")
        verbose_name_plural = _("case management settings")

    def __str__(self) -> str:
        return f"{self.operation}"
