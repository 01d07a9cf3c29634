from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tutela.core.models import AdminArea, AuditEntry
from tutela.core.pcodes import GazetteerIndex, area_match_name, name_key
from tutela.core.services.geography import BUNDLED_DIR, GeoLoadError, geo_load, geo_load_bundled

pytestmark = pytest.mark.django_db


def test_name_key_ignores_accents_case_and_punctuation():
    assert name_key("Ségou") == "segou"
    assert name_key("  SÉGOU ") == "segou"
    assert name_key("Bogotá, D.C.") == "bogota d c"


def test_bundled_mali_loads_every_level_with_parents_and_geometry():
    result = geo_load_bundled(country="MLI")
    assert result.created == AdminArea.objects.count()
    assert AdminArea.objects.filter(level=1).count() == 10
    bandiagara = AdminArea.objects.get(pcode="ML0501")
    assert bandiagara.parent.pcode == "ML05"
    assert bandiagara.country_pcode == "ML"
    assert bandiagara.geometry["type"] in {"Polygon", "MultiPolygon"}
    assert AdminArea.objects.filter(level=3, parent__isnull=True).count() == 0
    assert AuditEntry.objects.filter(entity_type="core.adminarea").count() == 1


def test_loading_again_updates_instead_of_duplicating():
    geo_load_bundled(country="COL")
    count = AdminArea.objects.count()
    again = geo_load_bundled(country="COL")
    assert again.created == 0
    assert again.updated == count
    assert AdminArea.objects.count() == count


def test_afghanistan_gazetteer_loads_without_geometry():
    geo_load_bundled(country="AFG")
    kabul = AdminArea.objects.get(pcode="AF01")
    assert kabul.name == "Kabul"
    assert kabul.geometry is None


def test_bad_gazetteer_loads_nothing_and_lists_every_problem(tmp_path: Path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "pcode,name,level,parent_pcode\n"
        "XX,Xland,0,\n"
        "XX01,Good,1,XX\n"
        "XX02,Orphan,1,ZZ\n"
        "XX0101,Wrong level,3,XX01\n"
        "XX01,Repeated,1,XX\n",
        encoding="utf-8",
    )
    with pytest.raises(GeoLoadError) as info:
        geo_load(gazetteer=bad, geojson_files=[])
    messages = [str(p) for p in info.value.problems]
    assert any("XX02" in m and "ZZ does not exist" in m for m in messages)
    assert any("XX0101" in m and "expected 2" in m for m in messages)
    assert any("repeated" in m for m in messages)
    assert AdminArea.objects.count() == 0


def test_geojson_without_pcode_is_refused(tmp_path: Path):
    broken = tmp_path / "broken.geojson"
    broken.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
        '{"name": "x", "admin_level": 0}, "geometry": {"type": "Point", "coordinates": [0, 0]}}]}'
    )
    with pytest.raises(GeoLoadError, match="no pcode"):
        geo_load(gazetteer=None, geojson_files=[broken])
    assert AdminArea.objects.count() == 0


def test_load_geo_command_exits_non_zero_on_bad_file(tmp_path: Path):
    bad = tmp_path / "bad.csv"
    bad.write_text("code,label\nX,Y\n")
    with pytest.raises(CommandError, match="nothing was loaded"):
        call_command("load_geo", "--gazetteer", str(bad))
    assert AdminArea.objects.count() == 0


def test_load_geo_command_loads_files_given_explicitly():
    call_command(
        "load_geo",
        "--gazetteer",
        str(BUNDLED_DIR / "col_gazetteer.csv"),
        str(BUNDLED_DIR / "col_adm0.geojson"),
        str(BUNDLED_DIR / "col_adm1.geojson"),
    )
    assert AdminArea.objects.get(pcode="CO11").name == "Bogotá, D.C."


def test_fuzzy_lookup_finds_segou_without_accent():
    geo_load_bundled(country="MLI")
    matches = area_match_name("Segou", country_pcode="ML", level=1)
    assert matches[0].area.pcode == "ML04"
    assert matches[0].exact


def test_fuzzy_lookup_tolerates_misspelling_and_is_not_exact():
    geo_load_bundled(country="MLI")
    index = GazetteerIndex.for_countries(["ML"])
    matches = index.match_name("Tombouctu", level=1)
    assert matches[0].area.pcode == "ML06"
    assert not matches[0].exact


def test_lookup_within_parent_and_pcode_checks():
    geo_load_bundled(country="MLI")
    index = GazetteerIndex.for_countries(["ML"])
    bandiagara = index.by_pcode("ml0501")
    assert bandiagara is not None
    assert bandiagara.name == "Bandiagara"
    assert index.is_within(bandiagara, "ML05")
    assert not index.is_within(bandiagara, "ML04")
    assert index.match_name("Bandiagara", level=2, parent_pcode="ML05")[0].area.pcode == "ML0501"
    assert index.match_name("Bandiagara", level=2, parent_pcode="ML04") == []
    assert index.by_pcode("ML9999") is None
