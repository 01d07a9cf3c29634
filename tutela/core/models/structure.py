from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Body(models.Model):
    """A coordination body: the national cluster, an AoR, a regional working group, the SAG..."""

    class Kind(models.TextChoices):
        CLUSTER = "cluster", _("National cluster / sector")
        AOR = "aor", _("Area of Responsibility / sub-cluster")
        REGIONAL = "regional", _("Regional working group")
        SAG = "sag", _("Strategic Advisory Group")
        TASK_FORCE = "taskforce", _("Task force")

    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="bodies")
    name = models.CharField(_("name"), max_length=200)
    # Short code used in 5W files: PRO, PRO-CPN, PRO-GBV, PRO-HLP, PRO-MIN...
    code = models.CharField(_("code"), max_length=30, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent body"),
    )
    lead = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lead organisation"),
    )
    co_lead = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("co-lead organisation"),
    )
    scope = models.ManyToManyField(
        "core.AdminArea",
        blank=True,
        related_name="bodies",
        verbose_name=_("geographic scope"),
        help_text=_("Admin areas covered; empty means the whole operation."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["operation", "kind", "name"]
        verbose_name = _("coordination body")
        verbose_name_plural = _("coordination bodies")
        constraints = [
            models.UniqueConstraint(fields=["operation", "name"], name="body_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.parent_id and self.parent and self.parent.operation_id != self.operation_id:
            raise ValidationError({"parent": _("The parent body must be in the same operation.")})
        if self.lead_id and self.lead_id == self.co_lead_id:
            raise ValidationError({"co_lead": _("Lead and co-lead must be different.")})


class Membership(models.Model):
    class Role(models.TextChoices):
        LEAD = "lead", _("Lead")
        CO_LEAD = "co_lead", _("Co-lead")
        MEMBER = "member", _("Member")
        OBSERVER = "observer", _("Observer")

    body = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    is_nuclear = models.BooleanField(_("nuclear member"), default=False)
    since = models.DateField(_("since"), null=True, blank=True)
    until = models.DateField(_("until"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["body", "organisation__acronym"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["body", "organisation"], name="membership_unique_org_per_body"
            ),
            models.CheckConstraint(
                condition=models.Q(until__isnull=True)
                | models.Q(since__isnull=True)
                | models.Q(until__gte=models.F("since")),
                name="membership_until_after_since",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} in {self.body}"

    def clean(self) -> None:
        if self.since and self.until and self.until < self.since:
            raise ValidationError({"until": _("The end date is before the start date.")})
