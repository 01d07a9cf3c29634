"""The 5W rows tied to a project, and what was reported against it."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from tutela.activities import selectors as fivew
from tutela.activities.models import Activity
from tutela.activities.selectors import disclosure
from tutela.activities.selectors.aggregates import aggregate, rule_text, sum_groups
from tutela.activities.selectors.visibility import activity_settings
from tutela.core.models import Operation, User


def project_rows(user: User, operation: Operation, *, project_id: int, code: str) -> Q:
    """The filter of the 5W rows reported against a project: tied to it, or carrying its code
    from before the project was registered."""
    del user, operation
    return Q(project_id=project_id) | Q(project_id__isnull=True, project_code__iexact=code)


def project_reached(
    *, user: User, operation: Operation, project_id: int, code: str, organisation_ids: set[int]
) -> dict[str, Any]:
    """What was reported against a project in the 5W, as the user may see it: people reached by
    activity (by the counting rule) and by month, and the rows the user may list.

    The project is not a dimension of the 5W's disclosure blocks, so rows the user may not see
    one by one (sensitive activities of other organisations) are not counted here at all
    (`left_out`, stated whether or not the project has any, so that the note says nothing about
    them): counted, they could be differenced against the 5W pivot or the framework. The
    cluster-wide roles see every row, and an organisation its own."""
    link = project_rows(user, operation, project_id=project_id, code=code)
    rows = (
        fivew.visible_rows(user, operation)
        .filter(organisation_id__in=sorted(organisation_ids))
        .filter(link)
    )
    hidden = disclosure.hidden_rows_q(user, operation)
    left_out = hidden is not None
    if hidden is not None:
        rows = rows.exclude(hidden)
    settings = activity_settings(operation)
    rule = settings.cumulative_rule
    by_activity = aggregate(rows, dims={"a": "activity_id"}, rule=rule, measures=["total"])
    by_month = sum_groups(rows, dims={"m": "month"}, measures=["total"])
    overall = aggregate(rows, dims={}, rule=rule, measures=["total"])
    activity_values: dict[Any, int | None] = {g["a"]: g["total"] for g in by_activity}
    month_values: dict[Any, int | None] = {g["m"]: g["total"] for g in by_month}
    total: int | None = overall[0]["total"] if overall else 0
    listable = (
        fivew.listable_rows(user, operation)
        .filter(organisation_id__in=sorted(organisation_ids))
        .filter(link)
        .select_related("activity", "area", "population_group", "organisation")
        .order_by("-month", "activity__code", "area__pcode")
    )
    return {
        "by_activity": [
            (activity, activity_values.get(activity.pk))
            for activity in Activity.objects.filter(pk__in=list(activity_values)).order_by("code")
        ],
        "by_month": sorted(month_values.items()),
        "total": total,
        "rule_text": rule_text(rule, by_month=False),
        "month_rule_text": rule_text(rule, by_month=True),
        "left_out": left_out,
        "rows": listable,
    }
