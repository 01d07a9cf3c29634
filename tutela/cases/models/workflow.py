"""The case management workflow after registration: assessments (incl. the best-interest
assessment of child protection), the case plan with its goals and interventions, services
delivered, follow-ups, supervisor approvals, and transfers of ownership."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tutela.core.crypto import EncryptedTextField


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned for changes")


class Assessment(models.Model):
    class Kind(models.TextChoices):
        STANDARD = "standard", _("Assessment")
        BEST_INTEREST = "bia", _("Best-interest assessment")

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="assessments")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.STANDARD)
    assessed_on = models.DateField(_("assessed on"))
    summary = EncryptedTextField(_("findings"))
    needs = EncryptedTextField(_("needs identified"), blank=True, default="")
    risk_level = models.CharField(
        _("risk level"),
        max_length=10,
        choices=[("low", _("Low")), ("medium", _("Medium")), ("high", _("High"))],
        default="medium",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["case", "-assessed_on", "-id"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")

    def __str__(self) -> str:
        return f"assessment {self.pk} of case {self.case_id}"


class CasePlan(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="plans")
    status = models.CharField(
        _("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT
    )
    review_on = models.DateField(_("review the plan on"), null=True, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["case", "-created_at", "-id"]
        verbose_name = _("case plan")
        verbose_name_plural = _("case plans")

    def __str__(self) -> str:
        return f"plan {self.pk} of case {self.case_id}"


class Intervention(models.Model):
    """A goal of the case plan and what will be done for it: who, by when."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    plan = models.ForeignKey(CasePlan, on_delete=models.CASCADE, related_name="interventions")
    goal = EncryptedTextField(_("goal"))
    action = EncryptedTextField(_("intervention"), blank=True, default="")
    service_type = models.ForeignKey(
        "cases.ServiceType",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("service type"),
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    responsible_organisation = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation responsible"),
    )
    due_on = models.DateField(_("by when"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PLANNED
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["plan", "due_on", "id"]
        verbose_name = _("intervention")
        verbose_name_plural = _("interventions")

    def __str__(self) -> str:
        return f"intervention {self.pk} of plan {self.plan_id}"


class ServiceDelivery(models.Model):
    """A service the person received (counted in the cluster's statistics)."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="deliveries")
    service_type = models.ForeignKey(
        "cases.ServiceType", on_delete=models.PROTECT, related_name="+", verbose_name=_("service")
    )
    provided_on = models.DateField(_("provided on"))
    organisation = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("provided by"),
    )
    intervention = models.ForeignKey(
        Intervention, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    note = EncryptedTextField(_("note"), blank=True, default="")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["case", "-provided_on", "-id"]
        verbose_name = _("service delivered")
        verbose_name_plural = _("services delivered")

    def __str__(self) -> str:
        return f"service {self.pk} of case {self.case_id}"


class FollowUp(models.Model):
    class Kind(models.TextChoices):
        VISIT = "visit", _("Home visit")
        PHONE = "phone", _("Phone call")
        OFFICE = "office", _("Office meeting")
        OTHER = "other", _("Other")

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="follow_ups")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.VISIT)
    due_on = models.DateField(_("due on"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    note = EncryptedTextField(_("note"), blank=True, default="")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["case", "due_on", "id"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")

    def __str__(self) -> str:
        return f"follow-up {self.pk} of case {self.case_id}"


class Approval(models.Model):
    """A supervisor's approval of an assessment, a case plan or a closure. The person who asked
    never decides (self-approval is refused)."""

    class Kind(models.TextChoices):
        ASSESSMENT = "assessment", _("Assessment")
        CASE_PLAN = "case_plan", _("Case plan")
        CLOSURE = "closure", _("Closure")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Returned")

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="approvals")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, null=True, blank=True, related_name="approvals"
    )
    plan = models.ForeignKey(
        CasePlan, on_delete=models.CASCADE, null=True, blank=True, related_name="approvals"
    )
    closure_reason = models.CharField(_("closure reason"), max_length=20, blank=True)
    closure_note = EncryptedTextField(_("closure note"), blank=True, default="")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = EncryptedTextField(_("comment"), blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["case", "-requested_at", "-id"]
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind"],
                condition=models.Q(status="pending"),
                name="approval_one_pending_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"approval {self.pk} ({self.kind}) of case {self.case_id}"


class Transfer(models.Model):
    """Moving a case's ownership to another organisation (with consent); the receiver accepts."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting the receiver")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="transfers")
    from_organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    to_organisation = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("to organisation"),
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("to caseworker"),
    )
    reason = EncryptedTextField(_("reason"), blank=True, default="")
    consent = models.ForeignKey(
        "cases.Consent", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    override = models.ForeignKey(
        "cases.ConsentOverride", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = EncryptedTextField(_("reason for declining"), blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["case", "-created_at"]
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(status="pending"),
                name="transfer_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"transfer {self.pk} of case {self.case_id}"
