"""Cash for protection: a one-off or short series of cash grants to reduce a protection risk,
sized on the operation's minimum expenditure basket (MEB) and the household's size, approved by
two people, paid in instalments through a delivery mechanism and followed by post-distribution
monitoring (PDM).

Reference data per operation (kept by its managers): the eligibility criteria (a checklist with
weights; mandatory criteria must be met and the score must reach the operation's threshold) and
the MEB (an amount per household size, a currency, validity dates and the transfer value rule: a
percentage of the MEB in one or several instalments). Data-sharing agreements between two
organisations of an operation allow the cross-organisation duplicate check (see
tutela.cases.services.cash). `__str__` is a code, never a name.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from tutela.core.crypto import EncryptedTextField

# Amounts in the MEB's currency; a household grant above 10^12 is a typing error.
MAX_AMOUNT = Decimal("1000000000000")
MAX_HOUSEHOLD = 50
MAX_INSTALMENTS = 12


class EligibilityCriterion(models.Model):
    """One vulnerability criterion of the operation's cash eligibility checklist."""

    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="+")
    code = models.SlugField(_("code"), max_length=40)
    label = models.CharField(_("criterion"), max_length=200)
    description = models.TextField(_("guidance"), blank=True)
    weight = models.PositiveSmallIntegerField(
        _("score"), default=1, validators=[MaxValueValidator(100)]
    )
    # A mandatory criterion must be met whatever the score.
    mandatory = models.BooleanField(_("mandatory"), default=False)
    is_active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["operation", "-mandatory", "code"]
        verbose_name = _("eligibility criterion")
        verbose_name_plural = _("eligibility criteria")
        constraints = [
            models.UniqueConstraint(fields=["operation", "code"], name="cash_criterion_code"),
        ]

    def __str__(self) -> str:
        return self.code


class CashRules(models.Model):
    """The operation's eligibility threshold (the score the met criteria must reach)."""

    operation = models.OneToOneField(
        "core.Operation", on_delete=models.CASCADE, related_name="cash_rules"
    )
    min_score = models.PositiveSmallIntegerField(
        _("minimum eligibility score"), default=0, validators=[MaxValueValidator(1000)]
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["operation"]
        verbose_name = _("cash eligibility rules")
        verbose_name_plural = _("cash eligibility rules")

    def __str__(self) -> str:
        return f"cash rules of operation {self.operation_id}"


class ExpenditureBasket(models.Model):
    """A minimum expenditure basket: the amount a household of each size needs per month, and
    the transfer value rule that turns it into a grant."""

    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    currency = models.CharField(_("currency"), max_length=3)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    # Transfer value: this percentage of the MEB for the household's size ...
    transfer_percent = models.PositiveSmallIntegerField(
        _("transfer value (% of the MEB)"),
        default=100,
        validators=[MinValueValidator(1), MaxValueValidator(300)],
    )
    # ... paid in this many instalments (1: a one-off grant), this many days apart.
    instalments = models.PositiveSmallIntegerField(
        _("instalments"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_INSTALMENTS)],
    )
    interval_days = models.PositiveSmallIntegerField(
        _("days between instalments"), default=30, validators=[MaxValueValidator(366)]
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["operation", "-valid_from", "-id"]
        verbose_name = _("minimum expenditure basket")
        verbose_name_plural = _("minimum expenditure baskets")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_until__gte=models.F("valid_from")),
                name="cash_meb_valid_after_from",
            ),
        ]

    def __str__(self) -> str:
        return f"MEB {self.pk} ({self.currency})"


class BasketAmount(models.Model):
    """The MEB for one household size (the largest size listed covers bigger households)."""

    basket = models.ForeignKey(ExpenditureBasket, on_delete=models.CASCADE, related_name="amounts")
    household_size = models.PositiveSmallIntegerField(
        _("household size"), validators=[MinValueValidator(1), MaxValueValidator(MAX_HOUSEHOLD)]
    )
    amount = models.DecimalField(
        _("amount"),
        max_digits=15,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_AMOUNT)],
    )

    class Meta:
        ordering = ["basket", "household_size"]
        verbose_name = _("MEB amount")
        verbose_name_plural = _("MEB amounts")
        constraints = [
            models.UniqueConstraint(fields=["basket", "household_size"], name="cash_meb_size"),
        ]

    def __str__(self) -> str:
        return f"MEB {self.basket_id} size {self.household_size}"


class SharingAgreement(models.Model):
    """A data-sharing agreement between two organisations of an operation for one purpose, with
    its dates: without one, no cross-organisation check reveals anything."""

    class Purpose(models.TextChoices):
        CASH_DEDUPLICATION = "cash_dedup", _("Checking for duplicate cash assistance")

    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="+")
    # Stored with the lower id first (one row per pair).
    organisation_a = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    organisation_b = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.CharField(
        _("purpose"), max_length=20, choices=Purpose.choices, default=Purpose.CASH_DEDUPLICATION
    )
    reference = models.CharField(_("reference of the signed agreement"), max_length=200)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["operation", "-valid_from", "-id"]
        verbose_name = _("data-sharing agreement")
        verbose_name_plural = _("data-sharing agreements")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(organisation_a__lt=models.F("organisation_b")),
                name="cash_agreement_pair_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_until__gte=models.F("valid_from")),
                name="cash_agreement_valid_after_from",
            ),
        ]

    def __str__(self) -> str:
        return f"agreement {self.pk} ({self.purpose})"


class CashAssistance(models.Model):
    """Cash for protection for one case: eligibility, amount, mechanism, two-person approval."""

    class Mechanism(models.TextChoices):
        CASH_IN_HAND = "cash", _("Cash in hand")
        MOBILE_MONEY = "mobile", _("Mobile money")
        VOUCHER = "voucher", _("Voucher")
        BANK = "bank", _("Bank transfer")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING = "pending", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    ACTIVE = (Status.PENDING, Status.APPROVED)

    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="cash")
    # The organisation that gives the cash (the case's organisation when it was recorded).
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    # "ADP-2026-00012-C1": the case code and a number; never a name.
    code = models.CharField(_("code"), max_length=80, editable=False)
    intervention = models.ForeignKey(
        "cases.Intervention",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cash",
        verbose_name=_("case plan intervention"),
    )
    basket = models.ForeignKey(
        ExpenditureBasket,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("minimum expenditure basket"),
    )
    household_size = models.PositiveSmallIntegerField(
        _("household size"), validators=[MinValueValidator(1), MaxValueValidator(MAX_HOUSEHOLD)]
    )
    # Codes of the criteria met, the score and the verdict at the time of the assessment.
    criteria_met = models.JSONField(_("criteria met"), default=list, blank=True)
    score = models.PositiveSmallIntegerField(_("eligibility score"), default=0)
    eligible = models.BooleanField(_("eligible"), default=False)
    computed_amount = models.DecimalField(_("amount from the MEB"), max_digits=15, decimal_places=2)
    amount = models.DecimalField(
        _("amount"),
        max_digits=15,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(MAX_AMOUNT)],
    )
    currency = models.CharField(_("currency"), max_length=3)
    override_reason = EncryptedTextField(_("reason for a different amount"), blank=True, default="")
    mechanism = models.CharField(_("delivery mechanism"), max_length=10, choices=Mechanism.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = EncryptedTextField(_("comment"), blank=True, default="")
    # The last duplicate check: when, and the organisations it named (nothing else is kept).
    checked_at = models.DateTimeField(null=True, blank=True)
    check_result = models.JSONField(default=dict, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["operation", "-created_at", "-id"]
        verbose_name = _("cash assistance")
        verbose_name_plural = _("cash assistance")
        constraints = [
            models.UniqueConstraint(fields=["operation", "code"], name="cash_unique_code"),
        ]
        indexes = [
            models.Index(fields=["operation", "organisation", "status"], name="cash_team_list"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE


class CashInstalment(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        APPROVED = "approved", _("Approved")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    assistance = models.ForeignKey(
        CashAssistance, on_delete=models.CASCADE, related_name="instalments"
    )
    number = models.PositiveSmallIntegerField(_("instalment"))
    due_on = models.DateField(_("due on"))
    amount = models.DecimalField(
        _("amount"),
        max_digits=15,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(MAX_AMOUNT)],
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    paid_amount = models.DecimalField(
        _("amount paid"),
        max_digits=15,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_AMOUNT)],
    )
    # The payment provider's or distribution list's reference (no personal data).
    reference = models.CharField(_("payment reference"), max_length=100, blank=True)
    note = EncryptedTextField(_("note"), blank=True, default="")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["assistance", "number"]
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        constraints = [
            models.UniqueConstraint(fields=["assistance", "number"], name="cash_instalment_number"),
            models.CheckConstraint(
                condition=models.Q(status="paid") | models.Q(paid_on__isnull=True),
                name="cash_paid_on_only_when_paid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assistance_id}/{self.number}"


class DistributionMonitoring(models.Model):
    """Post-distribution monitoring of one instalment: what the person says about it."""

    class Use(models.TextChoices):
        FOOD = "food", _("Food")
        RENT = "rent", _("Rent and shelter")
        HEALTH = "health", _("Health care")
        EDUCATION = "education", _("Education")
        DEBT = "debt", _("Paying debts")
        LIVELIHOOD = "livelihood", _("Livelihood")
        DOCUMENTS = "documents", _("Civil documents")
        TRANSPORT = "transport", _("Transport or relocation")
        OTHER = "other", _("Other")

    instalment = models.OneToOneField(
        CashInstalment, on_delete=models.CASCADE, related_name="monitoring"
    )
    interviewed_on = models.DateField(_("interviewed on"))
    received_in_full = models.BooleanField(_("received in full"))
    on_time = models.BooleanField(_("received on time"))
    safety_problem = models.BooleanField(_("safety problem"))
    safety_note = EncryptedTextField(_("safety problem (details)"), blank=True, default="")
    uses = models.JSONField(_("use of the money"), default=list, blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction (1-5)"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["instalment", "-interviewed_on"]
        verbose_name = _("post-distribution monitoring")
        verbose_name_plural = _("post-distribution monitoring")

    def __str__(self) -> str:
        return f"pdm of {self.instalment_id}"
