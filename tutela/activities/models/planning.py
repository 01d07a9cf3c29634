from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from tutela.core.counts import count_validators


class PlanningFigure(models.Model):
    """HNO/HRP figures per admin area × cluster/AoR × population group."""

    operation = models.ForeignKey(
        "core.Operation", on_delete=models.CASCADE, related_name="planning_figures"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    area = models.ForeignKey("core.AdminArea", on_delete=models.PROTECT, related_name="+")
    body = models.ForeignKey("core.Body", on_delete=models.PROTECT, related_name="+")
    population_group = models.ForeignKey(
        "core.PopulationGroup", on_delete=models.PROTECT, null=True, blank=True
    )
    people_in_need = models.PositiveIntegerField(
        _("people in need"), default=0, validators=count_validators()
    )
    targeted = models.PositiveIntegerField(_("targeted"), default=0, validators=count_validators())
    severity = models.PositiveSmallIntegerField(
        _("severity (1-5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["operation", "year", "area__pcode"]
        verbose_name = _("planning figure")
        verbose_name_plural = _("planning figures")
        constraints = [
            # Two partial constraints rather than nulls_distinct=False, which SQLite lacks.
            models.UniqueConstraint(
                fields=["operation", "year", "area", "body", "population_group"],
                condition=models.Q(population_group__isnull=False),
                name="planning_unique_key",
            ),
            models.UniqueConstraint(
                fields=["operation", "year", "area", "body"],
                condition=models.Q(population_group__isnull=True),
                name="planning_unique_key_all_groups",
            ),
            models.CheckConstraint(
                condition=models.Q(severity__isnull=True)
                | models.Q(severity__gte=1, severity__lte=5),
                name="planning_severity_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area} {self.body} {self.year}"
