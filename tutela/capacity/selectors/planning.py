"""Reads of the needs assessments and capacity-building plans.

Progress of a plan item: the held sessions of the plan's year that match it (its course, or
any course of its topic; in its area or below; of the plan's body when the plan has one), and the
people trained in them (present at least one day; counted once), of whom women.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import QuerySet

from tutela.capacity.models import (
    CapacityPlan,
    CapacityPlanItem,
    Course,
    NeedsAssessment,
    NeedsResponse,
    Participant,
    TrainingSession,
)
from tutela.capacity.selectors.indicators import held_sessions, trained_participant_ids
from tutela.core.models import AdminArea, Operation


@dataclass
class TopicNeed:
    topic: str
    label: str
    high: int
    medium: int
    low: int

    @property
    def score(self) -> int:
        """A ranking weight: high counts 3, medium 2, low 1."""
        return 3 * self.high + 2 * self.medium + self.low


@dataclass
class NeedsSummary:
    assessment: NeedsAssessment
    answered: int
    expected: int
    staff_to_train: int
    topics: list[TopicNeed]


def needs_assessments(operation: Operation) -> QuerySet[NeedsAssessment]:
    return NeedsAssessment.objects.filter(operation=operation).order_by("-year", "-id")


def needs_summary(assessment: NeedsAssessment) -> NeedsSummary:
    responses = list(NeedsResponse.objects.filter(assessment=assessment))
    counts: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for response in responses:
        for topic, priority in response.priorities.items():
            counts[topic][int(priority)] += 1
    labels = dict(Course.Topic.choices)
    topics = [
        TopicNeed(
            topic=topic,
            label=str(labels.get(topic, topic)),
            high=counts[topic][3],
            medium=counts[topic][2],
            low=counts[topic][1],
        )
        for topic in counts
    ]
    topics.sort(key=lambda t: (-t.score, t.label))
    return NeedsSummary(
        assessment=assessment,
        answered=len(responses),
        expected=assessment.operation.organisations.count(),
        staff_to_train=sum(r.staff_to_train for r in responses),
        topics=topics,
    )


def needs_responses(assessment: NeedsAssessment) -> list[NeedsResponse]:
    return list(
        NeedsResponse.objects.filter(assessment=assessment)
        .select_related("organisation")
        .order_by("organisation__acronym")
    )


# --- Plans --------------------------------------------------------------------------------------


@dataclass
class ItemProgress:
    item: CapacityPlanItem
    sessions: int
    people: int
    women: int

    @staticmethod
    def _share(done: int, target: int) -> int | None:
        return min(100, round(100 * done / target)) if target else None

    @property
    def sessions_percent(self) -> int | None:
        return self._share(self.sessions, self.item.target_sessions)

    @property
    def people_percent(self) -> int | None:
        return self._share(self.people, self.item.target_people)


def plans(operation: Operation) -> QuerySet[CapacityPlan]:
    return CapacityPlan.objects.filter(operation=operation).select_related("body")


def _descendants(area: AdminArea) -> set[int]:
    found = {area.pk}
    frontier = {area.pk}
    while frontier:
        frontier = (
            set(AdminArea.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
            - found
        )
        found |= frontier
    return found


def _matching(item: CapacityPlanItem, sessions: list[TrainingSession]) -> list[TrainingSession]:
    within = _descendants(item.area) if item.area_id and item.area else None
    chosen = []
    for session in sessions:
        if item.course_id and session.course_id != item.course_id:
            continue
        if not item.course_id and session.course.topic != item.topic:
            continue
        if within is not None and session.area_id not in within:
            continue
        chosen.append(session)
    return chosen


def plan_progress(plan: CapacityPlan) -> list[ItemProgress]:
    year = plan.year
    sessions = list(
        held_sessions(
            plan.operation,
            since=datetime.date(year, 1, 1),
            until=datetime.date(year, 12, 31),
            body=plan.body,
        ).select_related("course")
    )
    items = list(
        plan.items.select_related("course", "area", "lead_organisation").order_by("quarter", "id")
    )
    progress = []
    for item in items:
        matched = _matching(item, sessions)
        ids = (
            trained_participant_ids(TrainingSession.objects.filter(pk__in=[s.pk for s in matched]))
            if matched
            else set()
        )
        women = Participant.objects.filter(pk__in=ids, sex=Participant.Sex.FEMALE).count()
        progress.append(
            ItemProgress(item=item, sessions=len(matched), people=len(ids), women=women)
        )
    return progress
