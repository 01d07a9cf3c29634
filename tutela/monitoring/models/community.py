"""Community-level monitoring (Project 21 style): per community per month, key-informant or
household interviews on which risks are reported, by whom, against which groups, coping and
access to services. Survey rows, not incidents."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tutela.core.counts import count_validators


class CommunityReport(models.Model):
    class Respondent(models.TextChoices):
        KEY_INFORMANT = "key_informant", _("Key informant interview")
        HOUSEHOLD = "household", _("Household interview")
        FOCUS_GROUP = "focus_group", _("Focus group discussion")

    class Access(models.TextChoices):
        YES = "yes", _("Services accessible")
        PARTIAL = "partial", _("Partly accessible")
        NO = "no", _("Not accessible")
        UNKNOWN = "unknown", _("Unknown")

    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    # First day of the month monitored.
    month = models.DateField(_("month"))
    area = models.ForeignKey(
        "core.AdminArea", on_delete=models.PROTECT, related_name="+", verbose_name=_("location")
    )
    admin1 = models.ForeignKey(
        "core.AdminArea", on_delete=models.PROTECT, related_name="+", editable=False
    )
    admin2 = models.ForeignKey(
        "core.AdminArea",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    # The monitored community (village, site, neighbourhood): a code or a name, never a person.
    community = models.CharField(_("community"), max_length=200)
    respondent = models.CharField(_("respondent type"), max_length=15, choices=Respondent.choices)
    interviews = models.PositiveIntegerField(
        _("interviews"), default=1, validators=count_validators()
    )
    # Coping mechanisms observed (codes or short text, comma-separated as collected).
    coping = models.CharField(_("coping mechanisms"), max_length=500, blank=True)
    access_to_services = models.CharField(
        _("access to services"), max_length=8, choices=Access.choices, default=Access.UNKNOWN
    )
    import_record = models.ForeignKey(
        "monitoring.MonitoringImport",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    external_id = models.CharField(_("external identifier"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["operation", "-month", "community"]
        verbose_name = _("community monitoring report")
        verbose_name_plural = _("community monitoring reports")
        constraints = [
            models.CheckConstraint(condition=models.Q(month__day=1), name="community_month_first"),
            models.UniqueConstraint(
                fields=["operation", "organisation", "month", "area", "community", "respondent"],
                name="community_unique_report",
            ),
        ]
        indexes = [
            models.Index(fields=["operation", "month", "admin1"], name="community_area_month"),
        ]

    def __str__(self) -> str:
        return f"{self.community} {self.month:%Y-%m}"


class CommunityRisk(models.Model):
    """A risk reported in a community in the month, with who perpetrates it and who is affected."""

    report = models.ForeignKey(CommunityReport, on_delete=models.CASCADE, related_name="risks")
    risk = models.ForeignKey("core.ProtectionRisk", on_delete=models.PROTECT, related_name="+")
    perpetrators = models.ManyToManyField(
        "monitoring.PerpetratorCategory", blank=True, related_name="+"
    )
    population_groups = models.ManyToManyField("core.PopulationGroup", blank=True, related_name="+")

    class Meta:
        ordering = ["report", "risk"]
        verbose_name = _("risk reported")
        verbose_name_plural = _("risks reported")
        constraints = [
            models.UniqueConstraint(fields=["report", "risk"], name="communityrisk_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} {self.risk_id}"
