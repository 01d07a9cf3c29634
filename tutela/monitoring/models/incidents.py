"""Protection incidents: one record per incident, owned by the reporting organisation."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tutela.core.counts import count_validators
from tutela.core.crypto import EncryptedTextField


class Incident(models.Model):
    class Sex(models.TextChoices):
        FEMALE = "F", _("Female")
        MALE = "M", _("Male")

    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="+")
    # The reporting organisation owns the record.
    organisation = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reporting organisation"),
    )
    # Human reference shown to users, numbered per organisation and year: "INC-DRC-2026-000123"
    # (records made before numbering per organisation keep their "INC-2026-000123").
    reference = models.CharField(_("reference"), max_length=40, editable=False)
    occurred_on = models.DateField(_("date of the incident"))
    reported_on = models.DateField(_("date reported"))
    # First day of the month of occurred_on (denormalised for trends).
    month = models.DateField(editable=False)
    # Most precise area known, and its admin 1 and admin 2 ancestors (denormalised for analysis).
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
    site = models.CharField(_("site"), max_length=200, blank=True)
    # The first risk of the incident (denormalised); all risks are in IncidentRisk.
    primary_risk = models.ForeignKey(
        "core.ProtectionRisk",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("main protection risk"),
    )
    perpetrator = models.ForeignKey(
        "monitoring.PerpetratorCategory",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("alleged perpetrator category"),
    )
    # Sum of IncidentPeople counts (denormalised).
    people_affected = models.PositiveIntegerField(
        _("people affected"), default=0, validators=count_validators()
    )
    displacement_caused = models.BooleanField(_("displacement caused"), default=False)
    displaced_households = models.PositiveIntegerField(
        _("households displaced"), null=True, blank=True, validators=count_validators()
    )
    services = models.ManyToManyField(
        "monitoring.ReferralService",
        blank=True,
        related_name="+",
        verbose_name=_("services people were referred to"),
    )
    source = models.ForeignKey(
        "monitoring.Source", on_delete=models.PROTECT, related_name="+", verbose_name=_("source")
    )
    # Who published it, for a record taken from a secondary source (ACLED's `source` column:
    # "Radio France Internationale; Studio Tamani"): the analyst weighs a record by it.
    source_name = models.CharField(_("published by"), max_length=300, blank=True)
    # Deaths reported (ACLED's `fatalities`), not split by sex and age: kept as given, apart from
    # the people affected counted by sex × age band.
    fatalities = models.PositiveIntegerField(
        _("fatalities reported"), null=True, blank=True, validators=count_validators()
    )
    verification = models.ForeignKey(
        "monitoring.VerificationStatus",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("verification status"),
    )
    # True when any risk or violation is GBV: the information-sharing protocol applies.
    is_gbv = models.BooleanField(default=False, editable=False)
    # Free text, masked for probable personal data before save, encrypted at rest; readable
    # only by the reporting organisation and the designated cluster analysts.
    narrative = EncryptedTextField(_("narrative"), blank=True)
    # Set when an analyst merged this record into another (both sources are kept; only the
    # surviving record is counted).
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_records",
        verbose_name=_("merged into"),
    )
    import_record = models.ForeignKey(
        "monitoring.MonitoringImport",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Identifier in the source system (Kobo _uuid, the partner's own number) for re-imports.
    external_id = models.CharField(_("external identifier"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["operation", "-occurred_on", "-id"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        constraints = [
            models.UniqueConstraint(
                fields=["operation", "organisation", "reference"],
                name="incident_unique_reference_per_organisation",
            ),
            models.UniqueConstraint(
                fields=["operation", "organisation", "external_id"],
                condition=~models.Q(external_id=""),
                name="incident_unique_external_id",
            ),
            models.CheckConstraint(
                condition=models.Q(reported_on__gte=models.F("occurred_on")),
                name="incident_reported_after_occurred",
            ),
            models.CheckConstraint(condition=models.Q(month__day=1), name="incident_month_first"),
        ]
        indexes = [
            models.Index(fields=["operation", "month", "primary_risk"], name="incident_trend"),
            models.Index(fields=["operation", "month", "admin1"], name="incident_area_month"),
            # Covers the GROUP BYs over the records that remain once the summary table answers
            # the rest (selectors.incident_atoms): the user's own organisation's records, and
            # views limited to one organisation, are read from the index alone; it also serves
            # every lookup by organisation.
            models.Index(
                fields=[
                    "operation",
                    "organisation",
                    "month",
                    "admin1",
                    "admin2",
                    "primary_risk",
                    "verification",
                    "is_gbv",
                    "merged_into",
                ],
                name="incident_analysis_cover",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class IncidentRisk(models.Model):
    """A risk (and optionally a violation type) an incident carries; an incident can carry
    several."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="risks")
    risk = models.ForeignKey("core.ProtectionRisk", on_delete=models.PROTECT, related_name="+")
    violation = models.ForeignKey(
        "monitoring.ViolationType",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["incident", "risk"]
        verbose_name = _("incident risk")
        verbose_name_plural = _("incident risks")
        constraints = [
            # Two partial constraints rather than nulls_distinct=False, which SQLite lacks.
            models.UniqueConstraint(
                fields=["incident", "risk", "violation"],
                condition=models.Q(violation__isnull=False),
                name="incidentrisk_unique",
            ),
            models.UniqueConstraint(
                fields=["incident", "risk"],
                condition=models.Q(violation__isnull=True),
                name="incidentrisk_unique_no_violation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.risk_id}"


class IncidentPeople(models.Model):
    """People affected, by sex × age band × disability × population group."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="people")
    sex = models.CharField(_("sex"), max_length=1, choices=Incident.Sex.choices)
    age_band = models.ForeignKey("monitoring.AgeBand", on_delete=models.PROTECT, related_name="+")
    with_disability = models.BooleanField(_("with disability"), default=False)
    population_group = models.ForeignKey(
        "core.PopulationGroup",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    count = models.PositiveIntegerField(_("number of people"), validators=count_validators())

    class Meta:
        ordering = ["incident", "sex", "age_band"]
        verbose_name = _("people affected")
        verbose_name_plural = _("people affected")
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "sex", "age_band", "with_disability", "population_group"],
                condition=models.Q(population_group__isnull=False),
                name="incidentpeople_unique",
            ),
            models.UniqueConstraint(
                fields=["incident", "sex", "age_band", "with_disability"],
                condition=models.Q(population_group__isnull=True),
                name="incidentpeople_unique_no_group",
            ),
            models.CheckConstraint(condition=models.Q(count__gt=0), name="incidentpeople_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.sex} {self.count}"


class DuplicateFlag(models.Model):
    """Two incidents from different organisations that probably describe the same event."""

    class Status(models.TextChoices):
        OPEN = "open", _("To review")
        MERGED = "merged", _("Merged")
        KEPT = "kept", _("Kept apart")

    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="+")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="+")
    # 0-1: how alike the two records are (dates, counts, violation types).
    score = models.FloatField(default=0)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["operation", "status", "-score"]
        verbose_name = _("probable duplicate")
        verbose_name_plural = _("probable duplicates")
        constraints = [
            models.UniqueConstraint(fields=["incident", "other"], name="duplicate_unique_pair"),
            models.CheckConstraint(
                condition=models.Q(incident__lt=models.F("other")), name="duplicate_ordered_pair"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} ~ {self.other_id}"
