"""Funding received: flows from donors to organisations and their projects, entered by hand or
imported from OCHA's Financial Tracking Service (FTS) flows export."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tutela.core.counts import amount_validators
from tutela.core.models.imports import UploadRecordBase


class Donor(models.Model):
    """A source of funding as FTS names it ("Germany, Government of"; "Mali Humanitarian Fund")."""

    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=300)
    # Lower-case, accent-free name: FTS spells the same donor the same way, people do not.
    name_key = models.CharField(max_length=300, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["operation", "name"]
        verbose_name = _("donor")
        verbose_name_plural = _("donors")
        constraints = [
            models.UniqueConstraint(fields=["operation", "name_key"], name="donor_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class FundingImport(UploadRecordBase):
    """One upload of an FTS flows export (CSV, XLSX or its HXL version), on the import engine
    (tutela.core.imports.engine, `FundingImporter` in services.fts_import). FTS imports have no
    organisation and no saved column mapping: `organisation` and `mapping` are None; nor do they
    use the base's `profile` or `corrections` (left empty)."""

    # The base's statuses (same values), with the labels the FTS pages have always shown.
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be imported")
        REJECTED = "rejected", _("Rejected (nothing saved)")
        DRY_RUN = "dry_run", _("Checked (nothing saved)")
        IMPORTED = "imported", _("Imported")

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    year = models.PositiveSmallIntegerField(_("year"))
    file = models.FileField(upload_to="planning/fts/%Y/%m/", blank=True)
    unchanged_count = models.PositiveIntegerField(default=0)
    # Rows left out on purpose (parked flows, pledges of other years, outgoing flows...).
    skipped_count = models.PositiveIntegerField(default=0)

    # What core.imports.uploads reads on an upload record: FTS imports have no organisation and
    # no saved column mapping.
    organisation = None
    mapping = None

    class Meta(UploadRecordBase.Meta):
        ordering = ["operation", "-created_at"]
        verbose_name = _("FTS import")
        verbose_name_plural = _("FTS imports")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.status})"


class FundingFlow(models.Model):
    """Money from a donor to an organisation (and, where known, to one of its projects) for the
    operation's response in a year."""

    class Status(models.TextChoices):
        # A pledge is a promise: shown, never counted as funding received.
        PLEDGE = "pledge", _("Pledge")
        COMMITMENT = "commitment", _("Commitment")
        PAID = "paid", _("Paid contribution")

    class Source(models.TextChoices):
        MANUAL = "manual", _("Entered")
        FTS = "fts", _("FTS")

    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    donor = models.ForeignKey(
        Donor, on_delete=models.PROTECT, related_name="flows", verbose_name=_("donor")
    )
    organisation = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recipient organisation"),
    )
    project = models.ForeignKey(
        "planning.Project",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="flows",
        verbose_name=_("project"),
    )
    amount_usd = models.DecimalField(
        _("amount (USD)"), max_digits=16, decimal_places=2, validators=amount_validators()
    )
    original_amount = models.DecimalField(
        _("original amount"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    original_currency = models.CharField(_("original currency"), max_length=3, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    description = models.TextField(_("description"), blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    source = models.CharField(max_length=6, choices=Source.choices, default=Source.MANUAL)
    # The FTS flow id; re-imports update the flow with that id.
    fts_id = models.CharField(_("FTS flow id"), max_length=20, blank=True)
    # As FTS gave them, for rows that could not be tied to an organisation or a project.
    fts_destination = models.CharField(max_length=300, blank=True)
    fts_project_code = models.CharField(max_length=60, blank=True)
    import_record = models.ForeignKey(
        FundingImport, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["operation", "-year", "-decision_date", "-id"]
        verbose_name = _("funding flow")
        verbose_name_plural = _("funding flows")
        constraints = [
            models.UniqueConstraint(
                fields=["operation", "fts_id"],
                condition=~models.Q(fts_id=""),
                name="fundingflow_unique_fts_id",
            ),
            models.CheckConstraint(
                condition=models.Q(amount_usd__gte=0), name="fundingflow_not_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["operation", "year"]),
            models.Index(fields=["project"]),
        ]

    def __str__(self) -> str:
        return f"{self.donor_id} -> {self.organisation_id} {self.amount_usd}"

    @property
    def counts_as_funding(self) -> bool:
        return self.status != self.Status.PLEDGE
