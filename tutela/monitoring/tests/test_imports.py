"""The monitoring importer: incidents and community monitoring rows from CSV/XLSX/Kobo exports,
all or nothing, with saved column and value mappings."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import load_workbook

from tutela.conftest import World
from tutela.core.models import AdminArea, AuditEntry, Delegation
from tutela.core.services.delegations import delegation_grant, delegation_revoke
from tutela.monitoring.incidents.records import incident_data_from
from tutela.monitoring.models import (
    CommunityReport,
    CommunityRisk,
    Incident,
    IncidentPeople,
    Kind,
    MonitoringImport,
    MonitoringMapping,
)
from tutela.monitoring.services import import_mappings
from tutela.monitoring.services import imports as service
from tutela.monitoring.services.community import community_reports_save_many
from tutela.monitoring.services.import_uploads import import_monitoring_start
from tutela.monitoring.services.incidents import (
    incident_delete,
    incident_update,
    incidents_save_many,
)
from tutela.monitoring.services.reference import monitoring_seed
from tutela.monitoring.tests.import_helpers import (
    COMMUNITY_HEADERS,
    INCIDENT_HEADERS,
    community_row,
    csv_bytes,
    incident_row,
    incidents_csv,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(world: World) -> World:
    monitoring_seed(operation=world.operation)
    return world


def run(world: World, data: bytes, *, name: str = "file.csv", **kwargs: Any) -> MonitoringImport:
    kwargs.setdefault("by", world.partner)
    kwargs.setdefault("organisation", None)
    return service.import_monitoring_file(
        operation=world.operation, file=io.BytesIO(data), file_name=name, **kwargs
    )


def problems(record: MonitoringImport) -> list[str]:
    return [p["message"] for p in record.problems]


def test_partner_imports_incidents_for_own_organisation(seeded: World) -> None:
    record = run(seeded, incidents_csv(incident_row(1), incident_row(2, risks="R08 R02")))
    assert record.status == MonitoringImport.Status.IMPORTED, problems(record)
    assert (record.created_count, record.updated_count, record.rows_read) == (2, 0, 2)
    incidents = Incident.objects.filter(organisation=seeded.amss).order_by("external_id")
    assert incidents.count() == 2
    first = incidents[0]
    assert first.import_record == record
    assert first.area.pcode == "ML0501"
    assert first.admin1.pcode == "ML05"
    assert first.primary_risk.code == "R02"
    assert first.people_affected == 3
    assert set(first.services.values_list("code", flat=True)) == {"health", "psychosocial"}
    assert incidents[1].is_gbv
    # The upload is not kept once imported: it may hold personal data.
    assert not record.file
    assert (
        AuditEntry.objects.filter(entity_type="monitoring.incident", action="create").count() == 2
    )


def test_reimport_updates_by_external_id(seeded: World) -> None:
    run(seeded, incidents_csv(incident_row(1), incident_row(2)))
    record = run(seeded, incidents_csv(incident_row(1, women=5), incident_row(3)))
    assert record.status == "imported", problems(record)
    assert (record.created_count, record.updated_count) == (1, 1)
    assert Incident.objects.count() == 3
    assert Incident.objects.get(external_id="EXT-1").people_affected == 6


def test_dry_run_counts_and_saves_nothing(seeded: World) -> None:
    run(seeded, incidents_csv(incident_row(1)))
    record = run(seeded, incidents_csv(incident_row(1), incident_row(2)), dry_run=True)
    assert record.status == MonitoringImport.Status.DRY_RUN
    assert (record.created_count, record.updated_count) == (1, 1)
    assert Incident.objects.count() == 1
    assert record.file  # kept for "import for real"


def test_one_bad_row_rejects_the_whole_file(seeded: World) -> None:
    data = incidents_csv(
        incident_row(1),
        incident_row(2, occurred_on="31/02/2026"),
        incident_row(3, admin2_pcode="ML9999", risks="nonsense"),
    )
    record = run(seeded, data)
    assert record.status == MonitoringImport.Status.REJECTED
    assert Incident.objects.count() == 0
    rows = {(p["row"], p["column"]) for p in record.problems}
    assert (3, "occurred_on") in rows
    assert (4, "admin2_pcode") in rows
    assert (4, "risks") in rows
    assert record.error_count == 3


def test_crash_mid_save_leaves_nothing(seeded: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from tutela.monitoring.services import incidents as incident_services

    calls = {"n": 0}
    original = incident_services._create

    def crash_on_third(**kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        return original(**kwargs)

    monkeypatch.setattr(incident_services, "_create", crash_on_third)
    record = run(seeded, incidents_csv(*(incident_row(i) for i in range(1, 6))))
    assert calls["n"] == 3
    assert record.status == MonitoringImport.Status.REJECTED
    assert Incident.objects.count() == 0
    assert IncidentPeople.objects.count() == 0
    assert not AuditEntry.objects.filter(entity_type="monitoring.incident").exists()


def test_kobo_export_headers_and_select_multiple(seeded: World) -> None:
    headers = [
        "start",
        "end",
        "incident/occurred_on",
        "incident/reported_on",
        "location/admin1_pcode",
        "location/admin2_pcode",
        "violation/risks",
        "violation/risks/R02",
        "violation/risks/R11",
        "violation/violations",
        "people/women",
        "people/older_men",
        "follow_up/source",
        "follow_up/verification",
        "follow_up/services",
        "meta/instanceID",
        "_id",
        "_uuid",
        "_submission_time",
        "__version__",
    ]
    rows = [
        [
            "2026-02-01T10:00:00",
            "2026-02-01T10:20:00",
            "2026-02-01",
            "2026-02-02",
            "ML05",
            "ML0502",
            "R02 R11",
            1,
            1,
            "injury threats",
            "1",
            "2",
            "monitoring_visit",
            "unverified",
            "legal",
            "uuid:abc-1",
            101,
            "abc-1",
            "2026-02-02T08:00:00",
            "vX",
        ]
    ]
    record = run(seeded, xlsx_bytes(headers, rows), name="kobo.xlsx")
    assert record.status == "imported", problems(record)
    assert not any(p["code"] == "unused_columns" for p in record.problems), problems(record)
    incident = Incident.objects.get()
    assert incident.external_id == "abc-1"
    assert incident.people_affected == 3
    pairs = set(incident.risks.values_list("risk__code", "violation__code"))
    assert pairs == {("R02", "injury"), ("R11", "threats")}


def test_value_mapping_and_typology_labels(seeded: World) -> None:
    mapping = import_mappings.mapping_save(
        by=seeded.partner,
        operation=seeded.operation,
        organisation=seeded.amss,
        kind=Kind.INCIDENTS,
        name="ACLED",
        columns={"event_date": "occurred_on", "sub_event_type": "risks", "fatalities": ""},
        values={
            "source": {"": "secondary_source"},
            "verification": {"": "unverified"},
            "risks": {"Battles": None, "Armed clash": None},
            "_typology": "acled",
        },
    )
    headers = ["event_id_cnty", "event_date", "admin1", "admin2", "sub_event_type", "fatalities"]
    rows = [
        ["MLI1", "2026-03-01", "Mopti", "Djenné", "Attack", 2],
        ["MLI2", "2026-03-02", "Mopti", "Djenne", "Abduction/forced disappearance", 0],
        ["MLI3", "2026-03-03", "Mopti", "Bandiagara", "Armed clash", 5],
    ]
    record = run(seeded, csv_bytes(headers, rows), mapping=mapping)
    assert record.status == "imported", problems(record)
    assert record.created_count == 2  # the armed clash is skipped by the value mapping
    found = dict(Incident.objects.values_list("external_id", "primary_risk__code"))
    assert found == {"MLI1": "R02", "MLI2": "R01"}
    assert set(Incident.objects.values_list("source__code", flat=True)) == {"secondary_source"}


def test_french_headers_and_names_are_recognised(seeded: World) -> None:
    headers = [
        "Date de l'incident",
        "Région",
        "Cercle",
        "Risque",
        "Source",
        "Vérification",
        "Femmes",
        "Groupe de population",
    ]
    rows = [
        ["15/03/2026", "Mopti", "Bandiagara", "Enlèvement", "Informateur clé", "Vérifié", 1, "PDI"]
    ]
    record = run(seeded, csv_bytes(headers, rows))
    assert record.status == "imported", problems(record)
    incident = Incident.objects.get()
    assert incident.primary_risk.code == "R01"
    assert incident.people.get().population_group.code == "IDP"


def test_missing_columns_reported(seeded: World) -> None:
    record = run(seeded, csv_bytes(["foo", "bar"], [[1, 2]]))
    assert record.status == "rejected"
    assert record.problems[0]["code"] == "missing_columns"


def test_disability_more_than_total_is_an_error(seeded: World) -> None:
    record = run(seeded, incidents_csv(incident_row(1, girls_12_17=1, girls_12_17_disability=2)))
    assert record.status == "rejected"
    assert record.problems[0]["column"] == "girls_12_17_disability"


def test_disability_split_into_lines(seeded: World) -> None:
    record = run(seeded, incidents_csv(incident_row(1, girls_12_17=3, girls_12_17_disability=1)))
    assert record.status == "imported", problems(record)
    lines = set(
        IncidentPeople.objects.values_list("sex", "age_band__code", "with_disability", "count")
    )
    assert ("F", "12-17", True, 1) in lines
    assert ("F", "12-17", False, 2) in lines


def test_personal_data_in_narrative_is_a_warning_and_masked(seeded: World) -> None:
    row = incident_row(1, narrative="Called +223 76 12 34 56 to report.")
    record = run(seeded, incidents_csv(row))
    assert record.status == "imported"
    assert any(p["code"] == "personal_data" for p in record.problems)
    assert "76 12 34 56" not in Incident.objects.get().narrative


def test_partner_cannot_import_for_another_organisation(seeded: World) -> None:
    with pytest.raises(PermissionDenied):
        run(seeded, incidents_csv(), organisation=seeded.other_org)
    with pytest.raises(PermissionDenied):
        run(seeded, incidents_csv(), by=seeded.viewer)
    assert MonitoringImport.objects.count() == 0


def test_manager_imports_for_a_partner_only_under_its_delegation(seeded: World) -> None:
    with pytest.raises(PermissionDenied, match="has not authorised"):
        run(seeded, incidents_csv(), by=seeded.imo, organisation=seeded.amss)
    assert not MonitoringImport.objects.exists()
    delegation = delegation_grant(
        by=seeded.partner,
        operation=seeded.operation,
        organisation=seeded.amss,
        scope=Delegation.Scope.MONITORING,
    )
    record = run(seeded, incidents_csv(), by=seeded.imo, organisation=seeded.amss)
    assert record.status == "imported", problems(record)
    assert Incident.objects.get().organisation == seeded.amss
    created = AuditEntry.objects.get(entity_type="monitoring.incident", action="create")
    assert created.actor == seeded.imo
    delegation_revoke(by=seeded.partner, delegation=delegation)
    with pytest.raises(PermissionDenied):
        run(seeded, incidents_csv(), by=seeded.imo, organisation=seeded.amss)


def test_manager_cannot_overwrite_or_probe_another_organisations_gbv_record(
    seeded: World,
) -> None:
    """The outside test's finding: a coordinator ran an import for another organisation, the
    dry run confirmed a GBV record's identifier and the import replaced its narrative."""
    original = incident_row(1, risks="R08", violations="gbv_rape", narrative="Récit initial.")
    record = run(
        seeded, incidents_csv(original), by=seeded.other_partner, organisation=seeded.other_org
    )
    assert record.status == "imported", problems(record)
    hostile = incident_row(1, risks="R08", violations="gbv_rape", narrative="Remplacé.")
    for by in (seeded.coordinator, seeded.imo):
        for dry in (True, False):
            with pytest.raises(PermissionDenied):
                run(
                    seeded,
                    incidents_csv(hostile),
                    by=by,
                    organisation=seeded.other_org,
                    dry_run=dry,
                )
    incident = Incident.objects.get()
    assert incident.narrative == "Récit initial."
    assert MonitoringImport.objects.count() == 1
    # Nor through the services directly.
    with pytest.raises(PermissionDenied):
        incidents_save_many(
            operation=seeded.operation, organisation=seeded.other_org, by=seeded.imo, items=[]
        )
    with pytest.raises(PermissionDenied):
        incident_update(incident=incident, by=seeded.imo, data=incident_data_from(incident))
    with pytest.raises(PermissionDenied):
        incident_delete(incident=incident, by=seeded.coordinator)
    assert Incident.objects.filter(pk=incident.pk).exists()


def test_community_rows_of_another_organisation_are_refused(seeded: World) -> None:
    with pytest.raises(PermissionDenied):
        community_reports_save_many(
            operation=seeded.operation, organisation=seeded.other_org, by=seeded.imo, items=[]
        )


def test_annotated_workbook_marks_problem_cells(seeded: World) -> None:
    record = run(seeded, incidents_csv(incident_row(1, risks="zzz")), dry_run=True)
    assert record.status == "rejected"
    content = service.import_annotated_workbook(record=record)
    workbook = load_workbook(io.BytesIO(content))
    data = workbook.worksheets[0]
    column = INCIDENT_HEADERS.index("risks") + 1
    assert data.cell(row=2, column=column).comment is not None
    assert workbook.worksheets[1].max_row >= 2


def test_community_rows_imported_and_reimported(seeded: World) -> None:
    data = csv_bytes(COMMUNITY_HEADERS, [community_row(1), community_row(2, risks="R08")])
    record = run(seeded, data, kind=Kind.COMMUNITY)
    assert record.status == "imported", problems(record)
    assert CommunityReport.objects.count() == 2
    report = CommunityReport.objects.get(external_id="u-1")
    assert report.area.pcode == "ML0501"
    assert report.admin1.pcode == "ML05"
    assert report.access_to_services == "partial"
    assert report.coping == "reduce_movement, avoid_areas"
    risks = CommunityRisk.objects.filter(report=report)
    assert set(risks.values_list("risk__code", flat=True)) == {"R01", "R12"}
    assert set(risks[0].population_groups.values_list("code", flat=True)) == {"IDP", "HST"}
    assert AuditEntry.objects.filter(entity_type="monitoring.communityreport").count() == 1
    # Same file again, with a change: updated, no duplicates.
    data = csv_bytes(COMMUNITY_HEADERS, [community_row(1, risks="R02"), community_row(2)])
    record = run(seeded, data, kind=Kind.COMMUNITY)
    assert (record.created_count, record.updated_count) == (0, 2), problems(record)
    assert CommunityReport.objects.count() == 2
    assert list(
        CommunityRisk.objects.filter(report__external_id="u-1").values_list("risk__code", flat=True)
    ) == ["R02"]


def test_community_repeated_key_and_unknown_respondent(seeded: World) -> None:
    data = csv_bytes(
        COMMUNITY_HEADERS,
        [
            community_row(1),
            community_row(2, community="Village 1"),
            community_row(3, respondent="someone"),
        ],
    )
    record = run(seeded, data, kind=Kind.COMMUNITY)
    assert record.status == "rejected"
    codes = {(p["row"], p["code"]) for p in record.problems}
    assert (3, "repeated") in codes
    assert (4, "unknown_value") in codes
    assert CommunityReport.objects.count() == 0


def test_mapping_names_are_per_operation_and_kind(seeded: World) -> None:
    import_mappings.mapping_save(
        by=seeded.partner,
        operation=seeded.operation,
        organisation=seeded.amss,
        kind=Kind.INCIDENTS,
        name="Mine",
        columns={"Date": "occurred_on"},
    )
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        import_mappings.mapping_save(
            by=seeded.other_partner,
            operation=seeded.operation,
            organisation=seeded.other_org,
            kind=Kind.INCIDENTS,
            name="Mine",
            columns={"Date": "occurred_on"},
        )
    with pytest.raises(ValidationError):
        import_mappings.mapping_save(
            by=seeded.partner,
            operation=seeded.operation,
            organisation=seeded.amss,
            kind=Kind.INCIDENTS,
            name="Bad",
            columns={"Date": "not_a_field"},
        )
    assert MonitoringMapping.objects.count() == 1


def test_large_file_goes_to_the_background(
    seeded: World, django_capture_on_commit_callbacks: Any
) -> None:
    data = incidents_csv(*(incident_row(i) for i in range(1, 4)))
    with django_capture_on_commit_callbacks(execute=True):
        record = import_monitoring_start(
            by=seeded.partner,
            operation=seeded.operation,
            organisation=None,
            kind=Kind.INCIDENTS,
            file=io.BytesIO(data),
            file_name="big.csv",
            background=True,
        )
    record.refresh_from_db()
    assert record.status == "imported", problems(record)
    assert record.job is not None
    assert record.job.status == "succeeded"
    assert Incident.objects.count() == 3


def test_location_name_outside_parent_is_found_with_a_warning(seeded: World) -> None:
    """Old boundaries put places under another parent: the only Bandiagara there is is taken,
    and the file is told so (it used to be an unknown name)."""
    AdminArea.objects.get(pcode="ML04")
    headers = ["occurred_on", "admin1_name", "admin2_name", "risks", "source", "verification"]
    rows = [["2026-03-01", "Ségou", "Bandiagara", "R02", "hotline", "verified"]]
    record = run(seeded, csv_bytes(headers, rows))
    assert record.status == "imported", record.problems
    assert record.problems[0]["column"] == "admin2_name"
    assert record.problems[0]["severity"] == "warning"
    assert "found as ML0501, not under Ségou" in record.problems[0]["message"]
    assert Incident.objects.get().area.pcode == "ML0501"


def test_location_name_unknown_anywhere_is_an_error(seeded: World) -> None:
    headers = ["occurred_on", "admin1_name", "admin2_name", "risks", "source", "verification"]
    rows = [["2026-03-01", "Ségou", "Nowhereville", "R02", "hotline", "verified"]]
    record = run(seeded, csv_bytes(headers, rows))
    assert record.status == "rejected"
    assert record.problems[0]["column"] == "admin2_name"
    assert record.problems[0]["code"] == "unknown_name"
