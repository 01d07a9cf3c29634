"""The one module through which the capacity app writes to the coordination workspace: the
CCPM action plan and the work plan turn their items into action points there. Their status and
page are read in selectors/coordination_link.py.

Everything else in this app imports tutela.core only. Keeping the dependency in these two
modules means it can later be inverted (coordination registering these functions in
tutela.core.extensions) by changing them alone.
"""

from __future__ import annotations

import datetime

from tutela.coordination.models import ActionPoint
from tutela.coordination.services.actions import action_point_create
from tutela.core.models import Body, Operation, Organisation, User


def action_point_open(
    *,
    operation: Operation,
    by: User,
    title: str,
    description: str = "",
    owner_organisation: Organisation | None = None,
    due_date: datetime.date | None = None,
    body: Body | None = None,
) -> int:
    """Create an action point (through coordination's own service, so its rules, history and
    audit apply) and return its id."""

    point = action_point_create(
        operation=operation,
        by=by,
        title=title,
        description=description,
        owner_organisation=owner_organisation,
        due_date=due_date,
        body=body,
        source_kind=ActionPoint.SourceKind.OTHER,
    )
    return int(point.pk)
