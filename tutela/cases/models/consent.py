"""Consent as data: what the person (or their caregiver) agreed to, for which purpose, with whom,
which fields, until when; and the supervisors' recorded overrides."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tutela.core.crypto import EncryptedTextField


class Consent(models.Model):
    class Purpose(models.TextChoices):
        SERVICES = "services", _("Case management and services")
        SHARING = "sharing", _("Sharing with named organisations (referral, transfer)")
        AGGREGATE = "aggregate", _("Counting in anonymous statistics")
        TRACING = "tracing", _("Family tracing")
        DEDUPLICATION = "dedup", _("Checking with other organisations for duplicate assistance")

    class GivenBy(models.TextChoices):
        PERSON = "person", _("The person")
        CAREGIVER = "caregiver", _("A parent or caregiver")

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=12, choices=Purpose.choices)
    given_by = models.CharField(
        _("given by"), max_length=10, choices=GivenBy.choices, default=GivenBy.PERSON
    )
    caregiver_name = EncryptedTextField(_("caregiver's name"), blank=True, default="")
    given_on = models.DateField(_("given on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    # Sharing (and tracing): the organisations named in the consent.
    organisations = models.ManyToManyField(
        "core.Organisation", blank=True, related_name="+", verbose_name=_("organisations")
    )
    # Codes of tutela.cases.shared_fields.FIELDS the person agreed to disclose.
    fields = models.JSONField(_("information that may be shared"), default=list, blank=True)
    # Child protection: a child consenting without a caregiver rests on a best-interest assessment.
    best_interest = models.ForeignKey(
        "cases.Assessment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("best-interest assessment"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    withdrawal_note = EncryptedTextField(_("withdrawal note"), blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["case", "-given_on", "-id"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_until__gte=models.F("given_on")),
                name="consent_valid_after_given",
            ),
        ]

    def __str__(self) -> str:
        return f"consent {self.pk} ({self.purpose}) of case {self.case_id}"

    def is_active(self, on: datetime.date) -> bool:
        if self.withdrawn_on is not None and self.withdrawn_on <= on:
            return False
        if self.given_on > on:
            return False
        return self.valid_until is None or self.valid_until >= on


class ConsentOverride(models.Model):
    """A supervisor's decision to hand off without (or beyond) consent, with the reason: shown on
    the case and in the audit log."""

    class Handoff(models.TextChoices):
        REFERRAL = "referral", _("Referral")
        TRANSFER = "transfer", _("Transfer")
        EXPORT = "export", _("Export")

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="overrides")
    handoff = models.CharField(_("hand-off"), max_length=10, choices=Handoff.choices)
    organisation = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("receiving organisation"),
    )
    fields = models.JSONField(_("information disclosed"), default=list, blank=True)
    reason = EncryptedTextField(_("reason"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "-created_at"]
        verbose_name = _("consent override")
        verbose_name_plural = _("consent overrides")

    def __str__(self) -> str:
        return f"override {self.pk} ({self.handoff}) of case {self.case_id}"
