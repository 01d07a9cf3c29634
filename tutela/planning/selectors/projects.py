"""Reads of project sheets."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from tutela.core.models import Operation, User
from tutela.planning import access
from tutela.planning.models import Project
from tutela.planning.selectors import fivew


def status_counts(user: User, operation: Operation) -> dict[str, int]:
    return dict(
        access.project_queryset(user, operation)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )


def project_list(user: User, operation: Operation, filters: dict[str, Any]) -> QuerySet[Project]:
    projects = access.project_queryset(user, operation).select_related(
        "organisation", "body", "plan"
    )
    if filters.get("status"):
        projects = projects.filter(status=filters["status"])
    if filters.get("organisation"):
        projects = projects.filter(organisation=filters["organisation"])
    if filters.get("plan"):
        projects = projects.filter(plan=filters["plan"])
    if filters.get("q"):
        projects = projects.filter(title__icontains=filters["q"]) | projects.filter(
            code__icontains=filters["q"]
        )
    return projects.order_by("code")


def project_events(project: Project) -> QuerySet[Any]:
    return project.events.select_related("author").order_by("created_at", "id")


def project_lines(project: Project) -> dict[str, Any]:
    return {
        "budget_lines": list(project.budget_lines.all()),
        "targets": list(project.targets.select_related("population_group")),
        "locations": list(project.locations.order_by("pcode")),
        "activities": list(project.activities.order_by("code")),
        "implementing_partners": list(project.implementing_partners.order_by("acronym")),
        "plan_objectives": list(project.plan_objectives.order_by("code")),
    }


def project_reported(user: User, project: Project) -> dict[str, Any]:
    """What the 5W holds against the project, as the user may see it."""
    organisations = {project.organisation_id} | set(
        project.implementing_partners.values_list("pk", flat=True)
    )
    return fivew.project_reached(
        user=user,
        operation=project.operation,
        project_id=project.pk,
        code=project.code,
        organisation_ids=organisations,
    )
