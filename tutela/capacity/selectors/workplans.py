"""Reading work plans: the list, one plan with its objectives, activities, reviews and links,
and its timeline by month (a light, server-rendered Gantt)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet

from tutela.capacity.models import TrainingSession, WorkActivity, WorkObjective, WorkPlan
from tutela.capacity.selectors import coordination_link
from tutela.core.models import Operation


def workplans(operation: Operation) -> QuerySet[WorkPlan]:
    return WorkPlan.objects.filter(operation=operation).select_related("body")


@dataclass
class ActivityLine:
    activity: WorkActivity
    # One flag per month of the plan's year: the activity runs that month.
    months: list[bool]
    action_points: list[coordination_link.ActionPointState]
    sessions: list[TrainingSession]
    reviews: list[object] = field(default_factory=list)


@dataclass
class ObjectiveBlock:
    objective: WorkObjective
    lines: list[ActivityLine]


@dataclass
class PlanView:
    plan: WorkPlan
    months: list[datetime.date]
    objectives: list[ObjectiveBlock]

    @property
    def progress(self) -> int | None:
        """The mean progress of the activities not cancelled."""
        values = [
            line.activity.progress
            for block in self.objectives
            for line in block.lines
            if line.activity.status != WorkActivity.Status.CANCELLED
        ]
        return round(sum(values) / len(values)) if values else None


def _months_running(activity: WorkActivity, year: int) -> list[bool]:
    flags = []
    for month in range(1, 13):
        first = datetime.date(year, month, 1)
        last = (
            datetime.date(year + 1, 1, 1) if month == 12 else datetime.date(year, month + 1, 1)
        ) - datetime.timedelta(days=1)
        flags.append(activity.starts_on <= last and activity.ends_on >= first)
    return flags


def plan_view(plan: WorkPlan) -> PlanView:
    """The plan with everything its page shows, in a fixed number of queries."""
    objectives = list(
        WorkObjective.objects.filter(plan=plan).prefetch_related(
            Prefetch(
                "activities",
                queryset=WorkActivity.objects.select_related("lead_organisation").prefetch_related(
                    Prefetch(
                        "sessions",
                        queryset=TrainingSession.objects.select_related("course").order_by(
                            "starts_on"
                        ),
                    ),
                    "reviews",
                ),
            )
        )
    )
    point_ids = [pk for o in objectives for a in o.activities.all() for pk in a.action_point_ids]
    states = coordination_link.action_points_state(plan.operation, point_ids)
    blocks = [
        ObjectiveBlock(
            objective=objective,
            lines=[
                ActivityLine(
                    activity=activity,
                    months=_months_running(activity, plan.year),
                    action_points=[states[pk] for pk in activity.action_point_ids if pk in states],
                    sessions=list(activity.sessions.all()),
                    reviews=list(activity.reviews.all()),
                )
                for activity in objective.activities.all()
            ],
        )
        for objective in objectives
    ]
    return PlanView(
        plan=plan,
        months=[datetime.date(plan.year, m, 1) for m in range(1, 13)],
        objectives=blocks,
    )
