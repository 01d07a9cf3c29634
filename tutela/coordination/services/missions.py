"""Joint evaluation missions, usually following an alert: dates, participating organisations,
findings, recommendations, and the action points they create.

The people who manage alerts (managers and focal points) manage missions; everyone with a role in
the operation reads them.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tutela.coordination import access as coordination_access
from tutela.coordination.models import ActionPoint, Alert, Mission
from tutela.coordination.services.actions import action_point_create
from tutela.core.models import AdminArea, Operation, Organisation, User
from tutela.core.services.audit import audit_create, audit_update, snapshot

EDITABLE_FIELDS = frozenset(
    {
        "alert",
        "title",
        "area",
        "starts_on",
        "ends_on",
        "organisations",
        "findings",
        "recommendations",
        "status",
    }
)


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _check(
    operation: Operation,
    *,
    alert: Alert | None,
    area: AdminArea | None,
    organisations: list[Organisation] | None,
) -> None:
    errors: dict[str, str] = {}
    if alert is not None and alert.operation_id != operation.pk:
        errors["alert"] = _("This alert belongs to another operation.")
    if area is not None:
        countries = set(operation.countries.values_list("pcode", flat=True))
        if area.country_pcode not in countries:
            errors["area"] = _("This place is outside the operation's countries.")
    if organisations:
        taking_part = set(
            operation.organisations.filter(pk__in=[o.pk for o in organisations]).values_list(
                "pk", flat=True
            )
        )
        outside = [o.acronym for o in organisations if o.pk not in taking_part]
        if outside:
            errors["organisations"] = _("Not taking part in this operation: %(list)s.") % {
                "list": ", ".join(outside)
            }
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def mission_create(
    *,
    operation: Operation,
    by: User,
    title: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    alert: Alert | None = None,
    area: AdminArea | None = None,
    organisations: Iterable[Organisation] = (),
    findings: str = "",
    recommendations: str = "",
    status: str = Mission.Status.PLANNED,
) -> Mission:
    """A joint evaluation mission; with an alert and no place given, it goes where the alert
    is."""
    _require(coordination_access.can_manage_alerts(by, operation))
    if area is None and alert is not None:
        area = alert.area
    organisations = list(organisations)
    _check(operation, alert=alert, area=area, organisations=organisations)
    mission = Mission(
        operation=operation,
        alert=alert,
        title=(title or "").strip(),
        area=area,
        starts_on=starts_on,
        ends_on=ends_on,
        findings=(findings or "").strip(),
        recommendations=(recommendations or "").strip(),
        status=status,
        created_by=by,
    )
    _clean(mission)
    mission.save()
    mission.organisations.set(organisations)
    audit_create(actor=by, instance=mission, operation=operation)
    return mission


def _clean(mission: Mission) -> None:
    if mission.starts_on and mission.ends_on and mission.ends_on < mission.starts_on:
        raise ValidationError({"ends_on": _("The mission ends before it starts.")})
    mission.full_clean()


@transaction.atomic
def mission_update(*, mission: Mission, by: User, **fields: Any) -> Mission:
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"mission_update() got unknown field(s): {sorted(unknown)}")
    operation = mission.operation
    _require(coordination_access.can_manage_alerts(by, operation))
    before = snapshot(mission)
    organisations = fields.pop("organisations", None)
    if organisations is not None:
        organisations = list(organisations)
    for field, value in fields.items():
        setattr(mission, field, value.strip() if isinstance(value, str) else value)
    _check(operation, alert=mission.alert, area=mission.area, organisations=organisations)
    _clean(mission)
    mission.save()
    if organisations is not None:
        mission.organisations.set(organisations)
    audit_update(actor=by, instance=mission, operation=operation, before=before)
    return mission


@transaction.atomic
def mission_action_point_create(*, mission: Mission, by: User, **fields: Any) -> ActionPoint:
    """An action point coming out of the mission (source "mission", linked to the mission and
    to its alert)."""
    _require(coordination_access.can_manage_alerts(by, mission.operation))
    fields.pop("source_kind", None)
    return action_point_create(
        operation=mission.operation,
        by=by,
        mission=mission,
        alert=mission.alert,
        source_kind=ActionPoint.SourceKind.MISSION,
        **fields,
    )
