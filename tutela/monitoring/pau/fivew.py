"""The PAU's capacities section: partners present per area, read from the 5W.

This is monitoring's one arrow to a sibling domain (`tutela.activities.selectors.presence`), kept
in this module so that the import-graph contract can name it: everything else monitoring needs
from the 5W's concepts comes from core's kernel.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tutela.activities.selectors import presence
from tutela.core.models import AdminArea, Operation, User

if TYPE_CHECKING:
    from tutela.monitoring.pau.figures import Period


def capacities_from_fivew(
    operation: Operation, period: Period, scope: AdminArea | None, user: User | None
) -> dict[str, Any]:
    """Partners present per area from the 5W (counts only: names can be sensitive). Without a
    user (the command line), every 5W row of the operation is read, as a server administrator
    would."""
    if user is None:
        user = User(email="system@tutela.invalid", is_superuser=True, is_active=True)
    try:
        result = presence(
            user=user,
            operation=operation,
            level=2 if scope is not None else 1,
            month_from=period.start,
            month_to=period.end,
        )
    except Exception:  # noqa: BLE001 - the 5W is optional for a PAU; no capacity table then.
        return {"available": False, "areas": []}
    areas = [
        {"pcode": a.pcode, "name": a.name, "partners": a.partners}
        for a in result.areas
        if scope is None or a.parent_pcode == scope.pcode
    ]
    return {"available": any(a["partners"] for a in areas), "areas": areas}
