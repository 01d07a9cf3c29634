"""Monthly reporting: rounds, each organisation's submission for a round, and the 5W rows."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from tutela.core.counts import count_validators


class ReportingRound(models.Model):
    """One month of reporting for an operation. Open: partners report; closed: only the
    information management officer changes rows; locked: nobody does."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        LOCKED = "locked", _("Locked")

    operation = models.ForeignKey(
        "core.Operation", on_delete=models.CASCADE, related_name="reporting_rounds"
    )
    # First day of the month reported on.
    month = models.DateField(_("month"))
    deadline = models.DateField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["operation", "-month"]
        verbose_name = _("reporting round")
        verbose_name_plural = _("reporting rounds")
        constraints = [
            models.UniqueConstraint(fields=["operation", "month"], name="round_unique_month"),
            models.CheckConstraint(condition=models.Q(month__day=1), name="round_month_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.operation.slug} {self.month:%Y-%m}"


class Submission(models.Model):
    """An organisation's report for a round, reviewed by the information management officer."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        VALIDATED = "validated", _("Validated")
        RETURNED = "returned", _("Returned for correction")

    round = models.ForeignKey(ReportingRound, on_delete=models.CASCADE, related_name="submissions")
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="submissions"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    comment = models.TextField(_("review comment"), blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["round", "organisation__acronym"]
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "organisation"], name="submission_unique_org_round"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.round}"


class ActivityReport(models.Model):
    """One 5W row: an organisation did an activity, in a place, in a month, for a population group.

    Natural key: organisation × activity × location × month × population group × site; re-imports
    update the row with that key instead of adding one. The site (a school, a health facility, an
    IDP site, a community) is optional: `site_key` is its code when given (e.g. a CCCM site code),
    otherwise its name compared without case, accents or punctuation, and "" for a row without a
    site, so two rows that differ only by site are two rows, not a repeat. People are counted
    once per row, by sex and age band; `total` is the people reached (the sum of the bands where
    they are given).
    """

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        ONGOING = "ongoing", _("Ongoing")
        COMPLETED = "completed", _("Completed")

    class Modality(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        MOBILE = "mobile", _("Mobile team")
        REMOTE = "remote", _("Remote (phone, online)")
        CASH = "cash", _("Cash")
        IN_KIND = "in_kind", _("In kind")
        VOUCHER = "voucher", _("Voucher")

    # Indexed by the composite indexes that start with the operation (Meta.indexes).
    operation = models.ForeignKey(
        "core.Operation",
        on_delete=models.CASCADE,
        related_name="activity_reports",
        db_index=False,
        db_constraint=False,
    )
    submission = models.ForeignKey(
        Submission, on_delete=models.PROTECT, related_name="rows", db_constraint=False
    )
    # Denormalised from the submission for the natural key and fast filtering.
    # Indexed by the natural key's unique index, which starts with the organisation.
    organisation = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        related_name="activity_reports",
        db_index=False,
        db_constraint=False,
    )
    month = models.DateField(_("month"))
    implementing_partner = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("implementing partner"),
        db_index=False,
        db_constraint=False,
    )
    activity = models.ForeignKey(
        "activities.Activity", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    indicator = models.ForeignKey(
        "activities.Indicator",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    # Denormalised from the activity: pivots by cluster/AoR without a join.
    # Indexed with the operation and month (Meta.indexes); a single-column index of each of
    # body, admin1 and admin2 would only serve deleting a body or an area (whose PROTECT check
    # then scans, as it already does for admin3), and every index costs time on uploads.
    body = models.ForeignKey(
        "core.Body",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    # The most precise area reported, and its ancestors at levels 1-3 for pivots and maps.
    area = models.ForeignKey(
        "core.AdminArea", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    admin1 = models.ForeignKey(
        "core.AdminArea",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    admin2 = models.ForeignKey(
        "core.AdminArea",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    admin3 = models.ForeignKey(
        "core.AdminArea",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    site = models.CharField(_("site"), max_length=200, blank=True)
    site_code = models.CharField(_("site code"), max_length=60, blank=True)
    # Set by the row checks from the code (upper case) or the name (name_key): part of the key.
    site_key = models.CharField(max_length=200, blank=True, default="", editable=False)
    latitude = models.FloatField(
        _("latitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.FloatField(
        _("longitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    population_group = models.ForeignKey(
        "core.PopulationGroup",
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ONGOING
    )
    modality = models.CharField(_("modality"), max_length=12, choices=Modality.choices, blank=True)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    girls = models.PositiveIntegerField(_("girls (0-17)"), default=0, validators=count_validators())
    boys = models.PositiveIntegerField(_("boys (0-17)"), default=0, validators=count_validators())
    women = models.PositiveIntegerField(
        _("women (18-59)"), default=0, validators=count_validators()
    )
    men = models.PositiveIntegerField(_("men (18-59)"), default=0, validators=count_validators())
    older_women = models.PositiveIntegerField(
        _("older women (60+)"), default=0, validators=count_validators()
    )
    older_men = models.PositiveIntegerField(
        _("older men (60+)"), default=0, validators=count_validators()
    )
    total = models.PositiveIntegerField(
        _("people reached"), default=0, validators=count_validators()
    )
    with_disability = models.PositiveIntegerField(
        _("of whom persons with disability"), default=0, validators=count_validators()
    )
    # For indicators counted in other units (sessions, items...).
    quantity = models.PositiveIntegerField(
        _("quantity"), null=True, blank=True, validators=count_validators()
    )
    project_code = models.CharField(_("plan / project code"), max_length=60, blank=True)
    # The plan's project the row reports against: set by the row checks when `project_code` is
    # the code of a project of the operation (tutela.planning) of the row's organisation or
    # implementing partner.
    project = models.ForeignKey(
        "planning.Project",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    SEX_AGE_FIELDS = ("girls", "boys", "women", "men", "older_women", "older_men")
    # Foreign keys without an index of their own (db_index=False above) are never filtered on
    # alone, or are covered by a composite index; each index costs time on every 5W upload.
    # No foreign key of a 5W row has a database constraint (db_constraint=False): a constraint is
    # checked for every row at commit, 40% of the time of a 100,000-row upload on PostgreSQL.
    # Instead the services check every value before writing (it belongs to the operation's
    # catalogue, gazetteer, organisations, open rounds; body and admin1-3 are derived), lock the
    # referenced rows once per distinct value for the transaction (services.rows, FOR KEY SHARE:
    # what a constraint would do once per row), and Django refuses deletions (PROTECT) or
    # cascades them (CASCADE) as it does with constraints.

    class Meta:
        ordering = ["operation", "-month", "organisation_id", "activity_id", "area_id"]
        verbose_name = _("5W row")
        verbose_name_plural = _("5W rows")
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "organisation",
                    "activity",
                    "area",
                    "month",
                    "population_group",
                    "site_key",
                ],
                name="report_natural_key",
            ),
            models.CheckConstraint(
                condition=models.Q(with_disability__lte=models.F("total")),
                name="report_disability_within_total",
            ),
            models.CheckConstraint(condition=models.Q(month__day=1), name="report_month_first_day"),
        ]
        indexes = [
            models.Index(fields=["operation", "month"]),
            models.Index(fields=["operation", "body", "month"]),
            models.Index(fields=["operation", "admin1"]),
            models.Index(fields=["operation", "admin2"]),
            # Partial: most rows belong to no project, and every index costs time on uploads.
            models.Index(
                fields=["project"],
                condition=models.Q(project__isnull=False),
                name="report_project",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.activity_id} {self.area_id} {self.month:%Y-%m}"

    @property
    def sex_age_total(self) -> int:
        return sum(getattr(self, f) for f in self.SEX_AGE_FIELDS)
