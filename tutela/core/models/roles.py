from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Cluster coordinator")
    IMO = "imo", _("Information management officer")
    FOCAL_POINT = "focal_point", _("AoR / regional focal point")
    PARTNER = "partner", _("Partner focal point")
    CASEWORKER = "caseworker", _("Caseworker")
    SUPERVISOR = "supervisor", _("Case management supervisor")
    VIEWER = "viewer", _("Viewer / donor")


# Roles that manage the operation: its structure, users and audit log.
MANAGER_ROLES = frozenset({Role.COORDINATOR, Role.IMO})
# Roles that see every organisation's records in the operation (not only their own).
CLUSTER_WIDE_ROLES = frozenset({Role.COORDINATOR, Role.IMO, Role.FOCAL_POINT})


class OperationRole(models.Model):
    """A user's role in an operation. A focal point's role can be limited to one body (an AoR,
    a regional working group)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="operation_roles"
    )
    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    body = models.ForeignKey(
        "core.Body",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="focal_points",
        verbose_name=_("body"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["operation", "role"]
        verbose_name = _("operation role")
        verbose_name_plural = _("operation roles")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "operation", "role"], name="operationrole_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} ({self.operation})"
