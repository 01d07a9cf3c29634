from __future__ import annotations

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
