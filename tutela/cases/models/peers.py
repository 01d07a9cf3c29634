"""Referrals between Tutela instances: this instance's keys, the registered peers and the
organisations they host, the packages waiting to be delivered, the ids already received (replay),
and the referrals received from a peer."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tutela.core.crypto import EncryptedTextField


class InstanceKey(models.Model):
    """This instance's key pair (one row, made on first use). The private keys are encrypted at
    rest with the field keys, like every other secret column."""

    signing_private = EncryptedTextField()
    encryption_private = EncryptedTextField()
    signing_public = models.CharField(max_length=64)
    encryption_public = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"instance key {self.signing_public[:12]}"


class Peer(models.Model):
    """Another Tutela instance this operation exchanges referrals with."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        REVOKED = "revoked", _("Revoked")

    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    base_url = models.URLField(_("address of the other Tutela"), max_length=300)
    remote_operation = models.SlugField(_("operation on the other Tutela (its short name)"))
    signing_key = models.CharField(_("its public signing key"), max_length=64)
    encryption_key = models.CharField(_("its public encryption key"), max_length=64)
    # The organisations of this operation that work in the other Tutela: referrals to them go
    # there. Each is known there by the same acronym.
    organisations = models.ManyToManyField(
        "core.Organisation",
        blank=True,
        related_name="+",
        verbose_name=_("organisations it hosts"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    # The inbox's rate limit (a fixed one-minute window per peer key, shared by every web worker
    # through the database): when the current window began and the packages counted in it.
    inbox_window_start = models.DateTimeField(null=True, blank=True)
    inbox_window_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["operation", "name"]
        verbose_name = _("peer instance")
        verbose_name_plural = _("peer instances")
        constraints = [
            # One active registration per key in an operation (the inbox finds the peer by it).
            models.UniqueConstraint(
                fields=["operation", "signing_key"],
                condition=models.Q(status="active"),
                name="peer_unique_active_key",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PeerMessage(models.Model):
    """A package to send to a peer (a referral, or an answer to one), sent by the task worker and
    retried while the peer is down. The payload is kept encrypted at rest; the package is sealed
    again at each attempt (fresh time stamp, same id)."""

    class Kind(models.TextChoices):
        REFERRAL = "referral", _("Referral")
        ANSWER = "answer", _("Answer to a referral")
        WITHDRAWAL = "withdrawal", _("Withdrawal of a referral or of its consent")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to be delivered")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Refused by the other Tutela")

    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="messages")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    package_id = models.CharField(max_length=32, unique=True)
    payload = EncryptedTextField()
    referral = models.ForeignKey(
        "cases.Referral", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    inbound = models.ForeignKey(
        "cases.InboundReferral",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="peer_message_due")]

    def __str__(self) -> str:
        return f"{self.kind} {self.package_id}"


class PeerPackageSeen(models.Model):
    """The id of a package received: the same id again is a replay."""

    peer = models.ForeignKey(Peer, on_delete=models.CASCADE, related_name="+")
    package_id = models.CharField(max_length=100)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["peer", "package_id"], name="peer_package_once"),
        ]

    def __str__(self) -> str:
        return self.package_id


class PeerInboxAddressWindow(models.Model):
    """The inbox's limit per client address, counted before anything is parsed or verified (the
    per-peer limit needs a checked signature, so it cannot stop a flood of garbage): the posts one
    address (an IPv6 client by its /64) made in a one-minute window that starts on the minute. A
    row per address and window, shared by every web worker through the database; rows of past
    windows are deleted when a new window's row is made."""

    address = models.CharField(max_length=64)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-window_start", "address"]
        constraints = [
            models.UniqueConstraint(
                fields=["address", "window_start"], name="peer_inbox_address_window_once"
            ),
        ]
        indexes = [models.Index(fields=["window_start"], name="peer_inbox_window_start")]

    def __str__(self) -> str:
        return f"{self.address} {self.window_start:%H:%M}: {self.count}"


class InboundReferral(models.Model):
    """A referral received from another Tutela for an organisation of this operation: what the
    sender's consent allowed, as the package carried it (encrypted at rest). Only the receiving
    organisation's case management staff see it."""

    class Status(models.TextChoices):
        SENT = "sent", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        COMPLETED = "completed", _("Completed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="+")
    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="inbound_referrals")
    organisation = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("receiving organisation"),
    )
    # The sender's referral code: what both organisations call it.
    code = models.CharField(_("referral code"), max_length=40)
    from_organisation = models.CharField(_("referring organisation"), max_length=250)
    priority = models.CharField(_("priority"), max_length=10)
    services_requested = models.JSONField(_("services requested"), default=list)
    reason = EncryptedTextField(_("reasons for referral"))
    caregiver_informed = models.BooleanField(_("caregiver informed (child)"), null=True)
    shared_fields = models.JSONField(default=list)
    shared_data = EncryptedTextField(blank=True, default="")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SENT
    )
    sent_at = models.DateTimeField(_("sent at"))
    respond_by = models.DateTimeField(_("answer expected by"))
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decline_reason = EncryptedTextField(_("reason for declining"), blank=True, default="")
    feedback = EncryptedTextField(
        _("feedback to the referring organisation"), blank=True, default=""
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    # Told by the sender: the referral withdrawn (status withdrawn), or the consent it rested on
    # withdrawn (the referral stays as it was, without the shared data). Either way the shared data
    # is gone and no case can be opened from it any more.
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawal_reason = EncryptedTextField(_("reason for withdrawing"), blank=True, default="")
    consent_withdrawn_at = models.DateTimeField(_("consent withdrawn at"), null=True, blank=True)
    # The receiving organisation's own case, opened from the referral once accepted.
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("case opened from it"),
    )
    # When the receiving organisation's case staff were told it is past its deadline unanswered.
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["operation", "-received_at", "-id"]
        verbose_name = _("referral from another Tutela")
        verbose_name_plural = _("referrals from other Tutela instances")
        constraints = [
            models.UniqueConstraint(fields=["peer", "code"], name="inbound_referral_once"),
        ]

    def __str__(self) -> str:
        return self.code
