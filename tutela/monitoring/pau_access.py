"""Who may see and edit Protection Analysis Updates.

- Managers (coordinator, IMO) and the designated cluster analysts (MonitoringSettings.analysts)
  create and edit PAUs, and see them at every status.
- The approver a PAU was submitted to sees it (and clears it).
- Everyone else with a role in the operation sees published PAUs only.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from tutela.core import access
from tutela.core.models import Operation
from tutela.monitoring.models import AnalysisUpdate, MonitoringSettings


def is_designated_analyst(user: Any, operation: Operation) -> bool:
    if not access.roles_in(user, operation):
        return False
    return MonitoringSettings.objects.filter(operation=operation, analysts=user.pk).exists()


def can_edit_pau(user: Any, operation: Operation) -> bool:
    return access.is_manager(user, operation) or is_designated_analyst(user, operation)


def require_pau_editor(user: Any, operation: Operation) -> None:
    if not can_edit_pau(user, operation):
        raise PermissionDenied


def can_see_draft(user: Any, update: AnalysisUpdate) -> bool:
    operation = update.operation
    if not access.roles_in(user, operation):
        return False
    return can_edit_pau(user, operation) or (
        update.approver_id is not None and update.approver_id == user.pk
    )


def paus_for_user(user: Any, operation: Operation) -> QuerySet[AnalysisUpdate]:
    if not access.roles_in(user, operation):
        return AnalysisUpdate.objects.none()
    updates = AnalysisUpdate.objects.filter(operation=operation)
    if can_edit_pau(user, operation):
        return updates
    return updates.filter(Q(status=AnalysisUpdate.Status.PUBLISHED) | Q(approver=user.pk))


def pau_get_for_user(user: Any, operation: Operation, pk: int) -> AnalysisUpdate:
    """The PAU if the user may see it; 404 otherwise (a draft's existence is not disclosed)."""
    update = (
        paus_for_user(user, operation)
        .select_related("scope", "approver", "cleared_by")
        .filter(pk=pk)
        .first()
    )
    if update is None:
        raise Http404
    return update


def approver_candidates(operation: Operation) -> list[Any]:
    """Users a PAU can be submitted to: the operation's coordinators and IMOs."""
    from tutela.core.models import User
    from tutela.core.models.roles import MANAGER_ROLES

    return list(
        User.objects.filter(
            is_active=True,
            operation_roles__operation=operation,
            operation_roles__role__in=list(MANAGER_ROLES),
        )
        .distinct()
        .order_by("full_name", "email")
    )
