from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Organisation(models.Model):
    class Type(models.TextChoices):
        UN = "un", _("UN agency")
        INGO = "ingo", _("International NGO")
        NNGO = "nngo", _("National NGO")
        GOVERNMENT = "gov", _("Government")
        RED_CROSS = "rcrc", _("Red Cross / Red Crescent")
        DONOR = "donor", _("Donor")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200)
    acronym = models.CharField(_("acronym"), max_length=40, unique=True)
    type = models.CharField(_("type"), max_length=10, choices=Type.choices)
    country = models.ForeignKey(
        "core.AdminArea",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        limit_choices_to={"level": 0},
        related_name="+",
        verbose_name=_("country"),
        help_text=_("Country of registration; empty for international organisations."),
    )
    operations = models.ManyToManyField(
        "core.Operation", related_name="organisations", blank=True, verbose_name=_("operations")
    )
    website = models.URLField(_("website"), blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["acronym"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.acronym


class Delegation(models.Model):
    """An organisation's consent that the operation's managers (coordinators and information
    management officers) write its records of one kind on its behalf: upload its 5W, import its
    protection monitoring files. Without it, an organisation's records change only through its
    own members. Granted and withdrawn by the organisation's members (audited); a manager acting
    under it is named in the audit entry of each write."""

    class Scope(models.TextChoices):
        ACTIVITIES = "5w", _("5W reports")
        MONITORING = "monitoring", _("Protection monitoring imports")

    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="delegations"
    )
    scope = models.CharField(_("for"), max_length=20, choices=Scope.choices)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("granted by"),
    )
    revoked_at = models.DateTimeField(_("withdrawn on"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["operation", "organisation", "scope", "-created_at"]
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        constraints = [
            models.UniqueConstraint(
                fields=["operation", "organisation", "scope"],
                condition=models.Q(revoked_at__isnull=True),
                name="delegation_one_active",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} → {self.operation}: {self.scope}"
