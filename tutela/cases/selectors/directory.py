"""Reading the service directory."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from tutela.cases import access
from tutela.cases.models import Service
from tutela.core.models import Operation, Organisation, User


def directory_list(
    user: User,
    operation: Operation,
    *,
    service_type: Any = None,
    organisation: Organisation | None = None,
    area: str = "",
) -> QuerySet[Service]:
    """Services the user may see, by type then organisation; `area` (a P-code) keeps the
    services covering that area, one of its ancestors or one of its descendants."""
    services = access.directory_for_user(user, operation).filter(is_active=True)
    if service_type is not None:
        services = services.filter(service_type=service_type)
    if organisation is not None:
        services = services.filter(organisation=organisation)
    code = (area or "").strip().upper()
    if code:
        prefixes = {code[:n] for n in range(2, len(code) + 1)}
        services = services.filter(areas__pcode__in=prefixes) | services.filter(
            areas__pcode__startswith=code
        )
        services = services.distinct()
    return (
        services.select_related("organisation", "service_type", "focal_point")
        .prefetch_related("areas", "population_groups")
        .order_by("service_type__order", "organisation__acronym", "name")
    )
