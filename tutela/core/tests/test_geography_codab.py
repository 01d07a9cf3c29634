"""OCHA COD-AB boundary files loaded as published (ADMn_PCODE, ADMn_EN/FR/ES fields), a COD-AB
gazetteer table, and a gazetteer saved with semicolons (Excel in French)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
import shapefile
from django.core.management import call_command

from tutela.core.models import AdminArea
from tutela.core.services.geography import BUNDLED_DIR, GeoLoadError, geo_load

pytestmark = pytest.mark.django_db


def codab(level: int, source: str, tmp_path: Path) -> Path:
    """The bundled Mali level as COD-AB publishes it: `mli_admbnda_adm{level}_1m_gov`."""
    data = json.loads((BUNDLED_DIR / source).read_text())
    parents = {}
    if level == 2:
        adm1 = json.loads((BUNDLED_DIR / "mli_adm1.geojson").read_text())
        parents = {f["properties"]["pcode"]: f["properties"]["name"] for f in adm1["features"]}
    for feature in data["features"]:
        old = feature["properties"]
        props = {
            "Shape_Leng": 1.5,
            f"ADM{level}_FR": old["name"],
            f"ADM{level}_PCODE": old["pcode"],
            f"ADM{level}_REF": None,
            "ADM0_FR": "Mali",
            "ADM0_PCODE": "ML",
            "date": "2015/06/01",
            "validOn": "2021/12/20",
        }
        if level == 2:
            props.update(ADM1_FR=parents[old["parent_pcode"]], ADM1_PCODE=old["parent_pcode"])
        feature["properties"] = props
    path = tmp_path / f"mli_admbnda_adm{level}_1m_gov_20211220.geojson"
    path.write_text(json.dumps(data))
    return path


def test_codab_geojson_files_load_as_published(tmp_path: Path) -> None:
    adm0 = json.loads((BUNDLED_DIR / "mli_adm0.geojson").read_text())
    adm0["features"][0]["properties"] = {"ADM0_FR": "Mali", "ADM0_PCODE": "ML"}
    adm0_path = tmp_path / "mli_admbnda_adm0_1m_gov_20211220.geojson"
    adm0_path.write_text(json.dumps(adm0))
    files = [
        adm0_path,
        codab(1, "mli_adm1.geojson", tmp_path),
        codab(2, "mli_adm2.geojson", tmp_path),
    ]
    out = io.StringIO()
    call_command("load_geo", *[str(f) for f in files], "--languages", "fr,en", stdout=out)
    assert "with boundaries" in out.getvalue()
    menaka = AdminArea.objects.get(pcode="ML1001")
    assert (menaka.name, menaka.level, getattr(menaka.parent, "pcode", None)) == (
        "Ménaka",
        2,
        "ML10",
    )
    assert menaka.geometry is not None
    assert AdminArea.objects.get(pcode="ML").level == 0
    source = json.loads((BUNDLED_DIR / "mli_adm2.geojson").read_text())
    assert AdminArea.objects.filter(level=2).count() == len(source["features"])


def test_codab_gazetteer_table_and_semicolons(tmp_path: Path) -> None:
    path = tmp_path / "mli_adminboundaries_tabulardata.csv"
    path.write_text(
        "ADM2_FR;ADM2_PCODE;ADM1_FR;ADM1_PCODE;ADM0_FR;ADM0_PCODE\n"
        "Ansongo;ML0701;Gao;ML07;Mali;ML\n"
        "Bourem;ML0702;Gao;ML07;Mali;ML\n"
        "Ménaka;ML1001;Ménaka;ML10;Mali;ML\n",
        encoding="utf-8-sig",
    )
    geo_load(gazetteer=path, geojson_files=[])
    assert getattr(AdminArea.objects.get(pcode="ML0702").parent, "pcode", None) == "ML07"
    assert AdminArea.objects.count() == 6


def test_semicolon_gazetteer_in_tutela_format_is_read(tmp_path: Path) -> None:
    path = tmp_path / "gazetteer.csv"
    path.write_text("pcode;name;level;parent_pcode\nML;Mali;0;\nML07;Gao;1;ML\n")
    geo_load(gazetteer=path, geojson_files=[])
    assert AdminArea.objects.get(pcode="ML07").name == "Gao"


def test_codab_feature_without_pcode_values_is_listed(tmp_path: Path) -> None:
    path = tmp_path / "bad.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "properties": {"ADM1_FR": "Gao"}, "geometry": None}
                ],
            }
        )
    )
    with pytest.raises(GeoLoadError, match="COD-AB"):
        geo_load(gazetteer=None, geojson_files=[path])
    assert not AdminArea.objects.exists()


WGS84_PRJ = (
    'GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],'
    'PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]'
)


def zipped_shapefile(tmp_path: Path, *, prj: str = WGS84_PRJ) -> Path:
    """Mali's admin 1 as COD-AB publishes it: mli_admbnda_adm1_1m_gov_20211220.shp (+ .dbf, .shx,
    .prj) in a zip, with ADM1_FR/ADM1_PCODE/ADM0_FR/ADM0_PCODE fields."""
    source = json.loads((BUNDLED_DIR / "mli_adm1.geojson").read_text())
    shp, shx, dbf = io.BytesIO(), io.BytesIO(), io.BytesIO()
    writer = shapefile.Writer(shp=shp, shx=shx, dbf=dbf, shapeType=shapefile.POLYGON)
    for name in ("ADM1_FR", "ADM1_PCODE", "ADM0_FR", "ADM0_PCODE"):
        writer.field(name, "C", size=50)
    for feature in source["features"]:
        geometry = feature["geometry"]
        rings = (
            geometry["coordinates"]
            if geometry["type"] == "Polygon"
            else [ring for polygon in geometry["coordinates"] for ring in polygon]
        )
        writer.poly(rings)
        props = feature["properties"]
        writer.record(props["name"], props["pcode"], "Mali", "ML")
    writer.close()
    path = tmp_path / "mli_adm_1m_gov_20211220_shp.zip"
    stem = "mli_admbnda_adm1_1m_gov_20211220"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{stem}.shp", shp.getvalue())
        archive.writestr(f"{stem}.shx", shx.getvalue())
        archive.writestr(f"{stem}.dbf", dbf.getvalue())
        archive.writestr(f"{stem}.prj", prj)
    return path


def test_zipped_codab_shapefile_loads_as_published(tmp_path: Path) -> None:
    gazetteer = tmp_path / "country.csv"
    gazetteer.write_text("pcode,name,level,parent_pcode\nML,Mali,0,\n")
    out = io.StringIO()
    call_command(
        "load_geo", str(zipped_shapefile(tmp_path)), "--gazetteer", str(gazetteer), stdout=out
    )
    gao = AdminArea.objects.get(pcode="ML07")
    assert (gao.name, gao.level, getattr(gao.parent, "pcode", None)) == ("Gao", 1, "ML")
    assert (gao.geometry or {}).get("type") in {"Polygon", "MultiPolygon"}
    assert AdminArea.objects.filter(level=1, geometry__isnull=False).count() == 10


def test_shapefile_in_another_projection_is_refused(tmp_path: Path) -> None:
    path = zipped_shapefile(tmp_path, prj='PROJCS["Adindan_UTM_Zone_30N",UNIT["Meter",1.0]]')
    with pytest.raises(GeoLoadError, match="WGS84"):
        geo_load(gazetteer=None, geojson_files=[path])
    assert not AdminArea.objects.exists()
