"""The HDX HXL 3W profile: a 3W/5W shaped like those shared on HDX (English headers of its own, an
HXL hashtag row, plural population words, status words in capitals, a cluster column the 5W has
no field for) goes in untouched with `tutela import_5w FILE --profile hxl-3w`."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tutela.activities.models import ActivityReport
from tutela.activities.services.import_profiles import profile_get
from tutela.activities.tests.import_fixtures import (  # noqa: F401
    Ops,
    ops_fixture,
)

pytestmark = pytest.mark.django_db

# Headers as a country team writes them (short, its own words): HXL tools read such a file by its
# hashtags, and so does the profile.
HEADERS = [
    "Partner",
    "Partner type",
    "Implementing",
    "Cluster",
    "Activity description",
    "Region",
    "Region Pcode",
    "District",
    "District Pcode",
    "Site/Village",
    "Target group",
    "Activity status",
    "Start",
    "End",
    "Reporting month",
    "F <18",
    "M <18",
    "F 18-59",
    "M 18-59",
    "F 60+",
    "M 60+",
    "Reached",
    "Comments",
]
TAGS = [
    "#org+prog+acronym",
    "#org+type",
    "#org+impl+name",
    "#sector+cluster",
    "#activity+name",
    "#adm1+name",
    "#adm1+code",
    "#adm2+name",
    "#adm2+code",
    "#loc+name",
    "#beneficiary+type",
    "#status",
    "#date+start",
    "#date+end",
    "#date+reported",
    "#reached+f+children",
    "#reached+m+children",
    "#reached+f+adults",
    "#reached+m+adults",
    "#reached+f+elderly",
    "#reached+m+elderly",
    "#reached",
    "#description+notes",
]
ROWS = [
    ["AMSS", "National NGO", "", "Protection", "Psychosocial support", "Mopti", "ML05",
     "Bandiagara", "ML0501", "Site de Wendou", "IDPs", "Ongoing", "2026-01-15", "2026-06-30",
     "2026-03", 5, 4, 10, 6, 1, 1, 27, "Group sessions"],
    ["AMSS", "National NGO", "", "Protection", "Psychosocial support", "Mopti", "ML05",
     "Bandiagara", "ML0501", "Site de Wendou", "Host community", "Completed", "2026-01-15",
     "2026-03-31", "2026-03", 2, 2, 3, 3, 0, 0, 10, ""],
]  # fmt: skip


def hxl_3w(path: Path) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows([HEADERS, TAGS, *ROWS])
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def test_the_profile_finds_columns_by_their_hashtags(ops: Ops) -> None:
    profile = profile_get(ops.world.operation, "hxl-3w")
    columns, values = profile.resolve(HEADERS, TAGS)
    assert columns["Partner"] == "organisation"
    assert columns["District Pcode"] == "admin2_pcode"
    assert columns["Target group"] == "population_group"
    assert columns["Reached"] == "total"
    assert columns["Site/Village"] == "site"
    assert values["population_group"]["IDPs"] == "IDP"


def test_an_hxl_3w_imports_untouched_with_the_profile(ops: Ops, tmp_path: Path) -> None:
    path = hxl_3w(tmp_path / "mli_3w_protection.csv")
    out = io.StringIO()
    call_command("import_5w", str(path), "--operation", "mali", "--profile", "hxl-3w", stdout=out)
    output = out.getvalue()
    assert "Status: Imported" in output, output
    assert "created: 2" in output
    reports = {r.population_group.code: r for r in ActivityReport.objects.all()}
    assert set(reports) == {"IDP", "HST"}
    assert reports["IDP"].status == "ongoing"
    assert reports["HST"].status == "completed"
    assert reports["IDP"].total == 27
    assert reports["IDP"].girls == 5
    assert reports["IDP"].site == "Site de Wendou"
    assert reports["IDP"].activity.code == "PRO-PSS"


def test_without_the_profile_the_same_file_is_not_read_right(ops: Ops, tmp_path: Path) -> None:
    path = hxl_3w(tmp_path / "mli_3w_protection.csv")
    out = io.StringIO()
    with pytest.raises(CommandError, match="rejected"):
        call_command("import_5w", str(path), "--operation", "mali", stdout=out)
    assert not ActivityReport.objects.exists()


def test_an_unknown_profile_names_the_known_ones(ops: Ops, tmp_path: Path) -> None:
    path = hxl_3w(tmp_path / "3w.csv")
    with pytest.raises(CommandError, match="hxl-3w"):
        call_command("import_5w", str(path), "--operation", "mali", "--profile", "nope")
