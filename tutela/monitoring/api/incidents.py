"""Incident records API, under /api/v1/operations/<slug>/monitoring/incidents/.

The same access rules and services as the pages (tutela.monitoring.access and
tutela.monitoring.services.incidents): a caller lists and reads only the records they may see
(their organisation's; designated analysts also other organisations' non-GBV records), every read
of a record is audited (one entry per record, in the list too), the narrative is returned only to
those who may read it, and only the reporting organisation changes or deletes a record. Input uses
the codes of the operation's reference data; problems come back as 400 with field errors.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from tutela.core.api.views import OperationAPIView
from tutela.core.counts import MAX_COUNT
from tutela.core.models import Organisation
from tutela.monitoring import access as monitoring_access
from tutela.monitoring.forms.incident_filters import IncidentFilterForm
from tutela.monitoring.incidents.data import IncidentData, PeopleCount
from tutela.monitoring.incidents.records import incident_data_from
from tutela.monitoring.models import Incident, IncidentPeople, IncidentRisk
from tutela.monitoring.services.incidents import incident_delete, incident_record, incident_update

# --- serializers ---------------------------------------------------------------------------------


class RiskIn(serializers.Serializer):
    risk = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Risk code: R01-R15."),
    )
    violation = serializers.CharField(
        max_length=40, required=False, allow_blank=True, allow_null=True, default=None
    )


class PeopleIn(serializers.Serializer):
    sex = serializers.CharField(max_length=1, help_text=_("F or M."))
    age_band = serializers.CharField(max_length=40, help_text=_("Age band code: 0-4 ... 60+."))
    with_disability = serializers.BooleanField(required=False, default=False)
    population_group = serializers.CharField(
        max_length=20, required=False, allow_blank=True, allow_null=True, default=None
    )
    count = serializers.IntegerField(min_value=1, max_value=MAX_COUNT)


class IncidentIn(serializers.Serializer):
    occurred_on = serializers.DateField()
    reported_on = serializers.DateField()
    area_pcode = serializers.CharField(max_length=40)
    site = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    risks = RiskIn(many=True, help_text=_("The first risk is the main one."))
    perpetrator = serializers.CharField(
        max_length=40, required=False, allow_blank=True, allow_null=True, default=None
    )
    people = PeopleIn(many=True, required=False, default=list)
    displacement_caused = serializers.BooleanField(required=False, default=False)
    displaced_households = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=MAX_COUNT
    )
    services = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, default=list
    )
    source = serializers.CharField(max_length=40)  # type: ignore[assignment]
    verification = serializers.CharField(max_length=40)
    narrative = serializers.CharField(
        max_length=20_000,
        required=False,
        allow_blank=True,
        default="",
        help_text=_(
            "Probable personal data (names, phone and ID numbers) is masked before saving."
        ),
    )
    external_id = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default=""
    )


def _risk_pairs(items: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    return [(item.get("risk") or "", item.get("violation") or None) for item in items]


def _people(items: list[dict[str, Any]]) -> list[PeopleCount]:
    return [
        PeopleCount(
            sex=item["sex"],
            age_band=item["age_band"],
            with_disability=bool(item.get("with_disability")),
            population_group=item.get("population_group") or None,
            count=item["count"],
        )
        for item in items
    ]


def incident_data_merge(base: IncidentData, values: dict[str, Any]) -> IncidentData:
    """`base` with the fields given in the request."""
    changes: dict[str, Any] = {}
    for key, value in values.items():
        if key == "risks":
            changes[key] = _risk_pairs(value)
        elif key == "people":
            changes[key] = _people(value)
        elif key in ("perpetrator",):
            changes[key] = value or None
        else:
            changes[key] = value
    return replace(base, **changes)


class RiskOut(serializers.Serializer):
    risk = serializers.CharField(source="risk.code")
    violation = serializers.CharField(source="violation.code", allow_null=True, default=None)


class PeopleOut(serializers.Serializer):
    sex = serializers.CharField()
    age_band = serializers.CharField(source="age_band.code")
    with_disability = serializers.BooleanField()
    population_group = serializers.CharField(
        source="population_group.code", allow_null=True, default=None
    )
    count = serializers.IntegerField()


class IncidentOut(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    organisation = serializers.CharField(source="organisation.acronym")
    occurred_on = serializers.DateField()
    reported_on = serializers.DateField()
    month = serializers.DateField()
    area_pcode = serializers.CharField(source="area.pcode")
    area_name = serializers.CharField(source="area.name")
    admin1_pcode = serializers.CharField(source="admin1.pcode")
    admin2_pcode = serializers.CharField(source="admin2.pcode", allow_null=True, default=None)
    site = serializers.CharField()
    main_risk = serializers.CharField(source="primary_risk.code")
    risks = RiskOut(many=True, source="risks.all")
    perpetrator = serializers.CharField(source="perpetrator.code", allow_null=True, default=None)
    people_affected = serializers.IntegerField()
    people = PeopleOut(many=True, source="people.all")
    displacement_caused = serializers.BooleanField()
    displaced_households = serializers.IntegerField(allow_null=True)
    services = serializers.SerializerMethodField()
    source = serializers.CharField(source="source.code")  # type: ignore[assignment]
    verification = serializers.CharField(source="verification.code")
    is_gbv = serializers.BooleanField()
    merged_into = serializers.CharField(
        source="merged_into.reference", allow_null=True, default=None
    )
    external_id = serializers.CharField()
    narrative = serializers.SerializerMethodField(
        help_text=_("Null when the caller may not read it.")
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_services(self, incident: Incident) -> list[str]:
        return sorted(s.code for s in incident.services.all())

    def get_narrative(self, incident: Incident) -> str | None:
        readable = self.context.get("narrative_readable")
        if readable is None or not readable(incident):
            return None
        return str(incident.narrative)


# --- views ---------------------------------------------------------------------------------------


def _with_relations(incidents: QuerySet[Incident]) -> QuerySet[Incident]:
    return incidents.select_related(
        "organisation",
        "area",
        "admin1",
        "admin2",
        "primary_risk",
        "perpetrator",
        "source",
        "verification",
        "merged_into",
    ).prefetch_related(
        Prefetch("risks", queryset=IncidentRisk.objects.select_related("risk", "violation")),
        Prefetch(
            "people", queryset=IncidentPeople.objects.select_related("age_band", "population_group")
        ),
        "services",
    )


class IncidentAPIView(OperationAPIView):
    queryset = Incident.objects.none()
    serializer_class = IncidentOut
    filter_backends: list[Any] = []

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            user = self.caller
            operation = self.get_operation()
            analyst = monitoring_access.is_analyst(user, operation)
            own = user.organisation_id if monitoring_access.can_record(user, operation) else None

            def readable(incident: Incident) -> bool:
                return bool(
                    (own is not None and incident.organisation_id == own)
                    or (analyst and not incident.is_gbv)
                )

            context["narrative_readable"] = readable
        return context


FILTERS = [
    OpenApiParameter("month", OpenApiTypes.STR, description="YYYY-MM"),
    OpenApiParameter(
        "area", OpenApiTypes.STR, description=str(_("P-code of an admin 1 or 2 area."))
    ),
    OpenApiParameter("risk", OpenApiTypes.STR, description=str(_("Risk code: R01-R15."))),
    OpenApiParameter("verification", OpenApiTypes.STR),
    OpenApiParameter("organisation", OpenApiTypes.STR, description=str(_("Acronym."))),
]


class IncidentListView(IncidentAPIView, ListAPIView):
    """Incident records the caller may see, newest first; POST records one for the caller's
    organisation."""

    def get_queryset(self) -> QuerySet[Incident]:
        operation = self.get_operation()
        visible = monitoring_access.incidents_for_user(self.caller, operation)
        organisations = list(
            Organisation.objects.filter(pk__in=visible.values("organisation_id").distinct())
        )
        filters = IncidentFilterForm(
            self.request.query_params or None, operation=operation, organisations=organisations
        )
        if self.request.query_params and not filters.is_valid():
            raise ValidationError(filters.errors.get_json_data())
        return _with_relations(filters.apply(visible)).order_by("-occurred_on", "-pk")

    @extend_schema(parameters=FILTERS)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        incidents = list(page) if page is not None else list(self.get_queryset())
        # Each record is returned whole (narrative included for its readers): audited as reads.
        monitoring_access.incidents_read_audit(
            self.caller, self.get_operation(), incidents, request=request._request, reason="list"
        )
        serializer = self.get_serializer(incidents, many=True)
        if page is None:
            return Response(serializer.data)
        return self.get_paginated_response(serializer.data)

    @extend_schema(request=IncidentIn, responses={201: IncidentOut})
    def post(self, request: Request, slug: str) -> Response:
        operation = self.get_operation()
        if not monitoring_access.can_record(self.caller, operation):
            raise PermissionDenied
        values = self.input(IncidentIn)
        data = IncidentData(
            **{
                **values,
                "risks": _risk_pairs(values["risks"]),
                "people": _people(values["people"]),
                "perpetrator": values.get("perpetrator") or None,
            }
        )
        organisation = self.caller.organisation
        assert organisation is not None
        incident = incident_record(
            operation=operation, organisation=organisation, by=self.caller, data=data
        )
        return self.output(
            _with_relations(Incident.objects.filter(pk=incident.pk)).get(),
            status_code=status.HTTP_201_CREATED,
        )


class IncidentDetailView(IncidentAPIView):
    """One record (the read is audited); PUT replaces it, PATCH changes the fields given, DELETE
    deletes it (reporting organisation only)."""

    def get_object(self) -> Incident:
        operation = self.get_operation()
        incident = monitoring_access.incident_get_for_user(
            self.caller, operation, self.kwargs["pk"], request=self.request._request
        )
        return _with_relations(Incident.objects.filter(pk=incident.pk)).get()

    def _editable(self) -> Incident:
        incident = self.get_object()
        if not monitoring_access.can_edit(self.caller, incident):
            raise PermissionDenied
        return incident

    def get(self, request: Request, slug: str, pk: int) -> Response:
        return self.output(self.get_object())

    def _change(self, *, partial: bool) -> Response:
        incident = self._editable()
        values = self.input(IncidentIn, partial=partial)
        data = incident_data_merge(incident_data_from(incident), values)
        incident_update(incident=incident, by=self.caller, data=data)
        return self.output(_with_relations(Incident.objects.filter(pk=incident.pk)).get())

    @extend_schema(request=IncidentIn, responses=IncidentOut)
    def put(self, request: Request, slug: str, pk: int) -> Response:
        return self._change(partial=False)

    @extend_schema(request=IncidentIn, responses=IncidentOut)
    def patch(self, request: Request, slug: str, pk: int) -> Response:
        return self._change(partial=True)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, slug: str, pk: int) -> Response:
        incident = self._editable()
        incident_delete(incident=incident, by=self.caller)
        return Response(status=status.HTTP_204_NO_CONTENT)
