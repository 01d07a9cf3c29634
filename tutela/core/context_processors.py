from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def tutela(request: HttpRequest) -> dict[str, Any]:
    from tutela.core.access import operations_for_user

    user = getattr(request, "user", None)
    operations = []
    if user is not None and user.is_authenticated:
        operations = list(operations_for_user(user).only("slug", "name"))
    return {
        "TUTELA_DEBUG": settings.DEBUG,
        "user_operations": operations,
    }
