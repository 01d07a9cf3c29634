"""The service directory (the cluster's referral pathway) and referrals between organisations."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tutela.core.crypto import EncryptedTextField


class Service(models.Model):
    """A service an organisation offers, published to the operation's members."""

    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organisation"),
    )
    service_type = models.ForeignKey(
        "cases.ServiceType",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("type of service"),
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    areas = models.ManyToManyField(
        "core.AdminArea", related_name="+", verbose_name=_("areas served (P-codes)")
    )
    population_groups = models.ManyToManyField(
        "core.PopulationGroup",
        blank=True,
        related_name="+",
        verbose_name=_("population groups served"),
    )
    population = models.CharField(
        _("who is served"),
        max_length=300,
        blank=True,
        help_text=_("e.g. women and girls 12+, unaccompanied children, older people"),
    )
    # Language codes or names as people say them: ["fr", "bm", "ff"] or ["Français", "Bambara"].
    languages = models.JSONField(_("languages"), default=list, blank=True)
    hours = models.CharField(_("opening hours"), max_length=200, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_phone = EncryptedTextField(_("contact phone"), blank=True, default="")
    contact_email = EncryptedTextField(_("contact e-mail"), blank=True, default="")
    referral_requirements = models.TextField(_("referral requirements"), blank=True)
    # Receives the referrals to this service and the overdue escalations.
    focal_point = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("referral focal point"),
    )
    is_published = models.BooleanField(_("published to the operation's members"), default=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["operation", "service_type__order", "organisation__acronym", "name"]
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation_id})"


class Referral(models.Model):
    """A referral of a case to another organisation (the IASC inter-agency referral form).

    What the receiver sees is `shared_data`: the fields the consent allowed, copied when the
    referral was sent, encrypted; never the case itself."""

    class Priority(models.TextChoices):
        EMERGENCY = "emergency", _("Emergency (answer within 24 hours)")
        URGENT = "urgent", _("Urgent (answer within 72 hours)")
        NORMAL = "normal", _("Normal (answer within 2 weeks)")

    class Status(models.TextChoices):
        SENT = "sent", _("Sent")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        COMPLETED = "completed", _("Completed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="referrals")
    # "REF-2026-000012": what both organisations call it; never a name.
    code = models.CharField(_("referral code"), max_length=40, editable=False)
    from_organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    to_organisation = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("receiving organisation"),
    )
    service = models.ForeignKey(
        Service,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("service (from the directory)"),
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("receiving focal point"),
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    services_requested = models.ManyToManyField(
        "cases.ServiceType", related_name="+", verbose_name=_("services requested")
    )
    reason = EncryptedTextField(_("reasons for referral"))
    caregiver_informed = models.BooleanField(_("caregiver informed (child)"), null=True, blank=True)
    consent = models.ForeignKey(
        "cases.Consent", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    override = models.ForeignKey(
        "cases.ConsentOverride", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    shared_fields = models.JSONField(default=list, blank=True)
    # JSON of the shared fields' values (encrypted); emptied if the consent is withdrawn.
    shared_data = EncryptedTextField(blank=True, default="")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SENT
    )
    sent_at = models.DateTimeField(_("sent at"))
    respond_by = models.DateTimeField(_("answer expected by"))
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decline_reason = EncryptedTextField(_("reason for declining"), blank=True, default="")
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    feedback = EncryptedTextField(_("feedback from the receiver"), blank=True, default="")
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawal_reason = EncryptedTextField(_("reason for withdrawing"), blank=True, default="")
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    # The case the receiving organisation opened from this referral.
    receiver_case = models.ForeignKey(
        "cases.Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["operation", "-sent_at", "-id"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        constraints = [
            models.UniqueConstraint(fields=["operation", "code"], name="referral_unique_code"),
        ]
        indexes = [
            models.Index(fields=["operation", "to_organisation", "status"], name="referral_inbox"),
            models.Index(fields=["status", "respond_by"], name="referral_overdue"),
        ]

    def __str__(self) -> str:
        return self.code


class RetentionRun(models.Model):
    """One pass of the retention rule: which closed cases were anonymised and what was removed."""

    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="+")
    ran_at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    dry_run = models.BooleanField(default=False)
    closed_before = models.DateField()
    cases_anonymised = models.PositiveIntegerField(default=0)
    # [{"code": ..., "closed_on": ..., "removed": {"people": 3, "documents": 1, ...}}, ...]
    report = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["operation", "-ran_at"]
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")

    def __str__(self) -> str:
        return f"retention {self.operation_id} {self.ran_at:%Y-%m-%d}"
