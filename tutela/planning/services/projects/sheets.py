"""Partner project sheets as written by the partner (or a manager for them): fields, budget lines,
targets by group, locations and activities, checked against the operation.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tutela.core import access as core_access
from tutela.core.counts import MAX_AMOUNT, MAX_COUNT, max_amount_text, max_count_text
from tutela.core.models import (
    AdminArea,
    AuditEntry,
    Body,
    Operation,
    Organisation,
    PopulationGroup,
    User,
)
from tutela.core.services.audit import audit_write, snapshot
from tutela.planning import access
from tutela.planning.models import (
    BudgetCategory,
    Objective,
    Plan,
    Project,
    ProjectBudgetLine,
    ProjectTarget,
)
from tutela.planning.selectors import fivew

Status = Project.Status

M2M_FIELDS = ("implementing_partners", "plan_objectives", "locations", "activities")
VALUE_FIELDS = ("plan", "code", "body", "title", "objectives", "start_date", "end_date")


def _check_operation_links(
    operation: Operation,
    *,
    body: Body | None = None,
    plan: Plan | None = None,
    implementing_partners: Sequence[Organisation] | None = None,
    plan_objectives: Sequence[Objective] | None = None,
    locations: Sequence[AdminArea] | None = None,
    activities: Sequence[Any] | None = None,
) -> None:
    if body is not None and body.operation_id != operation.pk:
        raise ValidationError({"body": _("Choose a cluster or AoR of this operation.")})
    if plan is not None and plan.operation_id != operation.pk:
        raise ValidationError({"plan": _("Choose a plan of this operation.")})
    if implementing_partners:
        members = set(operation.organisations.values_list("pk", flat=True))
        if any(o.pk not in members for o in implementing_partners):
            raise ValidationError(
                {"implementing_partners": _("Choose organisations of this operation.")}
            )
    if plan_objectives and plan is None:
        raise ValidationError({"plan_objectives": _("Choose the plan first.")})
    if plan_objectives and plan is not None and any(o.plan_id != plan.pk for o in plan_objectives):
        raise ValidationError({"plan_objectives": _("Choose objectives of the project's plan.")})
    if locations:
        countries = set(operation.countries.values_list("country_pcode", flat=True))
        if any(a.country_pcode not in countries for a in locations):
            raise ValidationError({"locations": _("Choose areas of the operation's countries.")})
    if activities:
        allowed = set(fivew.catalogue_activities(operation).values_list("pk", flat=True))
        if any(a.pk not in allowed for a in activities):
            raise ValidationError(
                {"activities": _("Choose activities of this operation's catalogue.")}
            )


def _clean_budget(lines: Sequence[dict[str, Any]]) -> list[ProjectBudgetLine]:
    clean = []
    for index, line in enumerate(lines, start=1):
        amount = line.get("amount_usd")
        if amount is None or Decimal(amount) < 0:
            raise ValidationError(
                {
                    "budget_lines": _("Budget line %(line)s: give an amount of 0 or more.")
                    % {"line": index}
                }
            )
        if line.get("category") not in BudgetCategory.values:
            raise ValidationError(
                {"budget_lines": _("Budget line %(line)s: choose a category.") % {"line": index}}
            )
        if Decimal(amount) > MAX_AMOUNT:
            raise ValidationError(
                {
                    "budget_lines": _(
                        "Budget line %(line)s: the amount cannot be more than %(max)s."
                    )
                    % {"line": index, "max": max_amount_text()}
                }
            )
        clean.append(
            ProjectBudgetLine(
                category=line["category"],
                description=(line.get("description") or "").strip()[:300],
                amount_usd=Decimal(amount),
                order=index,
            )
        )
    if sum((line.amount_usd for line in clean), Decimal("0")) > MAX_AMOUNT:
        raise ValidationError(
            {
                "budget_lines": _("The budget lines add up to more than %(max)s.")
                % {"max": max_amount_text()}
            }
        )
    return clean


def _clean_targets(operation: Operation, targets: Sequence[dict[str, Any]]) -> list[ProjectTarget]:
    seen: set[int] = set()
    clean = []
    for index, item in enumerate(targets, start=1):
        group: PopulationGroup = item["population_group"]
        if group.operation_id != operation.pk:
            raise ValidationError(
                {
                    "targets": _("Target %(line)s: choose a population group of this operation.")
                    % {"line": index}
                }
            )
        if group.pk in seen:
            raise ValidationError(
                {"targets": _("Target %(line)s repeats a population group.") % {"line": index}}
            )
        seen.add(group.pk)
        targeted = int(item.get("targeted") or 0)
        if not 0 <= targeted <= MAX_COUNT:
            raise ValidationError(
                {
                    "targets": _(
                        "Target %(line)s: the number of people must be between 0 and %(max)s."
                    )
                    % {"line": index, "max": max_count_text()}
                }
            )
        clean.append(ProjectTarget(population_group=group, targeted=targeted))
    return clean


def _next_code(operation: Operation, plan: Plan | None, body: Body) -> str:
    """A project code in the HPC style (plan code, cluster code, number) for a project that has
    none: HMLI26-PRO-0007."""
    prefix = (plan.code if plan and plan.code else operation.slug.upper()[:10]) or "P"
    stem = f"{prefix}-{body.code or 'PRO'}-"
    taken = set(
        Project.objects.filter(operation=operation, code__startswith=stem).values_list(
            "code", flat=True
        )
    )
    number = len(taken) + 1
    while f"{stem}{number:04d}" in taken:
        number += 1
    return f"{stem}{number:04d}"


def _save_lines(
    project: Project,
    budget_lines: Sequence[dict[str, Any]] | None,
    targets: Sequence[dict[str, Any]] | None,
) -> None:
    if budget_lines is not None:
        lines = _clean_budget(budget_lines)
        project.budget_lines.all().delete()
        for line in lines:
            line.project = project
        ProjectBudgetLine.objects.bulk_create(lines)
        project.requirements_usd = sum((line.amount_usd for line in lines), Decimal("0"))
        project.save(update_fields=["requirements_usd", "updated_at"])
    if targets is not None:
        clean = _clean_targets(project.operation, targets)
        project.targets.all().delete()
        for target in clean:
            target.project = project
        ProjectTarget.objects.bulk_create(clean)


def project_details(project: Project) -> dict[str, Any]:
    """The project's lines and links, for the audit log and its versions."""
    return {
        "implementing_partners": sorted(o.acronym for o in project.implementing_partners.all()),
        "plan_objectives": sorted(o.code for o in project.plan_objectives.all()),
        "locations": sorted(a.pcode for a in project.locations.all()),
        "activities": sorted(a.code for a in project.activities.all()),
        "budget_lines": [
            [line.category, line.description, str(line.amount_usd)]
            for line in project.budget_lines.all()
        ],
        "targets": sorted(
            [t.population_group.code, t.targeted]
            for t in project.targets.select_related("population_group")
        ),
    }


@transaction.atomic
def project_create(
    *,
    operation: Operation,
    by: User,
    organisation: Organisation,
    title: str,
    objectives: str,
    body: Body,
    start_date: datetime.date,
    end_date: datetime.date,
    plan: Plan | None = None,
    code: str = "",
    implementing_partners: Sequence[Organisation] = (),
    plan_objectives: Sequence[Objective] = (),
    locations: Sequence[AdminArea] = (),
    activities: Sequence[Any] = (),
    budget_lines: Sequence[dict[str, Any]] = (),
    targets: Sequence[dict[str, Any]] = (),
) -> Project:
    """A draft project sheet of `organisation` (the user's own, unless a manager writes it)."""
    if not access.can_create_project(by, operation):
        raise PermissionDenied
    if not core_access.is_manager(by, operation) and organisation.pk != by.organisation_id:
        raise PermissionDenied(_("You may only write your own organisation's projects."))
    if not operation.organisations.filter(pk=organisation.pk).exists():
        raise ValidationError(
            {"organisation": _("This organisation is not part of the operation.")}
        )
    _check_operation_links(
        operation,
        body=body,
        plan=plan,
        implementing_partners=implementing_partners,
        plan_objectives=plan_objectives,
        locations=locations,
        activities=activities,
    )
    code = (code or "").strip() or _next_code(operation, plan, body)
    if Project.objects.filter(operation=operation, code__iexact=code).exists():
        raise ValidationError({"code": _("Another project of the operation has this code.")})
    project = Project(
        operation=operation,
        organisation=organisation,
        plan=plan,
        code=code,
        body=body,
        title=(title or "").strip(),
        objectives=(objectives or "").strip(),
        start_date=start_date,
        end_date=end_date,
        created_by=by,
    )
    if start_date and end_date and end_date < start_date:
        raise ValidationError({"end_date": _("The end date is before the start date.")})
    project.full_clean()
    project.save()
    project.implementing_partners.set(implementing_partners)
    project.plan_objectives.set(plan_objectives)
    project.locations.set(locations)
    project.activities.set(activities)
    _save_lines(project, budget_lines, targets)
    audit_write(
        actor=by,
        action=AuditEntry.Action.CREATE,
        instance=project,
        operation=operation,
        after={**snapshot(project), **project_details(project)},
    )
    return project


@transaction.atomic
def project_update(
    *,
    project: Project,
    by: User,
    budget_lines: Sequence[dict[str, Any]] | None = None,
    targets: Sequence[dict[str, Any]] | None = None,
    **fields: Any,
) -> Project:
    """Change a draft or returned project (its organisation's members, or managers)."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    if not access.can_edit_project(by, project):
        if not project.is_editable:
            raise ValidationError(
                _("Only a draft or returned project can be changed."), code="status"
            )
        raise PermissionDenied
    operation = project.operation
    links = {name: fields[name] for name in M2M_FIELDS if name in fields}
    plan = fields.get("plan", project.plan)
    _check_operation_links(operation, body=fields.get("body"), plan=plan, **links)
    before = {**snapshot(project), **project_details(project)}
    for name in VALUE_FIELDS:
        if name in fields:
            value = fields[name]
            setattr(project, name, value.strip() if isinstance(value, str) else value)
    if not project.code:
        project.code = _next_code(operation, project.plan, project.body)
    if (
        Project.objects.filter(operation=operation, code__iexact=project.code)
        .exclude(pk=project.pk)
        .exists()
    ):
        raise ValidationError({"code": _("Another project of the operation has this code.")})
    if project.end_date < project.start_date:
        raise ValidationError({"end_date": _("The end date is before the start date.")})
    project.full_clean()
    project.save()
    for name, values in links.items():
        getattr(project, name).set(values)
    if "plan" in fields and not links.get("plan_objectives"):
        project.plan_objectives.set(
            [o for o in project.plan_objectives.all() if o.plan_id == project.plan_id]
        )
    _save_lines(project, budget_lines, targets)
    after = {**snapshot(project), **project_details(project)}
    audit_write(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        instance=project,
        operation=operation,
        before=before,
        after=after,
    )
    return project
