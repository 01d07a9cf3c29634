"""The incident summary: counted incidents pre-aggregated by what the analysis groups and filters
on, so that trends, hot spots, top risks and the early-warning scan read tens of thousands of rows
instead of a million incidents.

IncidentSummary holds, per operation, the number of *counted* incidents (not merged into another
record) and the people they affect, by month × admin 1 × admin 2 × main risk × verification
status × GBV flag, and for GBV incidents only also by reporting organisation (whether they are
counted outside the organisation depends on its sharing agreement, read at query time). Non-GBV
rows have no organisation: the part of them a user may see one by one (their own organisation's)
is read from the incidents themselves (`selectors.incidents`).

It is kept exactly in step with the incidents by deltas written in the same transaction as every
change of an incident (`services.summaries`: record, update, delete, import, merge); the
verification *status* is stored (not whether it counts as verified) and the GBV flag comes from
the incident row, so edits of the reference lists need no change here. `tutela
rebuild_monitoring_summaries` rebuilds it from the incidents (one GROUP BY).

Dimension columns are foreign keys without database constraints (derived data).
"""

from __future__ import annotations

import datetime
import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _


def _dimension(model: str, *, null: bool = False) -> models.ForeignKey:
    return models.ForeignKey(
        model,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=null,
        blank=null,
        related_name="+",
    )


# The columns a summary row is keyed by.
SUMMARY_KEY_FIELDS = (
    "month",
    "admin1_id",
    "admin2_id",
    "primary_risk_id",
    "verification_id",
    "is_gbv",
    "organisation_id",
)


class IncidentSummary(models.Model):
    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    admin1 = _dimension("core.AdminArea")
    admin2 = _dimension("core.AdminArea", null=True)
    primary_risk = _dimension("core.ProtectionRisk")
    verification = _dimension("monitoring.VerificationStatus")
    is_gbv = models.BooleanField(default=False)
    # Set for GBV rows only (the reporting organisation); None for non-GBV rows.
    organisation = _dimension("core.Organisation", null=True)
    incidents = models.PositiveIntegerField(default=0)
    people = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["operation", "month"]
        verbose_name = _("incident summary row")
        verbose_name_plural = _("incident summary rows")
        indexes = [
            # Covers the analysis reads: a period's rows come from the index alone.
            models.Index(
                fields=[
                    "operation",
                    "month",
                    "admin1",
                    "admin2",
                    "primary_risk",
                    "verification",
                    "is_gbv",
                    "organisation",
                    "incidents",
                ],
                name="incidentsummary_cover",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_gbv=True) | models.Q(organisation__isnull=True),
                name="incidentsummary_org_only_gbv",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.operation_id} {self.month:%Y-%m} {self.primary_risk_id}: {self.incidents}"


class IncidentAtom(models.Model):
    """The incident summary with the operation's counting rules applied: the counted incidents
    (GBV ones only of the organisations sharing GBV aggregates) by month × admin 1 × admin 2 ×
    main risk × verified or not × GBV flag, without organisation or verification status. It is
    what a trend or hot-spot map reads (`selectors.incidents`): about half the summary's rows.

    It is derived from IncidentSummary (`services.atoms`) under the sharing agreements and the
    verified statuses recorded in `IncidentAtomBasis`. The summary's deltas are applied to it in
    the same transaction; a change of a sharing agreement or of a status's "counts as verified"
    flag rebuilds it (in that change's transaction, and in any case before the next read, which
    compares the basis with the agreements and statuses as they are)."""

    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    admin1 = _dimension("core.AdminArea")
    admin2 = _dimension("core.AdminArea", null=True)
    primary_risk = _dimension("core.ProtectionRisk")
    verified = models.BooleanField(default=False)
    is_gbv = models.BooleanField(default=False)
    incidents = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["operation", "month"]
        verbose_name = _("counted incident atom")
        verbose_name_plural = _("counted incident atoms")
        indexes = [
            models.Index(
                fields=[
                    "operation",
                    "month",
                    "admin1",
                    "admin2",
                    "primary_risk",
                    "verified",
                    "is_gbv",
                    "incidents",
                ],
                name="incidentatom_cover",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.operation_id} {self.month:%Y-%m} {self.primary_risk_id}: {self.incidents}"


class IncidentAtomBasis(models.Model):
    """The counting rules an operation's IncidentAtom rows were built under: the organisations
    sharing GBV aggregates and the verification statuses counting as verified (sorted primary
    keys, comma-separated)."""

    operation = models.OneToOneField(
        "core.Operation", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    sharing = models.TextField(blank=True)
    verified = models.TextField(blank=True)
    built_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("basis of the counted incident atoms")
        verbose_name_plural = _("bases of the counted incident atoms")

    def __str__(self) -> str:
        return f"{self.operation_id}: sharing {self.sharing}; verified {self.verified}"


def new_token() -> str:
    return secrets.token_hex(16)


class IncidentDataVersion(models.Model):
    """Bumped in the transaction of every change to an operation's incident summary or atoms
    (`services.summaries.data_version_bump`): what is computed from them under a version is right
    for that version, so it may be cached under it (the pooled atoms of a reader,
    `selectors.atoms`)."""

    operation = models.OneToOneField(
        "core.Operation", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    version = models.BigIntegerField(default=0)
    # Random, made with the row: keys stay apart when a database made again (tests, restores)
    # repeats operation ids, versions and even times.
    token = models.CharField(max_length=32, default=new_token, editable=False)
    # What changed at which version, for the pooled atoms cached quarter by quarter
    # (selectors.quarter_atoms): `quarter_versions` {"YYYY-MM-01" (the quarter's first month):
    # version} the last write whose deltas touched the quarter's months, `whole_version` the
    # last change that could touch any (a rebuild). A quarter's counts are those of
    # (whole_version, its version).
    whole_version = models.BigIntegerField(default=0)
    quarter_versions = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("incident data version")
        verbose_name_plural = _("incident data versions")

    def __str__(self) -> str:
        return f"{self.operation_id}: {self.version}"

    def quarter_version(self, quarter: datetime.date) -> tuple[int, int]:
        """The versions a quarter's counts are those of (see `quarter_versions`)."""
        return self.whole_version, int(self.quarter_versions.get(quarter.isoformat(), 0))
