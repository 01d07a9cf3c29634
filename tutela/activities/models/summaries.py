"""Summary tables of the 5W: derived data that makes pivots over large operations fast.

They are computed from the 5W rows (SQL GROUP BY and window functions, nothing computed in
Python): the slices a write touched again inside its transaction
(`tutela.activities.services.summaries.summaries_apply`, which bumps `SummaryState.version` and
`built_version` together), or whole by the repair `summaries_rebuild`. Reads use the tables only
when `built_version` equals `version` (a write by another path calls `summaries_invalidate`), and
fall back to the 5W rows otherwise.

- MonthlySummary: sums of the measures per month and a few dimensions ("grains", see
  services.summaries.MONTHLY_GRAINS), split by whether the row's submission is validated, whether
  its activity is sensitive and whether its area is one where partner names are hidden (the three
  things the access rules look at). Serves tables by month and the "new people only" rule.
- PickedSummary: the one row per partner × activity × place × population group (× indicator) that
  the operation's cumulative rule counts (grain "p0"), over all rows and over the rows of
  validated submissions, and sums of those picks per coarser grains. Serves cumulative tables.

Dimension columns are foreign keys without database constraints: the tables are derived data,
and a row deleted in the source leaves them with the deletion's delta.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


def _dimension(model: str) -> models.ForeignKey:
    # No index of its own either: reads scan a grain (index on operation, grain, organisation),
    # and every index slows the rebuild's inserts down.
    return models.ForeignKey(
        model,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
    )


class SummaryState(models.Model):
    """Freshness and shape of an operation's summary tables."""

    operation = models.OneToOneField(
        "core.Operation", on_delete=models.CASCADE, related_name="activity_summary_state"
    )
    # Bumped by every write that can change pivots, maps or gap lists.
    version = models.PositiveBigIntegerField(default=0)
    # The version the tables were built from; None: never built.
    built_version = models.PositiveBigIntegerField(null=True, blank=True)
    # The version a background rebuild was last queued for (one queued rebuild per version).
    requested_version = models.PositiveBigIntegerField(default=0)
    # False when the operation was too small to need the tables at the last build (empty then).
    enabled = models.BooleanField(default=False)
    # The cumulative rule the picks were made with.
    rule = models.CharField(max_length=12, blank=True)
    # Digest of the areas where partner names are hidden (for everyone but managers) at the build.
    hidden_key = models.CharField(max_length=64, blank=True)
    first_month = models.DateField(null=True, blank=True)
    last_month = models.DateField(null=True, blank=True)
    # What changed at which version, for the pooled blocks of the rows other organisations see
    # only in blocks (sensitive activities; selectors.pooled_atoms): `whole_version` the last
    # write that could change anything (no slices: the counting rule, the areas where names are
    # hidden; an invalidation), `hidden_version` the last one whose slices hold such rows (or
    # changed an activity's sensitivity), `month_versions` {"YYYY-MM-01": version} the last such
    # write per month touched. Blocks over a period are those of (whole_version,
    # hidden_version), a month's of (whole_version, its version).
    whole_version = models.PositiveBigIntegerField(default=0)
    hidden_version = models.PositiveBigIntegerField(default=0)
    month_versions = models.JSONField(default=dict, blank=True)
    row_count = models.PositiveIntegerField(default=0)
    # {grain: number of rows}: reads use the smallest grain that has what they need.
    grain_rows = models.JSONField(default=dict, blank=True)
    built_at = models.DateTimeField(null=True, blank=True)
    build_seconds = models.FloatField(default=0.0)
    # The summary rows in use are stored under operation id `rows_sign` × the operation's id: a
    # rebuild writes the next ones under the other sign, in chunks, then flips this (a rebuild
    # never holds the write lock for long; services.summaries).
    rows_sign = models.SmallIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["operation"]
        verbose_name = _("5W summary state")
        verbose_name_plural = _("5W summary states")

    def __str__(self) -> str:
        return f"5W summaries of {self.operation_id} (v{self.built_version}/{self.version})"

    @property
    def is_fresh(self) -> bool:
        return self.built_version is not None and self.built_version == self.version

    @property
    def rows_key(self) -> int:
        """The operation id the summary rows in use are stored under."""
        return self.rows_sign * self.operation_id

    def month_version(self, month: datetime.date) -> tuple[int, int]:
        """The versions a month's figures are those of (see `month_versions`)."""
        return self.whole_version, int(self.month_versions.get(month_key(month), 0))

    def data_changes(self, version: int, months: Iterable[Any] | None) -> dict[str, Any]:
        """The fields a write making `version` sets: the months whose rows others see only in
        blocks it touched (None: it cannot say, every month changes)."""
        if months is None:
            return {"whole_version": version}
        touched = dict(self.month_versions)
        touched.update({month_key(month): version for month in months if month is not None})
        return {"month_versions": touched, "hidden_version": version}

    @property
    def hidden_rows_version(self) -> tuple[int, int]:
        """The versions the blocks over a period are those of (see `hidden_version`)."""
        return self.whole_version, self.hidden_version


def month_key(month: Any) -> str:
    """A month as `SummaryState.month_versions` keys it ("YYYY-MM-01"; a date or its text)."""
    return str(month)[:7] + "-01"


class SummaryMeasures(models.Model):
    """The measures of the 5W rows, summed."""

    girls = models.BigIntegerField(default=0)
    boys = models.BigIntegerField(default=0)
    women = models.BigIntegerField(default=0)
    men = models.BigIntegerField(default=0)
    older_women = models.BigIntegerField(default=0)
    older_men = models.BigIntegerField(default=0)
    total = models.BigIntegerField(default=0)
    with_disability = models.BigIntegerField(default=0)
    # NULL when every row summed had none (as SUM gives on the rows themselves).
    quantity = models.BigIntegerField(null=True, blank=True)

    class Meta:
        abstract = True


class MonthlySummary(SummaryMeasures):
    # No database constraint here either: SQLite then empties the table at once on a rebuild.
    operation = models.ForeignKey(
        "core.Operation",
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    grain = models.CharField(max_length=12)
    month = models.DateField()
    organisation = _dimension("core.Organisation")
    # For partner presence: the implementing partner where one is named.
    implementing_partner = _dimension("core.Organisation")
    activity = _dimension("activities.Activity")
    indicator = _dimension("activities.Indicator")
    body = _dimension("core.Body")
    admin1 = _dimension("core.AdminArea")
    admin2 = _dimension("core.AdminArea")
    population_group = _dimension("core.PopulationGroup")
    # The row's submission is validated.
    validated = models.BooleanField()
    # The row's activity is sensitive (small-count suppression for other organisations).
    sensitive = models.BooleanField()
    # False in areas where partner names are hidden from everyone but managers.
    named = models.BooleanField()
    # Number of 5W rows summed.
    rows = models.PositiveIntegerField()

    class Meta:
        # By the id, not the operation: ordering by the relation would join the operations and
        # drop the rows stored under a negative id (SummaryState.rows_key).
        ordering = ["operation_id", "grain", "month"]
        verbose_name = _("5W monthly summary")
        verbose_name_plural = _("5W monthly summaries")
        indexes = [
            models.Index(
                fields=["operation", "grain", "organisation"], name="act_monthly_grain_org"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grain} {self.month:%Y-%m}"


class PickedSummary(SummaryMeasures):
    # No database constraint here either: SQLite then empties the table at once on a rebuild.
    operation = models.ForeignKey(
        "core.Operation",
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    grain = models.CharField(max_length=12)
    organisation = _dimension("core.Organisation")
    activity = _dimension("activities.Activity")
    indicator = _dimension("activities.Indicator")
    body = _dimension("core.Body")
    area = _dimension("core.AdminArea")
    admin1 = _dimension("core.AdminArea")
    admin2 = _dimension("core.AdminArea")
    admin3 = _dimension("core.AdminArea")
    population_group = _dimension("core.PopulationGroup")
    # Grain "p0": the month of the row picked.
    month = models.DateField(null=True, blank=True)
    # Grain "p0": the site key of the row picked (part of the counting rule's key; the hidden
    # rows' disclosure atoms are grouped by it). NULL in the coarser grains.
    site_key = models.CharField(max_length=200, null=True, blank=True)
    # The row is the pick of its partner × activity × place × population group over all rows /
    # over the rows of validated submissions; the "_ki" flags: per indicator too. Rows of coarser
    # grains are sums of the picks of one kind: all or validated (never per indicator).
    in_all = models.BooleanField()
    in_validated = models.BooleanField()
    in_all_ki = models.BooleanField()
    in_validated_ki = models.BooleanField()
    sensitive = models.BooleanField()
    named = models.BooleanField()

    class Meta:
        # As MonthlySummary: by the id, without a join.
        ordering = ["operation_id", "grain"]
        verbose_name = _("5W cumulative summary")
        verbose_name_plural = _("5W cumulative summaries")
        indexes = [
            models.Index(
                fields=["operation", "grain", "organisation"], name="act_picked_grain_org"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grain} {self.organisation_id} {self.activity_id} {self.area_id}"
