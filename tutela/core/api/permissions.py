"""DRF permission classes, each a thin wrapper over tutela.core.access.

They run after authentication (an anonymous caller gets 401 first) and call the view's
`get_operation()`, which raises 404 for anyone without a role in the operation, so that an
outsider learns nothing (404) before a member is refused an action (403).
"""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from tutela.core import access
from tutela.core.models import User


class IsManager(BasePermission):
    """Coordinators and information management officers of the operation."""

    def has_permission(self, request: Request, view: Any) -> bool:
        access.require_manager(request.user, view.get_operation())
        return True


class IsManagerForWrites(BasePermission):
    """Every member reads; only managers write."""

    def has_permission(self, request: Request, view: Any) -> bool:
        operation = view.get_operation()
        if request.method not in SAFE_METHODS:
            access.require_manager(request.user, operation)
        return True


class CanSeeContacts(BasePermission):
    """The contact directory is for the operation's members, not for pure viewers."""

    def has_permission(self, request: Request, view: Any) -> bool:
        operation = view.get_operation()
        if not access.can_see_contacts(cast(User, request.user), operation):
            raise PermissionDenied
        return True
