"""The 5W part of a user's home page (tutela.core.selectors.work): the open round and what the
user's organisation still has to do in it (report, correct what was returned), and for the
operation's managers the reports waiting for their review.

The same rules as the reporting pages: an organisation's submissions are seen by its own people and
by cluster-wide roles (`can_view_organisation`), reviews are done by managers, viewers report
nothing."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tutela.activities import access as activities_access
from tutela.activities.models import ReportingRound, Submission
from tutela.core import access
from tutela.core.models import Operation, Organisation, User
from tutela.core.models.roles import Role
from tutela.core.selectors.work import ITEMS_SHOWN, WorkItem, WorkPanel

DONE = (Submission.Status.SUBMITTED, Submission.Status.VALIDATED)


def _month(round: ReportingRound) -> str:
    return formats.date_format(round.month, "YEAR_MONTH_FORMAT")


def _key(round: ReportingRound) -> str:
    return round.month.strftime("%Y-%m")


# Roles whose home shows their organisation's 5W (caseworkers and supervisors may enter rows too,
# but their home is their cases; viewers report nothing).
REPORTING_HOME_ROLES = frozenset({Role.PARTNER, Role.FOCAL_POINT, Role.COORDINATOR, Role.IMO})


def _own_organisation(user: User, operation: Operation) -> Organisation | None:
    """The user's organisation if the user reports for it in this operation."""
    if not user.organisation_id or not (
        activities_access.reporting_roles(user, operation) & REPORTING_HOME_ROLES
    ):
        return None
    return operation.organisations.filter(pk=user.organisation_id).first()


def _round_summary(rounds: list[ReportingRound]) -> str:
    if not rounds:
        return ""
    first = rounds[0]
    return _("Round %(month)s open, deadline %(deadline)s.") % {
        "month": _month(first),
        "deadline": formats.date_format(first.deadline, "DATE_FORMAT"),
    }


def _organisation_panel(
    operation: Operation,
    organisation: Organisation,
    rounds: list[ReportingRound],
    today: datetime.date,
) -> WorkPanel:
    """What the organisation has to do in the open rounds: report, or correct a returned report
    (with the reviewer's comment)."""
    slug = operation.slug
    submissions = {
        s.round_id: s
        for s in Submission.objects.filter(round__in=rounds, organisation=organisation)
    }
    items: list[WorkItem] = []
    for round in rounds:
        submission = submissions.get(round.pk)
        month = _key(round)
        if submission is not None and submission.status == Submission.Status.RETURNED:
            items.append(
                WorkItem(
                    label=_("5W report of %(month)s returned for correction")
                    % {"month": _month(round)},
                    url=reverse(
                        "activities:submission_detail",
                        kwargs={"slug": slug, "month": month, "acronym": organisation.acronym},
                    ),
                    detail=_("Correct it and submit it again by %(deadline)s.")
                    % {"deadline": formats.date_format(round.deadline, "DATE_FORMAT")},
                    quote=submission.comment,
                    overdue=round.deadline < today,
                )
            )
        elif submission is None or submission.status not in DONE:
            items.append(
                WorkItem(
                    label=_("5W report of %(month)s to submit") % {"month": _month(round)},
                    url=reverse("activities:rows_grid", kwargs={"slug": slug, "month": month}),
                    detail=_("Due %(deadline)s.")
                    % {"deadline": formats.date_format(round.deadline, "DATE_FORMAT")},
                    overdue=round.deadline < today,
                )
            )
    if rounds:
        empty = _("%(organisation)s has submitted its 5W reports for the open rounds.") % {
            "organisation": organisation.acronym
        }
    else:
        empty = _(
            "No 5W round is open. You can report when the information management officer opens "
            "the next one."
        )
    return WorkPanel(
        key="5w-report",
        title=_("Your organisation's 5W reports"),
        url=reverse("activities:reporting_home", kwargs={"slug": slug}),
        count=len(items),
        items=items[:ITEMS_SHOWN],
        empty=empty,
        order=10,
        summary=_round_summary(rounds),
    )


def _review_panel(operation: Operation, rounds: list[ReportingRound]) -> WorkPanel:
    """Managers: reports waiting for review (in any round still open to changes), and how many
    organisations have not submitted in the open rounds."""
    slug = operation.slug
    waiting = (
        Submission.objects.filter(
            round__operation=operation, status__in=(Submission.Status.SUBMITTED,)
        )
        .exclude(round__status=ReportingRound.Status.LOCKED)
        .select_related("round", "organisation")
        .order_by("submitted_at", "pk")
    )
    count = waiting.count()
    items = [
        WorkItem(
            label=_("%(organisation)s, 5W of %(month)s")
            % {"organisation": s.organisation.acronym, "month": _month(s.round)},
            url=reverse(
                "activities:submission_detail",
                kwargs={"slug": slug, "month": _key(s.round), "acronym": s.organisation.acronym},
            ),
            detail=_("Submitted %(date)s.")
            % {"date": formats.date_format(timezone.localtime(s.submitted_at), "DATE_FORMAT")}
            if s.submitted_at
            else "",
        )
        for s in waiting[:ITEMS_SHOWN]
    ]
    summary = _round_summary(rounds)
    if rounds:
        first = rounds[0]
        expected = operation.organisations.count()
        done = Submission.objects.filter(round=first, status__in=DONE).count()
        summary = " ".join(
            [
                summary,
                ngettext(
                    "%(done)s of %(expected)s organisation has submitted.",
                    "%(done)s of %(expected)s organisations have submitted.",
                    expected,
                )
                % {"done": done, "expected": expected},
            ]
        )
    return WorkPanel(
        key="5w-review",
        title=_("5W reports awaiting your review"),
        url=reverse("activities:round_detail", kwargs={"slug": slug, "month": _key(rounds[0])})
        if rounds
        else reverse("activities:reporting_home", kwargs={"slug": slug}),
        count=count,
        items=items,
        empty=_("No 5W report is waiting for review.")
        if rounds
        else _("No 5W round is open: open the month's round from the 5W reporting page."),
        order=10,
        summary=summary,
    )


def fivew_home_panels(*, user: User, operation: Operation) -> list[WorkPanel]:
    rounds = list(
        ReportingRound.objects.filter(
            operation=operation, status=ReportingRound.Status.OPEN
        ).order_by("month")
    )
    today = timezone.localdate()
    panels = []
    organisation = _own_organisation(user, operation)
    if organisation is not None:
        panels.append(_organisation_panel(operation, organisation, rounds, today))
    if access.is_manager(user, operation):
        panels.append(_review_panel(operation, rounds))
    return panels
