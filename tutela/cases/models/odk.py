"""The operation's key pair for ODK submission encryption (one per operation, made on first use)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tutela.core.crypto import EncryptedTextField


class OdkKey(models.Model):
    """ODK Collect encrypts each submission on the phone with the public key (in the form's
    settings); only Tutela, with the private key, reads it. The private key is encrypted at rest
    with the field keys and never shown."""

    operation = models.OneToOneField(
        "core.Operation", on_delete=models.CASCADE, related_name="odk_key"
    )
    private_key = EncryptedTextField()
    public_key = models.TextField(_("public key"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"ODK key of operation {self.operation_id}"


class OdkSubmission(models.Model):
    """An ODK submission imported (by its instanceID), so that the same export uploaded twice
    registers nothing twice."""

    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="+")
    instance_id = models.CharField(max_length=100)
    form_id = models.CharField(max_length=100)
    case = models.ForeignKey(
        "cases.Case", null=True, on_delete=models.SET_NULL, related_name="odk_submissions"
    )
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["imported_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["operation", "instance_id"], name="cases_odk_submission_once"
            )
        ]

    def __str__(self) -> str:
        return self.instance_id
