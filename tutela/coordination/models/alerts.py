"""Rapid alerts to nuclear members, AoRs and regional working groups, and the joint evaluation
missions that follow them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tutela.core.counts import count_validators


class Alert(models.Model):
    class Kind(models.TextChoices):
        DISPLACEMENT = "displacement", _("New displacement")
        ATTACK = "attack", _("Attack on civilians")
        EVICTION = "eviction", _("Eviction")
        ACCESS = "access", _("Access restriction")
        EARLY_WARNING = "early_warning", _("Early-warning signal")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")
        CLOSED = "closed", _("Closed")

    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=14, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300)
    occurred_on = models.DateField(_("date"))
    area = models.ForeignKey(
        "core.AdminArea", on_delete=models.PROTECT, related_name="+", verbose_name=_("location")
    )
    people_affected = models.PositiveIntegerField(
        _("estimated people affected"), null=True, blank=True, validators=count_validators()
    )
    source = models.CharField(_("source"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    # When the alert comes from an early-warning signal of protection monitoring.
    signal = models.ForeignKey(
        "monitoring.EarlyWarningSignal",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="alerts",
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["operation", "-occurred_on", "-id"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")

    def __str__(self) -> str:
        return self.title


class AlertRecipient(models.Model):
    """An organisation an alert goes to, why, and its acknowledgement and response."""

    class Reason(models.TextChoices):
        NUCLEAR = "nuclear", _("Nuclear member")
        AOR = "aor", _("Area of Responsibility concerned")
        REGIONAL = "regional", _("Regional working group covering the location")
        MANUAL = "manual", _("Added by the coordinator")

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="recipients")
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=10, choices=Reason.choices)
    # Through which body (nuclear members of the cluster, an AoR, a regional working group).
    body = models.ForeignKey(
        "core.Body", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # SHA-256 of the acknowledgement link's secret (the secret itself is only in the e-mail).
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    response = models.TextField(_("response"), blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["alert", "organisation"]
        verbose_name = _("alert recipient")
        verbose_name_plural = _("alert recipients")
        constraints = [
            models.UniqueConstraint(fields=["alert", "organisation"], name="alertrecipient_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.alert_id} → {self.organisation_id}"


class Mission(models.Model):
    """A joint evaluation mission, usually following an alert."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="+")
    alert = models.ForeignKey(
        Alert, on_delete=models.SET_NULL, null=True, blank=True, related_name="missions"
    )
    title = models.CharField(_("title"), max_length=300)
    area = models.ForeignKey(
        "core.AdminArea",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("location"),
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    organisations = models.ManyToManyField(
        "core.Organisation", blank=True, related_name="+", verbose_name=_("organisations")
    )
    findings = models.TextField(_("findings"), blank=True)
    recommendations = models.TextField(_("recommendations"), blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["operation", "-starts_on"]
        verbose_name = _("joint evaluation mission")
        verbose_name_plural = _("joint evaluation missions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="mission_dates"
            ),
        ]

    def __str__(self) -> str:
        return self.title
