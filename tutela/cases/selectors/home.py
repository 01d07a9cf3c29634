"""The case-management part of a user's home page (tutela.core.selectors.work), for case staff
only: their open cases (a supervisor's: the team's), referrals waiting for their answer, and
follow-ups and other case tasks due, and the referrals received from another Tutela that are past
their deadline.

Counts only, by kind of task: no case code or name appears on the home page (it is the page most
often left open on a shared screen); the links lead to the case list and the tasks page, which
apply the same rules (`cases_for_user`, `tasks_for_user`)."""

from __future__ import annotations

import datetime
from collections import Counter

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tutela.cases import access
from tutela.cases.models import Case
from tutela.cases.selectors.inbound import inbound_referrals_late_for_user
from tutela.cases.selectors.tasks import SOON_DAYS, Task, tasks_for_user
from tutela.core.models import Operation, User
from tutela.core.selectors.work import WorkItem, WorkPanel


def _open_cases(user: User, operation: Operation) -> WorkPanel:
    cases = access.cases_for_user(user, operation).exclude(stage=Case.Stage.CLOSED)
    supervisor = access.is_supervisor(user, operation)
    return WorkPanel(
        key="cases-open",
        title=_("Your team's open cases") if supervisor else _("Your open cases"),
        url=reverse("cases:list", kwargs={"slug": operation.slug}),
        count=cases.count(),
        empty=_("No open case is assigned to you. Register a case from the case list."),
        order=12,
    )


def _task_lines(tasks: list[Task], url: str, today: datetime.date) -> list[WorkItem]:
    """One line per kind of task with how many there are (and how many are overdue)."""
    counts = Counter(task.kind for task in tasks)
    overdue = Counter(task.kind for task in tasks if task.due < today)
    items = []
    for kind, n in sorted(counts.items()):
        items.append(
            WorkItem(
                label=_("%(what)s: %(n)s") % {"what": _kind_label(kind), "n": n},
                url=url,
                detail=ngettext("%(n)s overdue", "%(n)s overdue", overdue[kind])
                % {"n": overdue[kind]}
                if overdue[kind]
                else "",
                overdue=bool(overdue[kind]),
            )
        )
    return items


def _kind_label(kind: str) -> str:
    return {
        "follow_up": _("Follow-ups"),
        "intervention": _("Interventions of case plans"),
        "plan_review": _("Case plan reviews"),
        "approval": _("Approvals to give"),
        "referral": _("Referrals to answer"),
    }.get(kind, kind)


def cases_home_panels(*, user: User, operation: Operation) -> list[WorkPanel]:
    if not access.is_case_staff(user, operation):
        return []
    today = timezone.localdate()
    url = reverse("cases:tasks", kwargs={"slug": operation.slug})
    tasks = tasks_for_user(user, operation)
    referrals = [task for task in tasks if task.kind == "referral"]
    due = [
        task
        for task in tasks
        if task.kind != "referral" and task.due <= today + datetime.timedelta(days=SOON_DAYS)
    ]
    late_inbound = inbound_referrals_late_for_user(user, operation)
    referral_items = (
        [
            WorkItem(
                label=_("%(what)s: %(n)s") % {"what": _kind_label("referral"), "n": len(referrals)},
                url=url,
                detail=_("%(n)s past the response date")
                % {"n": sum(1 for t in referrals if t.due < today)}
                if any(t.due < today for t in referrals)
                else "",
                overdue=any(t.due < today for t in referrals),
            )
        ]
        if referrals
        else []
    )
    if late_inbound:
        # Counts and delays only: no code on the home page.
        referral_items.append(
            WorkItem(
                label=_("Received from other Tutela instances, past their deadline: %(n)s")
                % {"n": len(late_inbound)},
                url=reverse("cases:inbound_list", kwargs={"slug": operation.slug}),
                detail=_("the oldest %(late)s") % {"late": late_inbound[0].late_label},
                overdue=True,
            )
        )
    return [
        _open_cases(user, operation),
        WorkPanel(
            key="cases-referrals",
            title=_("Referrals awaiting your response"),
            url=url,
            count=len(referrals) + len(late_inbound),
            items=referral_items,
            overdue_count=sum(1 for task in referrals if task.due < today) + len(late_inbound),
            empty=_("No referral is waiting for your answer."),
            order=11,
        ),
        WorkPanel(
            key="cases-tasks",
            title=_("Follow-ups and case tasks due"),
            url=url,
            count=len(due),
            items=_task_lines(due, url, today),
            overdue_count=sum(1 for task in due if task.due < today),
            summary=_("Due within %(days)s days or overdue.") % {"days": SOON_DAYS},
            empty=_("Nothing is due in the next %(days)s days.") % {"days": SOON_DAYS},
            order=11,
        ),
    ]
