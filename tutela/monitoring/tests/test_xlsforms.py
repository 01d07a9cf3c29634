"""The generated XLSForms convert with pyxform, carry EN/FR labels and our codes, ask for no
name, and their Kobo exports import back with no mapping."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from openpyxl import load_workbook

from tutela.conftest import World
from tutela.monitoring.imports.xlsforms import (
    EN,
    FR,
    xlsform_community,
    xlsform_convert,
    xlsform_incidents,
)
from tutela.monitoring.models import CommunityReport, Incident, Kind
from tutela.monitoring.services.imports import import_monitoring_file
from tutela.monitoring.services.reference import monitoring_seed
from tutela.monitoring.tests.import_helpers import xlsx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(world: World) -> World:
    monitoring_seed(operation=world.operation)
    return world


def sheet_rows(content: bytes, name: str) -> list[dict[str, Any]]:
    sheet = load_workbook(io.BytesIO(content))[name]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    return [dict(zip(header, row, strict=False)) for row in rows[1:]]


def kobo_headers(content: bytes) -> dict[str, str]:
    """{question name: column header of a Kobo export ("group/name")}."""
    path: list[str] = []
    headers: dict[str, str] = {}
    for row in sheet_rows(content, "survey"):
        kind, name = row["type"], row["name"]
        if kind == "begin_group":
            path.append(name)
        elif kind == "end_group":
            path.pop()
        else:
            headers[name] = "/".join([*path, name])
    return headers


@pytest.mark.parametrize("build", [xlsform_incidents, xlsform_community])
def test_xlsform_converts_with_pyxform(seeded: World, build: Any) -> None:
    content = build(seeded.operation)
    warnings: list[str] = []
    xform = xlsform_convert(content, warnings)
    assert "<h:html" in xform
    assert 'lang="Français (fr)"' in xform
    assert 'lang="English (en)"' in xform
    for row in sheet_rows(content, "survey"):
        if row["type"] not in ("end_group",):
            assert row[EN], row
            assert row[FR], row
    # No question asks for a person's name.
    names = [row["name"] for row in sheet_rows(content, "survey")]
    assert not [n for n in names if re.search(r"(^|_)(name|nom)($|_)", n or "")]


def test_incident_form_uses_the_operations_codes(seeded: World) -> None:
    content = xlsform_incidents(seeded.operation)
    choices = sheet_rows(content, "choices")
    risks = {c["name"] for c in choices if c["list_name"] == "risk"}
    assert {"R01", "R08", "R15"} <= risks
    violations = {c["name"]: c["risk"] for c in choices if c["list_name"] == "violation"}
    assert violations["gbv_rape"] == "R08"
    admin2 = {c["name"]: c["admin1"] for c in choices if c["list_name"] == "admin2"}
    assert admin2["ML0501"] == "ML05"
    survey = {row["name"]: row for row in sheet_rows(content, "survey")}
    assert survey["displaced_households"]["relevant"] == "${displacement_caused} = 'yes'"
    assert survey["girls_12_17_disability"]["constraint"].endswith("${girls_12_17}")
    assert survey["violations"]["choice_filter"] == "selected(${risks}, risk)"


def test_kobo_submissions_of_the_incident_form_import_back(seeded: World) -> None:
    headers_of = kobo_headers(xlsform_incidents(seeded.operation))
    submission = {
        "occurred_on": "2026-04-02",
        "reported_on": "2026-04-03",
        "admin1_pcode": "ML05",
        "admin2_pcode": "ML0502",
        "risks": "R08 R02",
        "violations": "gbv_rape killing",
        "perpetrator": "nsag",
        "women": "1",
        "girls_12_17": "2",
        "girls_12_17_disability": "1",
        "population_group": "IDP",
        "displacement_caused": "yes",
        "displaced_households": "4",
        "services": "health legal",
        "source": "monitoring_visit",
        "verification": "partially_verified",
        "narrative": "",
    }
    headers = ["start", "end", *(headers_of[name] for name in submission)]
    headers += ["meta/instanceID", "_id", "_uuid", "_submission_time", "_index"]
    row = ["2026-04-03T09:00", "2026-04-03T09:10", *submission.values()]
    row += ["uuid:5f0c", 7, "5f0c", "2026-04-03T10:00:00", 1]
    # A Kobo export also splits each select_multiple into 0/1 columns per option.
    headers += ["violation/risks/R08", "violation/risks/R02"]
    row += [1, 1]
    record = import_monitoring_file(
        by=seeded.partner,
        operation=seeded.operation,
        organisation=None,
        file=io.BytesIO(xlsx_bytes(headers, [row])),
        file_name="kobo-export.xlsx",
    )
    assert record.status == "imported", record.problems
    assert record.warning_count == 0, record.problems
    incident = Incident.objects.get()
    assert incident.external_id == "5f0c"
    assert incident.primary_risk.code == "R08"
    assert incident.is_gbv
    assert incident.displaced_households == 4
    assert incident.people_affected == 3
    assert incident.people.filter(with_disability=True).get().count == 1


def test_kobo_submissions_of_the_community_form_import_back(seeded: World) -> None:
    headers_of = kobo_headers(xlsform_community(seeded.operation))
    submission = {
        "month": "2026-05-01",
        "admin1_pcode": "ML05",
        "admin2_pcode": "ML0501",
        "community": "Site 12",
        "respondent": "focus_group",
        "interviews": "2",
        "risks": "R01 R15",
        "perpetrators": "nsag state_forces",
        "affected_groups": "IDP",
        "coping": "reduce_movement",
        "access_to_services": "no",
    }
    headers = [headers_of[name] for name in submission] + ["_uuid"]
    row = [*submission.values(), "c-1"]
    record = import_monitoring_file(
        by=seeded.partner,
        operation=seeded.operation,
        organisation=None,
        kind=Kind.COMMUNITY,
        file=io.BytesIO(xlsx_bytes(headers, [row])),
        file_name="kobo-community.xlsx",
    )
    assert record.status == "imported", record.problems
    report = CommunityReport.objects.get()
    assert (report.respondent, report.access_to_services, report.interviews) == (
        "focus_group",
        "no",
        2,
    )
    assert set(report.risks.values_list("risk__code", flat=True)) == {"R01", "R15"}
