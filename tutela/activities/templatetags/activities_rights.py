"""`{% load activities_rights %}{% may_report_5w operation as may_report %}`: whether the current
user may upload 5W files and download the template (any role but viewer), so that links are shown
only to those who may follow them."""

from __future__ import annotations

from typing import Any

from django import template

from tutela.activities.access import can_enter_rows
from tutela.core.models import Operation

register = template.Library()


@register.simple_tag(takes_context=True)
def may_report_5w(context: Any, operation: Operation) -> bool:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not isinstance(operation, Operation):
        return False
    return can_enter_rows(user, operation)
