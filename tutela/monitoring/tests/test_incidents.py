"""Recording, updating, deleting and bulk-saving incidents: checks, masking, denormalised fields,
reference numbers and audit entries."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from tutela.core.models import AuditEntry
from tutela.monitoring.incidents.data import PeopleCount, References, incident_problems
from tutela.monitoring.incidents.records import incident_data_from
from tutela.monitoring.models import Incident, IncidentPeople, IncidentRisk
from tutela.monitoring.services.incidents import (
    incident_delete,
    incident_record,
    incident_update,
    incidents_save_many,
)
from tutela.monitoring.tests.incident_fixtures import Mon, data, gbv, mon_fixture  # noqa: F401

pytestmark = pytest.mark.django_db
APRIL = datetime.datetime(2026, 4, 15, 9, tzinfo=datetime.UTC)


def problems(mon: Mon, **changes):
    return {
        (f, c) for f, c, _m in incident_problems(data(**changes), References.load(mon.operation))
    }


def test_record_saves_the_incident_with_its_denormalised_fields(mon):
    with time_machine.travel(APRIL, tick=False):
        incident = mon.record(
            area_pcode="ML050101",
            risks=[("R02", "killing"), ("R12", "property_destruction"), ("R02", None)],
            people=[
                PeopleCount("F", "18-59", False, "IDP", 3),
                PeopleCount("M", "0-4", True, None, 2),
                PeopleCount("F", "18-59", False, "idp", 1),
            ],
            displacement_caused=True,
            displaced_households=12,
            services=["health", "psychosocial"],
        )

    incident.refresh_from_db()
    assert incident.reference == "INC-AMSS-2026-000001"
    assert incident.organisation == mon.world.amss
    assert incident.month == datetime.date(2026, 3, 1)
    assert incident.area.pcode == "ML050101"
    assert incident.admin1.pcode == "ML05"
    assert incident.admin2.pcode == "ML0501"
    assert incident.primary_risk.code == "R02"
    # The two lines of the same cell are added up.
    assert incident.people_affected == 6
    assert IncidentPeople.objects.filter(incident=incident).count() == 2
    pairs = IncidentRisk.objects.filter(incident=incident).values_list(
        "risk__code", "violation__code"
    )
    assert sorted(pairs, key=lambda p: (p[0], p[1] or "")) == [
        ("R02", None),
        ("R02", "killing"),
        ("R12", "property_destruction"),
    ]
    assert incident.displaced_households == 12
    assert sorted(incident.services.values_list("code", flat=True)) == ["health", "psychosocial"]
    assert not incident.is_gbv
    assert incident.created_by == mon.world.partner


def test_reference_numbers_follow_each_other_per_organisation_and_year(mon):
    """The gap between two of one's own numbers says nothing about other organisations."""
    w = mon.world
    with time_machine.travel(APRIL, tick=False):
        first = mon.record()
        others = [
            mon.record(organisation=w.other_org, by=w.other_partner, external_id=f"o{i}")
            for i in range(3)
        ]
        second = mon.record()
    with time_machine.travel(datetime.datetime(2027, 1, 2, 9, tzinfo=datetime.UTC), tick=False):
        third = mon.record()

    assert (first.reference, second.reference) == ("INC-AMSS-2026-000001", "INC-AMSS-2026-000002")
    assert [o.reference for o in others] == [f"INC-OTHER-2026-00000{i}" for i in (1, 2, 3)]
    assert third.reference == "INC-AMSS-2027-000001"


def test_imports_number_per_organisation_after_the_organisations_own_records(mon):
    w = mon.world
    with time_machine.travel(APRIL, tick=False):
        mon.record(organisation=w.other_org, by=w.other_partner)
        mine = mon.record()
        incidents_save_many(
            operation=mon.operation,
            organisation=w.amss,
            by=w.partner,
            items=[data(external_id="k1"), data(external_id="k2")],
        )
    references = set(
        Incident.objects.filter(organisation=w.amss).values_list("reference", flat=True)
    )
    assert mine.reference == "INC-AMSS-2026-000001"
    assert references == {f"INC-AMSS-2026-00000{i}" for i in (1, 2, 3)}


def test_records_numbered_across_the_operation_keep_their_reference(mon):
    """References made before numbering per organisation stay as they are; new records are
    numbered per organisation from 1."""
    w = mon.world
    with time_machine.travel(APRIL, tick=False):
        old = mon.record()
        Incident.objects.filter(pk=old.pk).update(reference="INC-2026-000042")
        new = mon.record()
    old.refresh_from_db()
    assert old.reference == "INC-2026-000042"
    assert new.reference == "INC-AMSS-2026-000001"
    assert new.organisation == w.amss


def test_gbv_risk_or_gbv_violation_marks_the_record_gbv(mon):
    assert mon.record(**{"risks": [("R08", None)]}).is_gbv
    assert mon.record(**{"risks": [("R02", "killing"), ("R08", "gbv_rape")]}).is_gbv
    assert not mon.record(**{"risks": [("R07", "grave_recruitment_use")]}).is_gbv


def test_narrative_is_masked_and_encrypted_and_audited_as_a_fingerprint(mon):
    incident = mon.record(narrative="Mme Awa Diallo (76 12 34 56) a été menacée.")

    incident.refresh_from_db()
    assert incident.narrative == "Mme [name] ([phone]) a été menacée."
    entry = AuditEntry.objects.get(entity_type="monitoring.incident", action="create")
    assert entry.actor == mon.world.partner
    assert entry.after["narrative"].startswith("[encrypted #")
    assert "Diallo" not in str(entry.after)
    assert entry.after["risks"] == [["R02", "killing"]]
    assert entry.after["people"] == [["F", "18-59", False, "IDP", 3]]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"occurred_on": datetime.date(2099, 1, 1), "reported_on": datetime.date(2099, 1, 2)},
            ("occurred_on", "future"),
        ),
        ({"reported_on": datetime.date(2099, 1, 1)}, ("reported_on", "future")),
        ({"reported_on": datetime.date(2026, 3, 1)}, ("reported_on", "reported_before_occurred")),
        ({"area_pcode": "ZZ99"}, ("area_pcode", "unknown")),
        ({"area_pcode": "CO"}, ("area_pcode", "outside_operation")),
        ({"area_pcode": "ML"}, ("area_pcode", "too_broad")),
        ({"area_pcode": ""}, ("area_pcode", "required")),
        ({"risks": []}, ("risks", "required")),
        ({"risks": [("R99", None)]}, ("risks", "unknown_risk")),
        ({"risks": [("R02", "nope")]}, ("risks", "unknown_violation")),
        ({"risks": [("R02", "gbv_rape")]}, ("risks", "gbv_violation_outside_gbv")),
        ({"risks": [("R02", "torture")]}, ("risks", "violation_not_in_risk")),
        ({"risks": [("R02", "killing"), ("r02", "KILLING")]}, ("risks", "repeated")),
        ({"perpetrator": "john"}, ("perpetrator", "unknown")),
        ({"people": [PeopleCount("X", "18-59", False, None, 1)]}, ("people", "unknown_sex")),
        ({"people": [PeopleCount("F", "20-30", False, None, 1)]}, ("people", "unknown_age_band")),
        (
            {"people": [PeopleCount("F", "18-59", False, "ZZZ", 1)]},
            ("people", "unknown_population_group"),
        ),
        ({"people": [PeopleCount("F", "18-59", False, None, 0)]}, ("people", "not_positive")),
        ({"people": [PeopleCount("F", "18-59", False, None, -2)]}, ("people", "not_positive")),
        ({"displaced_households": 4}, ("displaced_households", "without_displacement")),
        (
            {"displacement_caused": True, "displaced_households": 0},
            ("displaced_households", "not_positive"),
        ),
        ({"services": ["spa"]}, ("services", "unknown")),
        ({"source": ""}, ("source", "required")),
        ({"source": "rumour"}, ("source", "unknown")),
        ({"verification": "maybe"}, ("verification", "unknown")),
        ({"site": "x" * 201}, ("site", "too_long")),
    ],
)
def test_problems_are_reported_and_nothing_is_saved(mon, changes, expected):
    assert expected in problems(mon, **changes)
    with pytest.raises(ValidationError) as error:
        mon.record(**changes)

    assert expected[0] in error.value.message_dict
    assert not Incident.objects.exists()
    assert not AuditEntry.objects.filter(entity_type="monitoring.incident").exists()


def test_valid_data_has_no_problem_and_codes_ignore_case(mon):
    assert problems(mon) == set()
    assert problems(mon, risks=[("r02", "Killing")], source="MONITORING_VISIT") == set()
    # A violation type without its risk brings its own risk.
    assert problems(mon, risks=[("", "gbv_rape")]) == set()


def test_organisation_outside_the_operation_is_refused(mon, world):
    from tutela.core.models import Organisation

    stranger = Organisation.objects.create(name="Stranger", acronym="STR", type="nngo")
    with pytest.raises(ValidationError) as error:
        mon.record(organisation=stranger)
    assert "organisation" in error.value.message_dict


def test_update_replaces_the_content_and_audits_the_change(mon):
    incident = mon.record(external_id="K-1", narrative="Le village a été attaqué.")

    changed = incident_update(
        incident=incident,
        by=mon.world.caseworker,
        data=data(
            risks=[("R12", "theft")],
            people=[PeopleCount("M", "60+", False, None, 1)],
            narrative="Appeler M. Traoré",
            verification="verified",
        ),
    )

    changed.refresh_from_db()
    assert changed.primary_risk.code == "R12"
    assert changed.people_affected == 1
    assert changed.narrative == "Appeler M. [name]"
    # An empty external identifier keeps the record's own.
    assert changed.external_id == "K-1"
    assert changed.updated_by == mon.world.caseworker
    entry = AuditEntry.objects.get(entity_type="monitoring.incident", action="update")
    assert entry.before["risks"] == [["R02", "killing"]]
    assert entry.after["risks"] == [["R12", "theft"]]
    assert entry.before["narrative"] != entry.after["narrative"]
    assert "Traoré" not in str(entry.after)


def test_update_that_changes_nothing_writes_no_audit_entry(mon):
    incident = mon.record()
    incident_update(incident=incident, by=mon.world.partner, data=incident_data_from(incident))

    assert not AuditEntry.objects.filter(
        action="update", entity_type="monitoring.incident"
    ).exists()


def test_delete_removes_the_record_and_audits_it(mon):
    incident = mon.record()
    pk = incident.pk

    incident_delete(incident=incident, by=mon.world.partner)

    assert not Incident.objects.filter(pk=pk).exists()
    entry = AuditEntry.objects.get(entity_type="monitoring.incident", action="delete")
    assert entry.entity_id == str(pk)
    assert entry.before["reference"] == incident.reference


def test_save_many_creates_and_updates_by_external_id(mon):
    mon.record(external_id="K-1")

    created, updated = incidents_save_many(
        operation=mon.operation,
        organisation=mon.world.amss,
        by=mon.world.partner,
        items=[
            data(external_id="K-1", verification="verified"),
            data(external_id="K-2"),
            data(),
        ],
    )

    assert (created, updated) == (2, 1)
    assert Incident.objects.count() == 3
    assert Incident.objects.get(external_id="K-1").verification.code == "verified"
    assert len(set(Incident.objects.values_list("reference", flat=True))) == 3


def test_save_many_is_all_or_nothing_and_lists_every_problem(mon):
    with pytest.raises(ValidationError) as error:
        incidents_save_many(
            operation=mon.operation,
            organisation=mon.world.amss,
            by=mon.world.partner,
            items=[
                data(external_id="A"),
                data(area_pcode="XX", external_id="B"),
                data(external_id="A", source="nope"),
            ],
        )

    found = [(e.params["row"], e.params["field"], e.code) for e in error.value.error_list]
    assert (2, "area_pcode", "unknown") in found
    assert (3, "source", "unknown") in found
    assert (3, "external_id", "repeated") in found
    assert "Record 2:" in error.value.messages[0] or "Record 2:" in " ".join(error.value.messages)
    assert not Incident.objects.exists()


def test_record_refuses_an_external_id_already_used_by_the_organisation(mon):
    mon.record(external_id="K-1")
    with pytest.raises(ValidationError) as error:
        mon.record(external_id="K-1")
    assert "external_id" in error.value.message_dict
    # Another organisation may use the same identifier.
    mon.record(organisation=mon.world.other_org, external_id="K-1")


def test_incident_data_from_a_record_round_trips(mon):
    original = data(
        risks=[("R12", "theft"), ("R02", "killing")],
        services=["legal"],
        displacement_caused=True,
        displaced_households=3,
        site="Camp A",
    )
    incident = incident_record(
        operation=mon.operation, organisation=mon.world.amss, by=mon.world.partner, data=original
    )

    again = incident_data_from(incident)
    assert again.risks == original.risks
    assert again.people == original.people
    assert (again.site, again.displaced_households, again.services) == ("Camp A", 3, ["legal"])


def test_gbv_helper_data_is_valid(mon):
    assert mon.record(**{}).pk
    incident = incident_record(
        operation=mon.operation, organisation=mon.world.amss, by=mon.world.partner, data=gbv()
    )
    assert incident.is_gbv


def test_demo_loads_a_year_of_incidents_once():
    from django.core.management import call_command

    from tutela.core.models import Operation
    from tutela.monitoring.models import DuplicateFlag, MonitoringSettings, SharingAgreement

    call_command("demo")
    op = Operation.objects.get(slug="mali-demo")
    incidents = Incident.objects.filter(operation=op)
    count = incidents.count()

    assert 250 <= count <= 800
    assert incidents.filter(is_gbv=True).exists()
    assert incidents.values("month").distinct().count() == 12
    assert incidents.values("organisation").distinct().count() == 6
    assert DuplicateFlag.objects.filter(operation=op, status="open").count() >= 8
    assert (
        MonitoringSettings.objects.get(operation=op)
        .analysts.filter(email="imo@demo.tutela.org")
        .exists()
    )
    assert SharingAgreement.objects.filter(operation=op, shares_gbv_aggregates=True).count() == 3
    narratives = [i.narrative for i in incidents]
    assert any("[phone]" in n for n in narratives)
    assert not any("76 12" in n for n in narratives)

    call_command("demo")
    assert Incident.objects.filter(operation=op).count() == count
