from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """One line of the append-only audit log: who did what to which record, when.

    Rows are never updated or deleted: the model refuses it, and on PostgreSQL and SQLite a
    database trigger refuses it too (migration 0002).
    """

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Updated")
        DELETE = "delete", _("Deleted")
        READ = "read", _("Read")
        EXPORT = "export", _("Exported")
        LOGIN = "login", _("Signed in")
        LOGIN_FAILED = "login_failed", _("Sign-in failed")
        LOGOUT = "logout", _("Signed out")
        SECURITY = "security", _("Security setting changed")

    operation = models.ForeignKey(
        "core.Operation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_entries",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_entries",
    )
    # Kept as text as well, so that the line still says who it was if the account is renamed.
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    entity_type = models.CharField(_("record type"), max_length=60, blank=True)
    entity_id = models.CharField(_("record id"), max_length=64, blank=True)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        indexes = [
            models.Index(fields=["operation", "-created_at"]),
            models.Index(fields=["entity_type", "entity_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.summary}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("The audit log is append-only.")
        # The stubs type a model's pk as never None: a new entry's is.
        super().save(*args, **kwargs)  # type: ignore[unreachable]

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("The audit log is append-only.")
