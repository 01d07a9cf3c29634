"""Import profiles: ACLED exports (legacy and current columns) taken as downloaded through
`tutela import_incidents --profile acled`, places found by coordinates and under another parent,
a profile exported and imported into another operation."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from tutela.conftest import World
from tutela.core.imports.profiles import ProfileError, profile_dump, profile_parse
from tutela.core.models import AuditEntry, ImportProfile
from tutela.core.services.geography import geo_load_bundled
from tutela.monitoring.models import Incident, MonitoringImport
from tutela.monitoring.services.import_mappings import mapping_save
from tutela.monitoring.services.import_profiles import (
    profile_get,
    profile_import,
    profiles_for,
    shipped_profiles,
)
from tutela.monitoring.services.reference import monitoring_seed
from tutela.monitoring.tests.acled_files import (
    EVENTS,
    LEFT_OUT,
    acled_current_csv,
    acled_legacy_csv,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def mali(world: World) -> World:
    """The operation with Mali's real COD-AB boundaries (admin 1-3) and its reference data."""
    geo_load_bundled(country="MLI")
    monitoring_seed(operation=world.operation)
    return world


def write(tmp_path: Path, data: bytes, name: str) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def run(path: str, *extra: str, **options: object) -> str:
    out = io.StringIO()
    call_command(
        "import_incidents",
        path,
        "--operation",
        "mali",
        "--org",
        "AMSS",
        "--profile",
        "acled",
        *extra,
        stdout=out,
        **options,
    )
    return out.getvalue()


def kept_per_cycle() -> int:
    return sum(1 for event in EVENTS if event[7] not in LEFT_OUT)


def test_shipped_acled_profile_documents_every_choice() -> None:
    profile = shipped_profiles()["acled"]
    table = profile.document["values"]["risks"]
    assert all(entry["why"] for entry in table)
    # Every sub-event type of ACLED's codebook is decided, one way or the other.
    decided = {entry["value"] for entry in table}
    assert {
        "Armed clash", "Government regains territory", "Non-state actor overtakes territory",
        "Chemical weapon", "Air/drone strike", "Suicide bomb", "Shelling/artillery/missile attack",
        "Remote explosive/landmine/IED", "Grenade", "Sexual violence", "Attack",
        "Abduction/forced disappearance", "Peaceful protest", "Protest with intervention",
        "Excessive force against protesters", "Violent demonstration", "Mob violence",
        "Agreement", "Arrests", "Change to group/activity", "Disrupted weapons use",
        "Headquarters or base established", "Looting/property destruction",
        "Non-violent transfer of territory", "Other",
    } <= decided  # fmt: skip
    assert set(profile.left_out()["risks"]) >= {"Agreement", "Peaceful protest", "Armed clash"}


def test_acled_legacy_export_imported_as_downloaded(mali: World, tmp_path: Path) -> None:
    path = write(tmp_path, acled_legacy_csv(36), "2020-01-01-2020-06-30-Mali.csv")
    text = run(path)
    record = MonitoringImport.objects.get()
    assert record.status == MonitoringImport.Status.IMPORTED, record.problems
    assert record.profile == "acled"
    assert record.rows_read == 36
    kept = 3 * kept_per_cycle()
    assert record.created_count == kept
    assert record.skipped_count == 36 - kept
    assert {(rule["value"], rule["rows"]) for rule in record.left_out} == {
        ("Agreement", 3),
        ("Peaceful protest", 3),
        ("Armed clash", 3),
    }
    assert f"Left out by rule: {36 - kept} row(s)" in text
    assert "Profile: acled" in text
    incidents = Incident.objects.filter(organisation=mali.amss)
    assert incidents.count() == kept
    attack = incidents.get(external_id="MLI1000")
    # "Menaka" under "Gao" in ACLED's names: found by its coordinates in the Ménaka region.
    assert attack.area.pcode.startswith("ML1001")
    assert attack.admin1.pcode == "ML10"
    assert attack.fatalities == 3
    assert attack.source_name == "Studio Tamani; Radio France Internationale"
    assert attack.source.code == "secondary_source"
    assert attack.verification.code == "unverified"
    assert attack.perpetrator.code == "nsag"
    assert attack.primary_risk.number == 2
    assert attack.occurred_on.isoformat() == "2020-01-01"
    assert attack.site == "Menaka"
    # Both legacy forms of dates: "02 January 2020" and "02-January-2020".
    assert incidents.get(external_id="MLI1001").occurred_on.isoformat() == "2020-01-02"
    sexual = incidents.get(external_id="MLI1003")
    assert sexual.is_gbv
    assert sexual.primary_risk.number == 8
    assert incidents.get(external_id="MLI1002").risks.get().violation.code == "ied"
    assert incidents.get(external_id="MLI1010").risks.get().violation.code == "arbitrary_arrest"
    assert incidents.get(external_id="MLI1010").perpetrator.code == "state_forces"
    warnings = [p["message"] for p in record.problems if p["severity"] == "warning"]
    assert any("found as ML1001, not under Gao" in w for w in warnings), warnings
    # Boni is a village, not a commune: placed by its coordinates, with a warning.
    boni = incidents.get(external_id="MLI1009")
    assert boni.area.pcode.startswith("ML0504")
    assert any("placed by its coordinates" in w and "Boni" in w for w in warnings), warnings


def test_acled_current_export_imported_as_downloaded(mali: World, tmp_path: Path) -> None:
    path = write(tmp_path, acled_current_csv(24), "acled_2024.csv")
    run(path)
    record = MonitoringImport.objects.get()
    assert record.status == MonitoringImport.Status.IMPORTED, record.problems
    assert record.created_count == 2 * kept_per_cycle()
    assert record.skipped_count == 6
    first = Incident.objects.get(external_id="MLI5000")
    assert first.occurred_on.isoformat() == "2024-01-01"
    assert first.perpetrator.code == "nsag"
    assert Incident.objects.get(external_id="MLI5010").perpetrator.code == "state_forces"


def test_acled_reimport_updates_and_dry_run_saves_nothing(mali: World, tmp_path: Path) -> None:
    path = write(tmp_path, acled_legacy_csv(12), "acled.csv")
    text = run(path, "--dry-run")
    assert f"created: {kept_per_cycle()}" in text
    assert Incident.objects.count() == 0
    run(path)
    run(path)
    last = MonitoringImport.objects.order_by("-pk").first()
    assert last is not None
    assert last.updated_count == kept_per_cycle()
    assert last.created_count == 0
    assert Incident.objects.count() == kept_per_cycle()


def test_unknown_profile_is_refused(mali: World, tmp_path: Path) -> None:
    path = write(tmp_path, acled_legacy_csv(3), "acled.csv")
    with pytest.raises(CommandError, match="No incidents profile “acledd”"):
        call_command("import_incidents", path, operation="mali", org="AMSS", profile="acledd")
    assert not MonitoringImport.objects.exists()


def test_profile_exported_and_imported_into_another_operation(mali: World, tmp_path: Path) -> None:
    document = json.loads(profile_dump(profile_get(mali.operation, "incidents", "acled")))
    # The other operation's IMO changes a choice: arrests are left out there.
    for entry in document["values"]["risks"]:
        if entry["value"] == "Arrests":
            entry["code"] = None
    document["name"] = "acled-strict"
    profile_import(
        operation=mali.operation, by=mali.coordinator, data=json.dumps(document).encode()
    )
    assert AuditEntry.objects.filter(entity_type="core.importprofile", action="create").exists()
    assert set(profiles_for(mali.operation, "incidents")) >= {"acled", "acled-strict"}
    path = write(tmp_path, acled_legacy_csv(12), "acled.csv")
    out = io.StringIO()
    call_command(
        "import_incidents", path, operation="mali", org="AMSS", profile="acled-strict", stdout=out
    )
    record = MonitoringImport.objects.get()
    assert record.skipped_count == 4
    assert not Incident.objects.filter(external_id="MLI1010").exists()


def test_partner_may_not_import_a_profile(mali: World) -> None:
    data = profile_dump(shipped_profiles()["acled"])
    with pytest.raises(PermissionDenied):
        profile_import(operation=mali.operation, by=mali.partner, data=data)
    assert not ImportProfile.objects.exists()


def test_a_broken_profile_file_lists_every_problem() -> None:
    with pytest.raises(ProfileError) as caught:
        profile_parse(json.dumps({"format": "x", "columns": [], "values": {"risks": 3}}))
    assert len(caught.value.problems) >= 4
    with pytest.raises(ProfileError):
        profile_parse(b"{not json")


def test_import_profiles_command_lists_exports_and_loads(mali: World, tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("import_profiles", operation="mali", stdout=out)
    assert "acled\ttutela\tACLED export" in out.getvalue()
    exported = tmp_path / "acled.json"
    call_command("import_profiles", operation="mali", export="acled", output=exported)
    document = json.loads(exported.read_text())
    document["name"] = "acled-copy"
    exported.write_text(json.dumps(document))
    call_command("import_profiles", operation="mali", load=exported, stdout=io.StringIO())
    assert ImportProfile.objects.get().name == "acled-copy"
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "tutela-import-profile"}')
    with pytest.raises(CommandError, match="not a valid profile"):
        call_command("import_profiles", operation="mali", load=broken, stderr=io.StringIO())
    assert ImportProfile.objects.count() == 1


FRENCH_HEADERS = [
    "Numéro incident", "Date de l'incident", "Région", "Cercle", "Commune", "Village",
    "Type d'incident", "Auteur présumé", "Source", "Statut de vérification",
    "Déplacement provoqué", "Ménages déplacés", "Description des faits",
]  # fmt: skip
FRENCH_ROWS = [
    ["AMSS-001", "12/03/2026", "Mopti", "Douentza", "Douentza", "Petaka",
     "Enlèvement; Menace", "Groupe armé non étatique", "Informateur clé", "Non vérifié",
     "Oui", "12", "Deux commerçants enlevés sur la route de Petaka."],
    ["AMSS-002", "14/03/2026", "Gao", "Ménaka", "Ménaka", "Tinfagat",
     "Menace", "ND", "Informateur clé", "Vérifié", "ND", "ND", "Menaces contre les éleveurs."],
    ["AMSS-003", "15/03/2026", "Segou", "Niono", "Niono", "Siengo extension",
     "Extorsion", "ND", "Visite de monitoring de protection", "Non vérifié", "Non", "",
     "ND"],
    ["AMSS-004", "ND", "Mopti", "Douentza", "Douentza", "Boni",
     "Enlèvement", "Groupe armé non étatique", "Informateur clé", "Non vérifié", "Non", "", ""],
]  # fmt: skip


def french_csv(rows: list[list[str]]) -> bytes:
    # As Excel in French saves a CSV: semicolons (cells holding one quoted), a byte-order mark.
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(FRENCH_HEADERS)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def test_french_incident_list_with_villages_and_nd_markers(mali: World, tmp_path: Path) -> None:
    # The network writes "Menace" for threats: said once in a saved mapping, then reused.
    mapping_save(
        by=None,
        operation=mali.operation,
        organisation=None,
        kind="incidents",
        name="Réseau AMSS",
        columns={},
        values={"risks": {"Menace": "threats"}},
    )
    path = write(tmp_path, french_csv(FRENCH_ROWS[:3]), "incidents_mars.csv")
    out = io.StringIO()
    call_command(
        "import_incidents", path, operation="mali", org="AMSS", mapping="Réseau AMSS", stdout=out
    )
    assert "Status: Imported" in out.getvalue()
    record = MonitoringImport.objects.get()
    assert record.status == MonitoringImport.Status.IMPORTED, record.problems
    assert record.created_count == 3
    first = Incident.objects.get(external_id="AMSS-001")
    assert first.site == "Petaka"
    assert first.area.pcode == "ML050406"
    assert sorted(r.violation.code for r in first.risks.all()) == ["abduction", "threats"]
    assert first.displaced_households == 12
    second = Incident.objects.get(external_id="AMSS-002")
    # "ND": nothing given (no perpetrator, no displacement), not an unknown value.
    assert second.perpetrator is None
    assert second.displacement_caused is False
    assert second.area.pcode == "ML100101"
    assert any("not under Gao" in p["message"] for p in record.problems)
    assert Incident.objects.get(external_id="AMSS-003").narrative == ""
    # A row whose date is "ND" is an error (the date is required), named by its row.
    path = write(tmp_path, french_csv(FRENCH_ROWS), "incidents_mars_v2.csv")
    with pytest.raises(CommandError, match="rejected"):
        call_command(
            "import_incidents",
            path,
            operation="mali",
            org="AMSS",
            mapping="Réseau AMSS",
            stdout=io.StringIO(),
        )
    rejected = MonitoringImport.objects.order_by("-pk").first()
    assert rejected is not None
    assert [p["row"] for p in rejected.problems if p["severity"] == "error"] == [5]
