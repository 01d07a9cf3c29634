"""Reads of project sheets."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from tutela.core.models import Operation
from tutela.planning import access
from tutela.planning.models import Project


def status_counts(user: Any, operation: Operation) -> dict[str, int]:
    return dict(
        access.project_queryset(user, operation)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )


def project_list(user: Any, operation: Operation, filters: dict[str, Any]) -> QuerySet[Project]:
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
