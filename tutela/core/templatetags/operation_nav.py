"""`{% operation_nav operation as nav %}`: what the operation menu shows to the current user.

The menu is included by base.html on every page of an operation, whichever app renders it, so it
works out the user's rights and the active section itself instead of relying on each view.
"""

from __future__ import annotations

from typing import Any

from django import template

from tutela.core import access
from tutela.core.models import Operation

register = template.Library()

# URL name prefixes -> menu section (the first match wins).
_SECTIONS = (
    ("operation_home", "home"),
    ("operation_settings", "settings"),
    ("organisation", "organisations"),
    ("structure", "structure"),
    ("body_", "structure"),
    ("membership_", "structure"),
    ("contact", "contacts"),
    ("map", "map"),
    ("areas_", "map"),
    ("user", "users"),
    ("invitation", "users"),
    ("audit", "audit"),
)

_MODULES = {
    "activities": "5w",
    "monitoring": "monitoring",
    "coordination": "coordination",
    "capacity": "capacity",
}


def section_for(url_name: str) -> str:
    for prefix, section in _SECTIONS:
        if url_name.startswith(prefix):
            return section
    return ""


@register.simple_tag(takes_context=True)
def operation_nav(context: Any, operation: Operation) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    match = getattr(request, "resolver_match", None)
    # Every page of a module (5W, monitoring, coordination) lights the module's entry.
    namespace = getattr(match, "namespace", "")
    active = (
        context.get("nav_active")
        or _MODULES.get(namespace)
        or section_for(getattr(match, "url_name", "") or "")
    )
    if user is None or not isinstance(operation, Operation):
        return {"manager": False, "contacts": False, "active": active}
    return {
        "manager": access.is_manager(user, operation),
        "contacts": access.can_see_contacts(user, operation),
        "active": active,
    }
