"""Reporting compliance under /api/v1/operations/<slug>/capacity/compliance/ (same selectors,
services and rules as the pages)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from tutela.capacity import access as capacity_access
from tutela.capacity.api.planning import NothingIn
from tutela.capacity.selectors import compliance as selectors
from tutela.capacity.selectors import compliance_sources as sources
from tutela.capacity.services import compliance as services
from tutela.core.api.views import OperationAPIView


def _cell(c: selectors.Cell) -> dict[str, Any]:
    return {
        "month": c.round.month.strftime("%Y-%m"),
        "deadline": c.round.deadline,
        "state": c.state,
        "first_submitted": c.first_submitted,
        "days_late": c.days_late,
        "times_returned": c.times_returned,
        "incidents": c.activity.incidents,
        "meetings_held": c.activity.meetings_held,
        "meetings_attended": c.activity.meetings_attended,
        "alerts_received": c.activity.alerts_received,
        "alerts_acknowledged": c.activity.alerts_acknowledged,
        "alerts_answered": c.activity.alerts_answered,
    }


def _card(card: selectors.Scorecard) -> dict[str, Any]:
    return {
        "organisation": card.organisation.acronym,
        "organisation_id": card.organisation.pk,
        "timeliness": card.timeliness,
        "completeness": card.completeness,
        "times_returned": card.times_returned,
        "participation": card.participation,
        "alerts_answered": card.alerts_answered,
        "rounds": [_cell(c) for c in card.cells],
    }


class DashboardView(OperationAPIView):
    """Per round: counts of each state, timeliness and completeness (%). Coordinators and IMOs
    also get each organisation's scorecard; everyone else, the aggregates only."""

    serializer_class = NothingIn

    @extend_schema(responses={200: dict})
    def get(self, request: Request, slug: str) -> Response:
        operation = self.get_operation()
        detail = capacity_access.can_see_compliance_detail(self.caller, operation)
        board = selectors.dashboard(operation, by_organisation=detail)
        data: dict[str, Any] = {
            "rounds": [
                {
                    "id": s.round.id,
                    "month": s.round.month.strftime("%Y-%m"),
                    "deadline": s.round.deadline,
                    "status": s.round.status,
                    "expected": s.expected,
                    "counts": s.counts,
                    "timeliness": s.timeliness,
                    "completeness": s.completeness,
                }
                for s in board.summaries
            ]
        }
        if detail:
            data["organisations"] = [_card(card) for card in board.scorecards]
        return Response(data)


class ScorecardView(OperationAPIView):
    """An organisation's scorecard: its own for a partner, any for coordinators and IMOs."""

    serializer_class = NothingIn

    @extend_schema(responses={200: dict})
    def get(self, request: Request, slug: str, organisation: int) -> Response:
        operation = self.get_operation()
        found = capacity_access.scorecard_organisation(self.caller, operation, organisation)
        return Response(_card(selectors.scorecard(operation, found)))


class RemindView(OperationAPIView):
    """Remind the organisations that have not handed in the round's 5W (each once per round)."""

    serializer_class = NothingIn

    @extend_schema(request=None, responses={200: dict})
    def post(self, request: Request, slug: str, round: int) -> Response:
        operation = self.get_operation()
        if not capacity_access.can_see_compliance_detail(self.caller, operation):
            raise PermissionDenied
        found = sources.round_get(operation, round)
        if found is None:
            raise Http404
        return Response(
            services.reporting_reminders_send(operation=operation, round=found, by=self.caller)
        )


class ReminderSettingsData(serializers.Serializer):
    # The same bounds as the page's form and the model's constraint.
    reminder_days = serializers.IntegerField(
        min_value=0,
        max_value=30,
        help_text="Days before a 5W deadline when the organisations that have not reported are "
        "reminded by e-mail (0: on the deadline day only).",
    )


class ReminderSettingsView(OperationAPIView):
    """The operation's reminder lead time: read and set by coordinators and IMOs (the same rule
    and service as the reminder settings on the compliance page)."""

    serializer_class = ReminderSettingsData

    def require_manager(self) -> None:
        if not capacity_access.can_see_compliance_detail(self.caller, self.get_operation()):
            raise PermissionDenied

    @extend_schema(responses={200: ReminderSettingsData})
    def get(self, request: Request, slug: str) -> Response:
        self.require_manager()
        return Response({"reminder_days": services.reminder_days(self.get_operation())})

    @extend_schema(request=ReminderSettingsData, responses={200: ReminderSettingsData})
    def put(self, request: Request, slug: str) -> Response:
        operation = self.get_operation()
        self.require_manager()
        saved = services.compliance_settings_update(
            operation=operation,
            by=self.caller,
            reminder_days=self.input(ReminderSettingsData)["reminder_days"],
            request=request._request,
        )
        return Response({"reminder_days": saved.reminder_days})
