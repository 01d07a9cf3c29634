"""Reference data of protection monitoring, per operation, seeded in English and French and
editable: the GPC's 15 protection risks and their violation types (with GBV's six core types and
the six grave violations against children), perpetrator categories, age bands, sources,
verification statuses, services, and the mapping from other typologies to the risks."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tutela.core.models.reference import ProtectionRisk, ReferenceItem
from tutela.core.pcodes import name_key


class ViolationType(ReferenceItem):
    class Family(models.TextChoices):
        GENERAL = "general", _("Violation")
        GBV = "gbv", _("GBV core type (GBVIMS)")
        GRAVE = "grave", _("Grave violation against children (MRM)")

    risk = models.ForeignKey(
        ProtectionRisk, on_delete=models.CASCADE, related_name="violations", verbose_name=_("risk")
    )
    family = models.CharField(
        _("family"), max_length=8, choices=Family.choices, default=Family.GENERAL
    )

    class Meta(ReferenceItem.Meta):
        verbose_name = _("violation type")
        verbose_name_plural = _("violation types")
        constraints = [
            models.UniqueConstraint(fields=["operation", "code"], name="violation_unique_code"),
        ]


class PerpetratorCategory(ReferenceItem):
    """Alleged perpetrator *category*: never a name."""

    class Meta(ReferenceItem.Meta):
        verbose_name = _("perpetrator category")
        verbose_name_plural = _("perpetrator categories")
        constraints = [
            models.UniqueConstraint(fields=["operation", "code"], name="perpetrator_unique_code"),
        ]


class AgeBand(ReferenceItem):
    min_age = models.PositiveSmallIntegerField(_("from age"), default=0)
    # Inclusive; empty for the open last band (60+).
    max_age = models.PositiveSmallIntegerField(_("to age"), null=True, blank=True)

    class Meta(ReferenceItem.Meta):
        verbose_name = _("age band")
        verbose_name_plural = _("age bands")
        constraints = [
            models.UniqueConstraint(fields=["operation", "code"], name="ageband_unique_code"),
        ]


class Source(ReferenceItem):
    """Monitoring visit, key informant, household interview, hotline, secondary source..."""

    class Meta(ReferenceItem.Meta):
        verbose_name = _("information source")
        verbose_name_plural = _("information sources")
        constraints = [
            models.UniqueConstraint(fields=["operation", "code"], name="source_unique_code"),
        ]


class VerificationStatus(ReferenceItem):
    is_verified = models.BooleanField(_("counts as verified"), default=False)

    class Meta(ReferenceItem.Meta):
        verbose_name = _("verification status")
        verbose_name_plural = _("verification statuses")
        constraints = [
            models.UniqueConstraint(fields=["operation", "code"], name="verification_unique_code"),
        ]


class ReferralService(ReferenceItem):
    """A service people were referred to: health, psychosocial, legal, safety, shelter..."""

    class Meta(ReferenceItem.Meta):
        verbose_name = _("service")
        verbose_name_plural = _("services")
        constraints = [
            models.UniqueConstraint(fields=["operation", "code"], name="service_unique_code"),
        ]


class RiskMapping(models.Model):
    """A label of another typology (Sahel monitoring labels, ACLED event types...) and the risk
    (and optionally violation type) it means; importers look labels up here."""

    operation = models.ForeignKey(
        "core.Operation", on_delete=models.CASCADE, related_name="risk_mappings"
    )
    # e.g. "acled", "sahel-p21", or an organisation's own list.
    typology = models.CharField(_("typology"), max_length=40)
    label = models.CharField(_("label"), max_length=300)
    # Accent- and case-insensitive form of the label (core.pcodes.name_key), for lookups.
    label_key = models.CharField(max_length=300, editable=False)
    risk = models.ForeignKey(ProtectionRisk, on_delete=models.CASCADE, related_name="+")
    violation = models.ForeignKey(
        ViolationType, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["operation", "typology", "label"]
        verbose_name = _("typology mapping")
        verbose_name_plural = _("typology mappings")
        constraints = [
            models.UniqueConstraint(
                fields=["operation", "typology", "label_key"], name="riskmapping_unique_label"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.typology}: {self.label}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.label_key = name_key(self.label)
        super().save(*args, **kwargs)  # type: ignore[arg-type]
