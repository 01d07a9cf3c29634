"""Partner project sheets (the fields of OCHA's HPC Projects Module), vetted by the cluster."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tutela.core.counts import amount_validators, count_validators


class BudgetCategory(models.TextChoices):
    """The UN harmonised budget categories, used by HPC project sheets and pooled-fund budgets."""

    STAFF = "staff", _("Staff and other personnel costs")
    SUPPLIES = "supplies", _("Supplies, commodities, materials")
    EQUIPMENT = "equipment", _("Equipment, vehicles and furniture")
    CONTRACTUAL = "contractual", _("Contractual services")
    TRAVEL = "travel", _("Travel")
    TRANSFERS = "transfers", _("Transfers and grants to counterparts")
    OPERATING = "operating", _("General operating and other direct costs")
    INDIRECT = "indirect", _("Indirect support costs")


class Project(models.Model):
    """A partner's project sheet: what it will do, where, for whom, for how much.

    Workflow: draft -> submitted (to the cluster) -> returned (with comments) or approved; a
    returned project is edited and submitted again. Each submission freezes a numbered version.
    5W rows that carry the project's code are tied to it (ActivityReport.project).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted for vetting")
        RETURNED = "returned", _("Returned for changes")
        APPROVED = "approved", _("Approved")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="+")
    plan = models.ForeignKey(
        "planning.Plan",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("plan"),
    )
    # The HPC project code (e.g. HMLI26-PRO-204518), given when known, made up otherwise; FTS
    # flows and 5W rows refer to it.
    code = models.CharField(_("project code"), max_length=60)
    organisation = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("appealing organisation"),
    )
    implementing_partners = models.ManyToManyField(
        "core.Organisation", blank=True, related_name="+", verbose_name=_("implementing partners")
    )
    body = models.ForeignKey(
        "core.Body", on_delete=models.PROTECT, related_name="+", verbose_name=_("cluster / AoR")
    )
    title = models.CharField(_("title"), max_length=300)
    objectives = models.TextField(_("objectives"))
    plan_objectives = models.ManyToManyField(
        "planning.Objective",
        blank=True,
        related_name="projects",
        verbose_name=_("plan objectives it contributes to"),
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    # The sum of the budget lines, kept by the services.
    requirements_usd = models.DecimalField(
        _("requirements (USD)"),
        max_digits=16,
        decimal_places=2,
        default=0,
        validators=amount_validators(),
    )
    locations = models.ManyToManyField(
        "core.AdminArea", blank=True, related_name="+", verbose_name=_("locations")
    )
    activities = models.ManyToManyField(
        "activities.Activity",
        blank=True,
        related_name="+",
        verbose_name=_("activities (from the catalogue)"),
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    # Number of the last version frozen (0: never submitted).
    version = models.PositiveSmallIntegerField(default=0)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["operation", "code"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        constraints = [
            models.UniqueConstraint(fields=["operation", "code"], name="project_unique_code"),
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="project_end_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(requirements_usd__gte=0), name="project_requirements_positive"
            ),
        ]
        indexes = [models.Index(fields=["operation", "organisation"])]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)


class ProjectBudgetLine(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="budget_lines")
    category = models.CharField(_("category"), max_length=12, choices=BudgetCategory.choices)
    description = models.CharField(_("description"), max_length=300)
    amount_usd = models.DecimalField(
        _("amount (USD)"), max_digits=16, decimal_places=2, validators=amount_validators()
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["project", "order", "id"]
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_usd__gte=0), name="projectbudget_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category} {self.amount_usd}"


class ProjectTarget(models.Model):
    """People the project targets in one population group."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="targets")
    population_group = models.ForeignKey(
        "core.PopulationGroup", on_delete=models.PROTECT, related_name="+"
    )
    targeted = models.PositiveIntegerField(_("people targeted"), validators=count_validators())

    class Meta:
        ordering = ["project", "population_group__code"]
        verbose_name = _("project target")
        verbose_name_plural = _("project targets")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "population_group"], name="projecttarget_unique_group"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.population_group_id} {self.targeted}"


class ProjectEvent(models.Model):
    """The vetting conversation and decisions on a project: comments, submissions, returns and
    approvals, in order."""

    class Kind(models.TextChoices):
        COMMENT = "comment", _("Comment")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned for changes")
        APPROVED = "approved", _("Approved")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    text = models.TextField(_("comment"), blank=True)
    version = models.PositiveSmallIntegerField(default=0)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "created_at", "id"]
        verbose_name = _("project event")
        verbose_name_plural = _("project events")

    def __str__(self) -> str:
        return f"{self.project_id} {self.kind}"


class ProjectVersion(models.Model):
    """The project sheet as submitted (one per submission)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField()
    content = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "number"]
        verbose_name = _("project version")
        verbose_name_plural = _("project versions")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "number"], name="projectversion_unique_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} v{self.number}"
