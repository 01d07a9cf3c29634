"""A recorded incident read back: its state for the audit log (fields, narrative fingerprinted,
risks and people) and its data as IncidentData, to edit it or to change a few fields through the
API. No writes."""

from __future__ import annotations

from typing import Any

from tutela.core.services.audit import snapshot
from tutela.monitoring.incidents.data import (
    IncidentData,
    PeopleCount,
)
from tutela.monitoring.models import Incident


def incident_state(incident: Incident) -> dict[str, Any]:
    """The record for the audit log: its fields (narrative fingerprinted), risks and people."""
    state = snapshot(incident)
    if incident.pk is not None:
        state["risks"] = sorted(
            (
                [r.risk.code, r.violation.code if r.violation else None]
                for r in incident.risks.select_related("risk", "violation")
            ),
            key=lambda pair: (pair[0], pair[1] or ""),
        )
        state["people"] = sorted(
            (
                [
                    p.sex,
                    p.age_band.code,
                    p.with_disability,
                    p.population_group.code if p.population_group else None,
                    p.count,
                ]
                for p in incident.people.select_related("age_band", "population_group")
            ),
            key=lambda line: [str(v) for v in line],
        )
    return state


def incident_data_from(incident: Incident) -> IncidentData:
    """The record as IncidentData (to edit it, or to change a few fields through the API)."""
    return IncidentData(
        occurred_on=incident.occurred_on,
        reported_on=incident.reported_on,
        area_pcode=incident.area.pcode,
        site=incident.site,
        risks=[
            (r.risk.code, r.violation.code if r.violation else None)
            for r in sorted(
                incident.risks.select_related("risk", "violation"),
                # The main risk first.
                key=lambda r: (r.risk_id != incident.primary_risk_id, r.pk),
            )
        ],
        perpetrator=incident.perpetrator.code if incident.perpetrator else None,
        people=[
            PeopleCount(
                sex=p.sex,
                age_band=p.age_band.code,
                with_disability=p.with_disability,
                population_group=p.population_group.code if p.population_group else None,
                count=p.count,
            )
            for p in incident.people.select_related("age_band", "population_group")
        ],
        displacement_caused=incident.displacement_caused,
        displaced_households=incident.displaced_households,
        services=list(incident.services.values_list("code", flat=True)),
        source=incident.source.code,
        verification=incident.verification.code,
        narrative=incident.narrative,
        external_id=incident.external_id,
        source_name=incident.source_name,
        fatalities=incident.fatalities,
    )
