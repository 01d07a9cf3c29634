"""A caseworker's and a supervisor's tasks, computed from due dates (nothing to keep in step):
follow-ups and interventions due, case plans to review, referrals to answer, approvals to give,
cash instalments to pay. The tasks page shows them; the daily reminder e-mails those due soon
(tutela.cases.services.reminders, scheduled as cases.task_reminders)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tutela.cases import access
from tutela.cases.models import (
    Approval,
    Case,
    CasePlan,
    CashAssistance,
    CashInstalment,
    FollowUp,
    Intervention,
    Referral,
)
from tutela.core.models import Operation, User

# Tasks due within this many days count as "due soon" (and are in the reminder e-mail).
SOON_DAYS = 2


@dataclass(frozen=True)
class Task:
    kind: str
    label: Any
    due: datetime.date
    case_id: int
    case_code: str
    referral_id: int | None = None
    cash_id: int | None = None

    @property
    def overdue(self) -> bool:
        return self.due < timezone.localdate()


def tasks_for_user(
    user: User, operation: Operation, *, until: datetime.date | None = None
) -> list[Task]:
    """Open tasks of the user (due by `until` when given), earliest first."""
    if not access.is_case_staff(user, operation):
        return []
    cases = access.cases_for_user(user, operation).exclude(stage=Case.Stage.CLOSED)
    own = cases.filter(owner_id=user.pk).values("pk")
    tasks: list[Task] = []
    follow_ups = FollowUp.objects.filter(case__in=own, done_on__isnull=True).select_related("case")
    interventions = Intervention.objects.filter(
        plan__case__in=cases.values("pk"),
        status__in=[Intervention.Status.PLANNED, Intervention.Status.IN_PROGRESS],
        due_on__isnull=False,
    ).filter(Q(responsible_id=user.pk) | Q(responsible__isnull=True, plan__case__owner_id=user.pk))
    reviews = CasePlan.objects.filter(
        case__in=own, status="approved", review_on__isnull=False
    ).select_related("case")
    if until is not None:
        follow_ups = follow_ups.filter(due_on__lte=until)
        interventions = interventions.filter(due_on__lte=until)
        reviews = reviews.filter(review_on__lte=until)
    for follow_up in follow_ups:
        tasks.append(
            Task(
                "follow_up",
                follow_up.get_kind_display(),
                follow_up.due_on,
                follow_up.case_id,
                follow_up.case.code,
            )
        )
    for intervention in interventions.select_related("plan__case"):
        assert intervention.due_on is not None
        tasks.append(
            Task(
                "intervention",
                _("Intervention of the case plan"),
                intervention.due_on,
                intervention.plan.case_id,
                intervention.plan.case.code,
            )
        )
    for plan in reviews:
        assert plan.review_on is not None
        # Only the latest approved plan of a case is reviewed.
        tasks.append(
            Task(
                "plan_review",
                _("Review the case plan"),
                plan.review_on,
                plan.case_id,
                plan.case.code,
            )
        )
    # Instalments of approved cash records of the user's own cases, not paid yet (a failed payment
    # is still to pay).
    instalments = CashInstalment.objects.filter(
        assistance__case__in=own,
        assistance__status=CashAssistance.Status.APPROVED,
        status__in=[
            CashInstalment.Status.PLANNED,
            CashInstalment.Status.APPROVED,
            CashInstalment.Status.FAILED,
        ],
    ).select_related("assistance__case")
    if until is not None:
        instalments = instalments.filter(due_on__lte=until)
    for instalment in instalments:
        tasks.append(
            Task(
                "cash_instalment",
                _("Cash instalment %(number)d (%(code)s) to pay")
                % {"number": instalment.number, "code": instalment.assistance.code},
                instalment.due_on,
                instalment.assistance.case_id,
                instalment.assistance.case.code,
                cash_id=instalment.assistance_id,
            )
        )
    received = access.referrals_received_for_user(user, operation).filter(
        status=Referral.Status.SENT
    )
    if not access.is_supervisor(user, operation):
        received = received.filter(Q(to_user_id=user.pk) | Q(service__focal_point_id=user.pk))
    for referral in received.select_related("case"):
        due = referral.respond_by.date()
        if until is None or due <= until:
            tasks.append(
                Task(
                    "referral",
                    _("Answer the referral"),
                    due,
                    referral.case_id,
                    referral.code,
                    referral_id=referral.pk,
                )
            )
    if access.is_supervisor(user, operation):
        for approval in (
            Approval.objects.filter(case__in=cases.values("pk"), status=Approval.Status.PENDING)
            .exclude(requested_by_id=user.pk)
            .select_related("case")
        ):
            day = approval.requested_at.date()
            tasks.append(
                Task(
                    "approval",
                    approval.get_kind_display(),
                    day,
                    approval.case_id,
                    approval.case.code,
                )
            )
    return sorted(tasks, key=lambda task: (task.due, task.case_code, task.kind))


def tasks_due_soon(user: User, operation: Operation) -> list[Task]:
    return tasks_for_user(
        user, operation, until=timezone.localdate() + datetime.timedelta(days=SOON_DAYS)
    )
