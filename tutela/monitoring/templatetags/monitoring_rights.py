"""`{% load monitoring_rights %}{% may_import_monitoring operation as may_import %}`: whether the
current user may import monitoring files (members of an organisation that records, and managers),
so that the import link is shown only to those who may follow it."""

from __future__ import annotations

from typing import Any

from django import template

from tutela.core.models import Operation
from tutela.monitoring.access import can_import

register = template.Library()


@register.simple_tag(takes_context=True)
def may_import_monitoring(context: Any, operation: Operation) -> bool:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not isinstance(operation, Operation):
        return False
    return can_import(user, operation)
