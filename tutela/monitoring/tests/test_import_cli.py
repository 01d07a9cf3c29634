"""`tutela import_incidents` and `tutela export_xlsform`."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from pyxform.xls2xform import convert

from tutela.conftest import World
from tutela.monitoring.models import CommunityReport, Incident, MonitoringImport
from tutela.monitoring.services.import_mappings import mapping_save
from tutela.monitoring.services.reference import monitoring_seed
from tutela.monitoring.tests.import_helpers import (
    COMMUNITY_HEADERS,
    community_row,
    csv_bytes,
    incident_row,
    incidents_csv,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(world: World) -> World:
    monitoring_seed(operation=world.operation)
    return world


def write(tmp_path: Path, data: bytes, name: str = "incidents.csv") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_import_incidents_prints_a_summary(seeded: World, tmp_path: Path) -> None:
    path = write(tmp_path, incidents_csv(incident_row(1), incident_row(2)))
    out = io.StringIO()
    call_command("import_incidents", path, operation="mali", org="AMSS", stdout=out)
    text = out.getvalue()
    assert "Status: Imported" in text
    assert "created: 2" in text
    assert Incident.objects.filter(organisation=seeded.amss).count() == 2
    assert MonitoringImport.objects.get().user is None


def test_dry_run_saves_nothing(seeded: World, tmp_path: Path) -> None:
    path = write(tmp_path, incidents_csv(incident_row(1)))
    out = io.StringIO()
    call_command("import_incidents", path, operation="mali", org="AMSS", dry_run=True, stdout=out)
    assert "created: 1" in out.getvalue()
    assert Incident.objects.count() == 0


def test_errors_exit_non_zero_and_print_the_problems(seeded: World, tmp_path: Path) -> None:
    path = write(tmp_path, incidents_csv(incident_row(1, source="pigeon")))
    out = io.StringIO()
    with pytest.raises(CommandError, match="rejected"):
        call_command("import_incidents", path, operation="mali", org="AMSS", stdout=out)
    assert "row 2" in out.getvalue()
    assert "pigeon" in out.getvalue()
    assert Incident.objects.count() == 0


def test_community_kind_and_mapping(seeded: World, tmp_path: Path) -> None:
    mapping_save(
        by=None,
        operation=seeded.operation,
        organisation=None,
        kind="community",
        name="P21",
        columns={"Village": "community"},
        values={"respondent": {"KI": "key_informant"}},
    )
    headers = [h if h != "community" else "Village" for h in COMMUNITY_HEADERS]
    row = community_row(1, respondent="KI")
    row["Village"] = row.pop("community")
    path = write(tmp_path, csv_bytes(headers, [row]), "p21.csv")
    call_command(
        "import_incidents",
        path,
        operation="mali",
        org="DRC",
        kind="community",
        mapping="P21",
        stdout=io.StringIO(),
    )
    assert CommunityReport.objects.get().organisation == seeded.drc


def test_unknown_operation_org_mapping_or_file(seeded: World, tmp_path: Path) -> None:
    path = write(tmp_path, incidents_csv())
    with pytest.raises(CommandError):
        call_command("import_incidents", path, operation="nowhere", org="AMSS")
    with pytest.raises(CommandError):
        call_command("import_incidents", path, operation="mali", org="NOPE")
    with pytest.raises(CommandError):
        call_command("import_incidents", path, operation="mali", org="AMSS", mapping="x")
    with pytest.raises(CommandError):
        call_command(
            "import_incidents", str(tmp_path / "missing.csv"), operation="mali", org="AMSS"
        )
    # A partner named with --as may not import for another organisation.
    with pytest.raises(CommandError):
        call_command(
            "import_incidents", path, operation="mali", org="DRC", as_user="focal@amss.test"
        )
    assert Incident.objects.count() == 0


@pytest.mark.parametrize("form", ["incidents", "community"])
def test_export_xlsform_writes_a_form_pyxform_converts(
    seeded: World, tmp_path: Path, form: str
) -> None:
    target = tmp_path / f"{form}.xlsx"
    out = io.StringIO()
    call_command("export_xlsform", operation="mali", form=form, output=str(target), stdout=out)
    assert target.exists()
    result = convert(xlsform=str(target), validate=False)
    assert "<h:html" in result.xform
