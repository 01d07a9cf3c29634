"""The operation's key pairs for ODK submission encryption: one active (made on first use, in the
forms made now), the retired ones kept to read what phones still send with older forms."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tutela.core.crypto import EncryptedTextField


class OdkKey(models.Model):
    """ODK Collect encrypts each submission on the phone with the public key (in the form's
    settings); only Tutela, with the private key, reads it. The private key is encrypted at rest
    with the field keys and never shown. A rotation retires the active key (new forms never carry
    it again) and keeps it, to read the submissions of the forms made with it."""

    operation = models.ForeignKey(
        "core.Operation", on_delete=models.CASCADE, related_name="odk_keys"
    )
    private_key = EncryptedTextField()
    public_key = models.TextField(_("public key"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)
    retired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["operation"],
                condition=models.Q(retired_at__isnull=True),
                name="cases_odk_key_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"ODK key {self.pk} of operation {self.operation_id}"

    @property
    def version_suffix(self) -> str:
        """The end of the version of every form made with this key: tells old forms apart."""
        return f"k{self.pk}"


class OdkSubmission(models.Model):
    """An ODK submission imported (by its instanceID), so that the same export uploaded twice
    registers nothing twice."""

    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="+")
    instance_id = models.CharField(max_length=100)
    form_id = models.CharField(max_length=100)
    case = models.ForeignKey(
        "cases.Case", null=True, on_delete=models.SET_NULL, related_name="odk_submissions"
    )
    # The key that opened it (an older form's, after a rotation).
    key = models.ForeignKey(OdkKey, null=True, on_delete=models.SET_NULL, related_name="+")
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
