"""The response plan of an operation for a year (HRP, RMRP...): objectives, indicators with
baselines and targets by area and population group, requirements, and its versions.

People in need and targeted people per area come from the operation's planning figures (the 5W
module's PlanningFigure, which its coverage pages also read); the plan shows them beside its own
indicators rather than keeping a second copy.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tutela.core.counts import amount_validators, count_validators
from tutela.core.models.reference import Localised


class Plan(models.Model):
    class Kind(models.TextChoices):
        HRP = "hrp", _("Humanitarian Response Plan")
        RMRP = "rmrp", _("Regional Refugee and Migrant Response Plan")
        FLASH = "flash", _("Flash appeal")
        OTHER = "other", _("Other plan")

    class Stage(models.TextChoices):
        # Editable; a first draft can be saved as a version any number of times.
        DRAFT = "draft", _("Draft")
        # The final plan: locked until a mid-year revision starts.
        FINAL = "final", _("Final")
        # Under mid-year revision: editable again.
        REVISION = "revision", _("Under mid-year revision")
        # The revised plan: locked.
        REVISED = "revised", _("Revised (mid-year)")

    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.HRP)
    title = models.CharField(_("title"), max_length=200)
    # The plan's code in OCHA's planning module / FTS (e.g. HMLI26), used in project codes.
    code = models.CharField(_("plan code"), max_length=30, blank=True)
    body = models.ForeignKey(
        "core.Body",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("cluster / sector"),
    )
    stage = models.CharField(max_length=10, choices=Stage.choices, default=Stage.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["operation", "-year"]
        verbose_name = _("response plan")
        verbose_name_plural = _("response plans")
        constraints = [
            models.UniqueConstraint(fields=["operation", "year"], name="plan_unique_year"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.year})"

    @property
    def is_editable(self) -> bool:
        return self.stage in (self.Stage.DRAFT, self.Stage.REVISION)


class PlanVersion(models.Model):
    """A frozen copy of the plan (objectives, indicators, targets, requirements) as saved at a
    milestone."""

    class Kind(models.TextChoices):
        FIRST_DRAFT = "first_draft", _("First draft")
        FINAL = "final", _("Final")
        MID_YEAR = "mid_year", _("Mid-year revision")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("number"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    note = models.TextField(_("note"), blank=True)
    content = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["plan", "number"]
        verbose_name = _("plan version")
        verbose_name_plural = _("plan versions")
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="planversion_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.plan} v{self.number} ({self.kind})"


class Objective(Localised):
    """A strategic objective of the response, or a cluster objective contributing to one."""

    class Kind(models.TextChoices):
        STRATEGIC = "strategic", _("Strategic objective")
        CLUSTER = "cluster", _("Cluster objective")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="objectives")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    code = models.CharField(_("code"), max_length=20)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("contributes to"),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["plan", "kind", "order", "code"]
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="objective_unique_code"),
        ]


class PlanIndicator(Localised):
    """An indicator of the plan's monitoring framework. It is filled from the 5W: the rows of the
    linked catalogue activities, and the rows reported under the linked 5W indicators, count as
    reached."""

    class Unit(models.TextChoices):
        PEOPLE = "people", _("People")
        OTHER = "other", _("Other unit (sessions, items...)")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="indicators")
    objective = models.ForeignKey(
        Objective, on_delete=models.PROTECT, related_name="indicators", verbose_name=_("objective")
    )
    code = models.CharField(_("code"), max_length=20)
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices, default=Unit.PEOPLE)
    body = models.ForeignKey(
        "core.Body",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cluster / AoR"),
    )
    baseline = models.PositiveIntegerField(_("baseline"), default=0, validators=count_validators())
    target = models.PositiveIntegerField(_("target"), default=0, validators=count_validators())
    activities = models.ManyToManyField(
        "activities.Activity", blank=True, related_name="+", verbose_name=_("5W activities")
    )
    fivew_indicators = models.ManyToManyField(
        "activities.Indicator", blank=True, related_name="+", verbose_name=_("5W indicators")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["plan", "order", "code"]
        verbose_name = _("plan indicator")
        verbose_name_plural = _("plan indicators")
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="planindicator_unique_code"),
        ]

    @property
    def counts_people(self) -> bool:
        return self.unit == self.Unit.PEOPLE


class IndicatorTarget(models.Model):
    """Baseline and target of an indicator in one admin area (P-code), for one population group
    or for all groups."""

    indicator = models.ForeignKey(PlanIndicator, on_delete=models.CASCADE, related_name="targets")
    area = models.ForeignKey(
        "core.AdminArea", on_delete=models.PROTECT, related_name="+", verbose_name=_("area")
    )
    population_group = models.ForeignKey(
        "core.PopulationGroup",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("population group"),
    )
    baseline = models.PositiveIntegerField(_("baseline"), default=0, validators=count_validators())
    target = models.PositiveIntegerField(_("target"), default=0, validators=count_validators())
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["indicator", "area__pcode", "population_group__code"]
        verbose_name = _("indicator target")
        verbose_name_plural = _("indicator targets")
        constraints = [
            # Two partial constraints rather than nulls_distinct=False, which SQLite lacks.
            models.UniqueConstraint(
                fields=["indicator", "area", "population_group"],
                condition=models.Q(population_group__isnull=False),
                name="indicatortarget_unique",
            ),
            models.UniqueConstraint(
                fields=["indicator", "area"],
                condition=models.Q(population_group__isnull=True),
                name="indicatortarget_unique_all_groups",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.area_id} {self.population_group_id}"


class PlanRequirement(models.Model):
    """The financial requirements of the plan for the cluster or one of its AoRs, in US dollars."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="requirements")
    body = models.ForeignKey(
        "core.Body", on_delete=models.PROTECT, related_name="+", verbose_name=_("cluster / AoR")
    )
    amount_usd = models.DecimalField(
        _("requirements (USD)"), max_digits=16, decimal_places=2, validators=amount_validators()
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["plan", "body__name"]
        verbose_name = _("plan requirement")
        verbose_name_plural = _("plan requirements")
        constraints = [
            models.UniqueConstraint(fields=["plan", "body"], name="planrequirement_unique_body"),
            models.CheckConstraint(
                condition=models.Q(amount_usd__gte=0), name="planrequirement_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.body_id} {self.amount_usd}"
