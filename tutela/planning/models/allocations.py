"""Pooled-fund allocations (country-based pooled funds, CERF): the allocation's strategy,
envelope and calendar, eligible organisations, partners' proposals, and the fund's pre-review.

The strategic review by the cluster's review committee (scorecards, conflicts of interest,
scores, recommendation) is in models.reviews.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tutela.core.counts import amount_validators, count_validators
from tutela.planning.models.projects import BudgetCategory


class Allocation(models.Model):
    class Fund(models.TextChoices):
        CBPF = "cbpf", _("Country-based pooled fund")
        CERF = "cerf", _("Central Emergency Response Fund")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Being prepared")
        OPEN = "open", _("Call for proposals open")
        PRE_REVIEW = "pre_review", _("Pre-review by the fund")
        REVIEW = "review", _("Strategic review")
        RECOMMENDED = "recommended", _("Recommendation sent to the fund")
        CLOSED = "closed", _("Closed")

    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="+")
    fund = models.CharField(_("fund"), max_length=4, choices=Fund.choices, default=Fund.CBPF)
    fund_name = models.CharField(_("fund name"), max_length=200)
    name = models.CharField(_("allocation"), max_length=200)
    body = models.ForeignKey(
        "core.Body", on_delete=models.PROTECT, related_name="+", verbose_name=_("cluster / AoR")
    )
    envelope_usd = models.DecimalField(
        _("envelope (USD)"), max_digits=16, decimal_places=2, validators=amount_validators()
    )
    strategy = models.TextField(_("allocation strategy"), blank=True)
    priority_areas = models.ManyToManyField(
        "core.AdminArea", blank=True, related_name="+", verbose_name=_("priority areas")
    )
    priority_activities = models.ManyToManyField(
        "activities.Activity", blank=True, related_name="+", verbose_name=_("priority activities")
    )
    priority_groups = models.ManyToManyField(
        "core.PopulationGroup",
        blank=True,
        related_name="+",
        verbose_name=_("priority population groups"),
    )
    call_opens = models.DateField(_("call opens"))
    call_closes = models.DateField(_("deadline for proposals"))
    review_by = models.DateField(_("strategic review by"), null=True, blank=True)
    decision_by = models.DateField(_("decision expected by"), null=True, blank=True)
    # Proposals whose consensus score (out of 100) is below this are not recommended.
    min_score = models.DecimalField(_("minimum score"), max_digits=5, decimal_places=2, default=50)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    # The fund's staff (humanitarian financing unit): pre-review, eligibility, the record of
    # conflicts of interest.
    fund_managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("fund managers")
    )
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("chair of the review committee"),
    )
    recommended_at = models.DateTimeField(null=True, blank=True)
    recommended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["operation", "-call_opens", "name"]
        verbose_name = _("pooled-fund allocation")
        verbose_name_plural = _("pooled-fund allocations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(call_closes__gte=models.F("call_opens")),
                name="allocation_closes_after_opens",
            ),
            models.CheckConstraint(
                condition=models.Q(envelope_usd__gte=0), name="allocation_envelope_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class EligibleOrganisation(models.Model):
    """An organisation's standing with the fund for this allocation: due diligence and capacity
    assessment (only eligible organisations may submit proposals)."""

    class DueDiligence(models.TextChoices):
        PENDING = "pending", _("Pending")
        PASSED = "passed", _("Passed")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    class Capacity(models.TextChoices):
        NOT_ASSESSED = "not_assessed", _("Not assessed")
        LOW = "low", _("Low risk")
        MEDIUM = "medium", _("Medium risk")
        HIGH = "high", _("High risk")

    allocation = models.ForeignKey(Allocation, on_delete=models.CASCADE, related_name="eligible")
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    due_diligence = models.CharField(
        _("due diligence"), max_length=8, choices=DueDiligence.choices, default=DueDiligence.PENDING
    )
    capacity = models.CharField(
        _("capacity assessment"),
        max_length=12,
        choices=Capacity.choices,
        default=Capacity.NOT_ASSESSED,
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["allocation", "organisation__acronym"]
        verbose_name = _("eligible organisation")
        verbose_name_plural = _("eligible organisations")
        constraints = [
            models.UniqueConstraint(
                fields=["allocation", "organisation"], name="eligible_unique_org"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.due_diligence} {self.capacity}"

    @property
    def is_eligible(self) -> bool:
        return (
            self.due_diligence == self.DueDiligence.PASSED
            and self.capacity != self.Capacity.NOT_ASSESSED
        )


class Proposal(models.Model):
    """A partner's proposal to an allocation.

    draft -> submitted -> (pre-review by the fund) accepted for strategic review, returned for
    corrections (back to the partner) or rejected -> (strategic review) recommended or not.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned for corrections")
        REJECTED = "rejected", _("Rejected at pre-review")
        ACCEPTED = "accepted", _("In strategic review")
        RECOMMENDED = "recommended", _("Recommended")
        NOT_RECOMMENDED = "not_recommended", _("Not recommended")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    allocation = models.ForeignKey(Allocation, on_delete=models.CASCADE, related_name="proposals")
    organisation = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organisation"),
    )
    implementing_partners = models.ManyToManyField(
        "core.Organisation",
        blank=True,
        related_name="+",
        verbose_name=_("implementing partners (sub-grantees)"),
    )
    project = models.ForeignKey(
        "planning.Project",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("project in the plan"),
    )
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"))
    areas = models.ManyToManyField(
        "core.AdminArea", related_name="+", blank=True, verbose_name=_("locations")
    )
    activities = models.ManyToManyField(
        "activities.Activity", related_name="+", blank=True, verbose_name=_("activities")
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    # The sum of the budget lines, kept by the services.
    requested_usd = models.DecimalField(
        _("amount requested (USD)"),
        max_digits=16,
        decimal_places=2,
        default=0,
        validators=amount_validators(),
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True)
    prereview_note = models.TextField(_("pre-review note"), blank=True)
    prereviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    prereviewed_at = models.DateTimeField(null=True, blank=True)
    # The committee's recommendation. Rank and justification follow from the scores: they are
    # shown only to those who may see the scores (never to a recused reviewer), and they enter
    # the audit log as digests only.
    rank = models.PositiveSmallIntegerField(null=True, blank=True)
    recommended = models.BooleanField(null=True, blank=True)
    justification = models.TextField(_("justification"), blank=True)
    justified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    justified_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Fields that reveal scores: never in clear in the audit log.
    SCORE_FIELDS = frozenset({"rank", "recommended", "justification"})

    class Meta:
        ordering = ["allocation", "organisation__acronym", "id"]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(requested_usd__gte=0), name="proposal_requested_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)


class ProposalBudgetLine(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="budget_lines")
    category = models.CharField(_("category"), max_length=12, choices=BudgetCategory.choices)
    description = models.CharField(_("description"), max_length=300)
    amount_usd = models.DecimalField(
        _("amount (USD)"), max_digits=16, decimal_places=2, validators=amount_validators()
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["proposal", "order", "id"]
        verbose_name = _("proposal budget line")
        verbose_name_plural = _("proposal budget lines")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_usd__gte=0), name="proposalbudget_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category} {self.amount_usd}"


class ProposalTarget(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="targets")
    population_group = models.ForeignKey(
        "core.PopulationGroup", on_delete=models.PROTECT, related_name="+"
    )
    targeted = models.PositiveIntegerField(_("people targeted"), validators=count_validators())

    class Meta:
        ordering = ["proposal", "population_group__code"]
        verbose_name = _("proposal target")
        verbose_name_plural = _("proposal targets")
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "population_group"], name="proposaltarget_unique_group"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.population_group_id} {self.targeted}"


class ProposalAttachment(models.Model):
    """A document attached to a proposal (full proposal, budget, logframe...), kept through
    Django's storage API."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="planning/proposals/%Y/%m/")
    name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["proposal", "created_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name
