"""What the case management endpoints share: the base view for case management staff (403 for the
other roles of the operation; a case outside what the caller may see is a 404), the person read
from a request body, and the 409 answer listing probable duplicates.
"""

from __future__ import annotations

from typing import Any

from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from tutela.cases import access
from tutela.cases.api import serializers as s
from tutela.cases.models import Case
from tutela.cases.services import cases as case_services
from tutela.core.api.views import OperationAPIView


def person_data(data: dict[str, Any]) -> case_services.PersonData:
    def text(name: str) -> str:
        return str(data.get(name) or "")

    return case_services.PersonData(
        given_name=text("given_name"),
        family_name=text("family_name"),
        other_names=text("other_names"),
        date_of_birth=data.get("date_of_birth"),
        phone=text("phone"),
        id_type=text("id_type"),
        id_number=text("id_number"),
        sex=text("sex") or "U",
        age=data.get("age"),
        disability=bool(data.get("disability")),
        relationship=text("relationship") or "self",
    )


class CaseStaffView(OperationAPIView):
    """An endpoint for case management staff (403 for the other roles of the operation)."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        access.require_case_staff(self.caller, self.get_operation())

    def get_case(self, *, reason: str = "") -> Case:
        return access.case_get_for_user(
            self.caller,
            self.get_operation(),
            self.kwargs["pk"],
            request=self.request,
            reason=reason,
        )

    def editable_case(self, reason: str) -> Case:
        case = self.get_case(reason=reason)
        access.require_edit(self.caller, case)
        return case


def duplicates_conflict(error: case_services.ProbableDuplicates) -> Response:
    return Response(
        {
            "detail": error.messages[0],
            "code": "probable_duplicate",
            "candidates": s.CandidateOut(error.candidates, many=True).data,
        },
        status=status.HTTP_409_CONFLICT,
    )
