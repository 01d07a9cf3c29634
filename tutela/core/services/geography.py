"""Loading admin boundaries and gazetteers (the format of data/geo/, see its README).

A load is validated whole before anything is written, then written in one transaction: a bad file
loads nothing. Loading the same files again updates areas in place (keyed by P-code).

Files are read in a child process with memory and CPU limits (tutela.core.sandbox), after a size
check (TUTELA_GEO_MAX_BYTES): a GeoJSON nested a million levels deep or inflated to gigabytes is a
problem listed like any other, not the end of the process.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapefile
from django.conf import settings
from django.db import transaction

from tutela.core import sandbox
from tutela.core.models import AdminArea, AuditEntry, User
from tutela.core.pcodes import name_key
from tutela.core.services.audit import audit_write

GAZETTEER_COLUMNS = ["pcode", "name", "level", "parent_pcode"]
# OCHA COD-AB fields as published: ADM2_PCODE, ADM2_EN / ADM2_FR / ADM2_ES..., ADM1_PCODE.
_CODAB_PCODE = re.compile(r"^adm(\d)_pcode$", re.IGNORECASE)
_CODAB_NAME = re.compile(r"^adm(\d)_([a-z]{2})$", re.IGNORECASE)
# Names taken in this order of languages when a COD-AB file has several (ADM1_FR before
# ADM1_EN for an operation in French): `geo_load(languages=...)` sets it.
DEFAULT_LANGUAGES = ("en", "fr", "es", "pt")
MAX_LEVEL = 5
# Biggest boundary or gazetteer file read (settings: TUTELA_GEO_MAX_BYTES).
MAX_BYTES = 200 * 1024 * 1024


@dataclass
class GeoProblem:
    file: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}, {self.where}: {self.message}"


class GeoLoadError(Exception):
    def __init__(self, problems: list[GeoProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems[:50]))


@dataclass
class GeoLoadResult:
    created: int = 0
    updated: int = 0
    with_geometry: int = 0
    countries: list[str] = field(default_factory=list)


@dataclass
class _Row:
    pcode: str
    name: str
    level: int
    parent_pcode: str | None
    source: str
    geometry: dict[str, Any] | None = None


def _codab_levels(props: dict[str, Any]) -> dict[int, str]:
    """{level: P-code} of a COD-AB record (its ADMn_PCODE fields that hold a value)."""
    levels: dict[int, str] = {}
    for key, value in props.items():
        found = _CODAB_PCODE.match(str(key))
        if found and value not in (None, "") and int(found.group(1)) <= MAX_LEVEL:
            levels[int(found.group(1))] = str(value).strip().upper()
    return levels


def _codab_name(props: dict[str, Any], level: int, languages: Iterable[str]) -> str:
    """The level's name in the first of `languages` the record has, else its ADMn_REF, else any
    ADMn_xx name."""
    names: dict[str, str] = {}
    for key, value in props.items():
        found = _CODAB_NAME.match(str(key))
        if found and int(found.group(1)) == level and str(value or "").strip():
            names[found.group(2).lower()] = str(value).strip()
    for language in (*languages, "ref"):
        if names.get(language):
            return names[language]
    return next(iter(names.values()), "")


def _codab_rows(
    props: dict[str, Any], source: str, languages: Iterable[str], *, deepest_only: bool
) -> list[_Row]:
    """The areas a COD-AB record names: its deepest level (a boundary feature), or every level
    (a row of a COD-AB gazetteer table)."""
    levels = _codab_levels(props)
    if not levels:
        return []
    wanted = [max(levels)] if deepest_only else sorted(levels)
    return [
        _Row(
            pcode=levels[level],
            name=_codab_name(props, level, languages),
            level=level,
            parent_pcode=levels.get(level - 1) if level > 0 else None,
            source=source,
        )
        for level in wanted
    ]


def _read_gazetteer(
    path: Path, problems: list[GeoProblem], languages: Iterable[str] = DEFAULT_LANGUAGES
) -> dict[str, _Row]:
    rows: dict[str, _Row] = {}
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        problems.append(GeoProblem(path.name, "file", "not UTF-8 text"))
        return rows
    except OSError as exc:
        problems.append(GeoProblem(path.name, "file", f"cannot be read ({exc.strerror})"))
        return rows
    first = text.split("\n", 1)[0]
    # Excel in French, Spanish or Portuguese saves CSV with semicolons: read them as such.
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    try:
        return _gazetteer_rows(path, reader, problems, languages)
    except csv.Error as exc:
        problems.append(GeoProblem(path.name, f"line {reader.line_num}", f"not valid CSV ({exc})"))
        return {}


def _gazetteer_rows(
    path: Path,
    reader: csv.DictReader[str],
    problems: list[GeoProblem],
    languages: Iterable[str] = DEFAULT_LANGUAGES,
) -> dict[str, _Row]:
    rows: dict[str, _Row] = {}
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in GAZETTEER_COLUMNS if c not in header]
    if missing and any(_CODAB_PCODE.match(h) for h in header):
        return _codab_table(path, reader, problems, languages)
    if missing:
        problems.append(
            GeoProblem(
                path.name,
                "header",
                f"missing column(s) {', '.join(missing)}; expected {','.join(GAZETTEER_COLUMNS)}",
            )
        )
        return rows
    for line_no, raw in enumerate(reader, start=2):
        where = f"line {line_no}"
        pcode = (raw.get("pcode") or "").strip().upper()
        name = (raw.get("name") or "").strip()
        level_text = (raw.get("level") or "").strip()
        parent = (raw.get("parent_pcode") or "").strip().upper() or None
        if not pcode:
            problems.append(GeoProblem(path.name, where, "empty pcode"))
            continue
        if not name:
            problems.append(GeoProblem(path.name, where, f"{pcode}: empty name"))
        if not level_text.isdigit() or int(level_text) > MAX_LEVEL:
            problems.append(
                GeoProblem(path.name, where, f"{pcode}: level must be 0 to {MAX_LEVEL}")
            )
            continue
        if pcode in rows:
            problems.append(GeoProblem(path.name, where, f"{pcode}: P-code repeated"))
            continue
        rows[pcode] = _Row(pcode, name, int(level_text), parent, f"{path.name} {where}")
    if not rows and not problems:
        problems.append(GeoProblem(path.name, "file", "no rows"))
    return rows


def _codab_table(
    path: Path, reader: csv.DictReader[str], problems: list[GeoProblem], languages: Iterable[str]
) -> dict[str, _Row]:
    """A COD-AB gazetteer table (one row per lowest-level area, with the P-codes and names of
    every level above it): every area once."""
    rows: dict[str, _Row] = {}
    for line_no, raw in enumerate(reader, start=2):
        found = _codab_rows(
            {k.strip(): v for k, v in raw.items() if k},
            f"{path.name} line {line_no}",
            languages,
            deepest_only=False,
        )
        if not found:
            problems.append(GeoProblem(path.name, f"line {line_no}", "no ADMn_PCODE value"))
        for row in found:
            known = rows.get(row.pcode)
            if known is None:
                rows[row.pcode] = row
            elif (known.level, known.parent_pcode) != (row.level, row.parent_pcode):
                problems.append(
                    GeoProblem(path.name, f"line {line_no}", f"{row.pcode}: two different parents")
                )
    if not rows and not problems:
        problems.append(GeoProblem(path.name, "file", "no rows"))
    return rows


def _read_geojson(
    path: Path, problems: list[GeoProblem], languages: Iterable[str] = DEFAULT_LANGUAGES
) -> list[_Row]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except RecursionError:
        problems.append(GeoProblem(path.name, "file", "not valid GeoJSON (nested too deeply)"))
        return []
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        problems.append(GeoProblem(path.name, "file", f"not valid GeoJSON ({exc})"))
        return []
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        problems.append(GeoProblem(path.name, "file", "not a GeoJSON FeatureCollection"))
        return []
    return _feature_rows(path.name, data.get("features") or [], problems, languages)


def _read_shapefile_zip(
    path: Path, problems: list[GeoProblem], languages: Iterable[str] = DEFAULT_LANGUAGES
) -> list[_Row]:
    """A zipped ESRI shapefile as COD-AB publishes it (one .shp with its .dbf, .shx and .prj),
    read with pyshp; coordinates must be WGS84 longitudes and latitudes."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = {info.filename.lower(): info for info in archive.infolist()}
            shps = [name for name in members if name.endswith(".shp")]
            if len(shps) != 1:
                problems.append(
                    GeoProblem(path.name, "file", f"holds {len(shps)} .shp files; give one a zip")
                )
                return []
            stem = shps[0][:-4]
            limit = int(getattr(settings, "TUTELA_GEO_MAX_BYTES", MAX_BYTES))
            if sum(info.file_size for info in members.values()) > limit:
                problems.append(GeoProblem(path.name, "file", "unzips to more than the limit"))
                return []

            def member(extension: str) -> io.BytesIO | None:
                info = members.get(stem + extension)
                return io.BytesIO(archive.read(info)) if info is not None else None

            prj = member(".prj")
            if prj is not None and not re.search(r"WGS.?(19)?84", prj.read().decode("latin-1")):
                problems.append(
                    GeoProblem(path.name, "file", "not in WGS84 longitudes and latitudes (.prj)")
                )
                return []
            dbf = member(".dbf")
            if dbf is None:
                problems.append(GeoProblem(path.name, "file", "no .dbf beside the .shp"))
                return []
            reader = shapefile.Reader(shp=member(".shp"), dbf=dbf, shx=member(".shx"))
            features = [
                {
                    "type": "Feature",
                    "properties": item.record.as_dict(),
                    "geometry": item.shape.__geo_interface__,
                }
                for item in reader.iterShapeRecords()
            ]
    except (zipfile.BadZipFile, shapefile.ShapefileException, OSError, ValueError) as exc:
        problems.append(GeoProblem(path.name, "file", f"not a zipped shapefile ({exc})"))
        return []
    return _feature_rows(path.name, features, problems, languages)


def _feature_rows(
    file_name: str, features: list[Any], problems: list[GeoProblem], languages: Iterable[str]
) -> list[_Row]:
    """The areas of GeoJSON features (Tutela's properties or COD-AB's)."""
    out: list[_Row] = []
    for index, feature in enumerate(features, start=1):
        where = f"feature {index}"
        props = feature.get("properties") if isinstance(feature, dict) else None
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if not isinstance(props, dict):
            problems.append(GeoProblem(file_name, where, "no properties"))
            continue
        codab = _codab_rows(props, f"{file_name} {where}", languages, deepest_only=True)
        level: Any
        if not props.get("pcode") and codab:
            # A COD-AB file as published: ADMn_PCODE, ADMn_EN/FR/ES... fields.
            pcode, level = codab[0].pcode, codab[0].level
            props = {"name": codab[0].name, "parent_pcode": codab[0].parent_pcode}
        else:
            pcode = str(props.get("pcode") or "").strip().upper()
            level = props.get("admin_level")
        if not pcode:
            problems.append(
                GeoProblem(file_name, where, "no pcode property (nor COD-AB ADMn_PCODE fields)")
            )
            continue
        if not isinstance(level, int) or not 0 <= level <= MAX_LEVEL:
            problems.append(GeoProblem(file_name, where, f"{pcode}: admin_level must be 0 to 5"))
            continue
        if not isinstance(geometry, dict) or geometry.get("type") not in {
            "Polygon",
            "MultiPolygon",
        }:
            problems.append(
                GeoProblem(file_name, where, f"{pcode}: geometry must be a Polygon or MultiPolygon")
            )
            continue
        parent = props.get("parent_pcode")
        out.append(
            _Row(
                pcode=pcode,
                name=str(props.get("name") or "").strip(),
                level=level,
                parent_pcode=str(parent).strip().upper() if parent else None,
                source=f"{file_name} {where}",
                geometry=geometry,
            )
        )
    return out


def _read_bounded(
    reader: Callable[[Path, list[GeoProblem]], Any], path: Path, problems: list[GeoProblem]
) -> Any:
    """`reader(path, problems)` run in a child process with memory and CPU limits, after a size
    check; its problems added to `problems`."""
    limit = int(getattr(settings, "TUTELA_GEO_MAX_BYTES", MAX_BYTES))
    try:
        size = path.stat().st_size
    except OSError as exc:
        problems.append(GeoProblem(path.name, "file", f"cannot be read ({exc.strerror})"))
        return None

    if size > limit:
        problems.append(
            GeoProblem(path.name, "file", f"{size // 2**20} MB; the limit is {limit // 2**20} MB")
        )
        return None

    def read() -> tuple[Any, list[GeoProblem]]:
        found: list[GeoProblem] = []
        return reader(path, found), found

    try:
        with sandbox.patient():
            result, found = sandbox.run_bounded(read)
    except sandbox.SandboxFailure as failure:
        problems.append(
            GeoProblem(
                path.name,
                "file",
                f"reading it was stopped ({failure.reason}: over the memory or time limit of "
                "TUTELA_IMPORT_PARSE_MEMORY_MB / TUTELA_IMPORT_PARSE_SECONDS)",
            )
        )
        return None
    problems.extend(found)
    return result


def _validate_tree(
    rows: dict[str, _Row], existing: dict[str, tuple[int, str]], problems: list[GeoProblem]
) -> None:
    """Every parent exists (in the files or already loaded) one level up; level 0 has none."""
    for row in rows.values():
        if row.level == 0:
            if row.parent_pcode:
                problems.append(
                    GeoProblem(row.source, row.pcode, "a country (level 0) has no parent")
                )
            continue
        if not row.parent_pcode:
            problems.append(GeoProblem(row.source, row.pcode, "parent_pcode is empty"))
            continue
        parent_level = (
            rows[row.parent_pcode].level
            if row.parent_pcode in rows
            else existing.get(row.parent_pcode, (None, ""))[0]
        )
        if parent_level is None:
            problems.append(
                GeoProblem(row.source, row.pcode, f"parent {row.parent_pcode} does not exist")
            )
        elif parent_level != row.level - 1:
            problems.append(
                GeoProblem(
                    row.source,
                    row.pcode,
                    f"parent {row.parent_pcode} is at level {parent_level}, expected "
                    f"{row.level - 1}",
                )
            )


def _country_of(pcode: str, rows: dict[str, _Row], existing: dict[str, tuple[int, str]]) -> str:
    seen = set()
    current: str | None = pcode
    while current and current not in seen:
        seen.add(current)
        if current in rows:
            if rows[current].level == 0:
                return current
            current = rows[current].parent_pcode
        elif current in existing:
            return existing[current][1]
        else:
            break
    return pcode[:2]


def geo_load(
    *,
    gazetteer: Path | None,
    geojson_files: Iterable[Path],
    by: User | None = None,
    languages: Iterable[str] = DEFAULT_LANGUAGES,
) -> GeoLoadResult:
    """Validate the files, then create or update the admin areas in one transaction. Files are
    Tutela's own format (data/geo/README.md) or OCHA COD-AB files as published (ADMn_PCODE,
    ADMn_EN/FR/ES... fields; the names in the first of `languages` the file has).

    Raises GeoLoadError with every problem found, having written nothing."""
    problems: list[GeoProblem] = []
    languages = tuple(languages)
    read_gazetteer = functools.partial(_read_gazetteer, languages=languages)
    read_geojson = functools.partial(_read_geojson, languages=languages)
    rows: dict[str, _Row] = (
        (_read_bounded(read_gazetteer, gazetteer, problems) or {}) if gazetteer else {}
    )
    read_zip = functools.partial(_read_shapefile_zip, languages=languages)
    for path in geojson_files:
        reader = read_zip if path.suffix.lower() == ".zip" else read_geojson
        for feature in _read_bounded(reader, path, problems) or []:
            known = rows.get(feature.pcode)
            if known is None:
                rows[feature.pcode] = feature
                continue
            if known.geometry is not None:
                problems.append(
                    GeoProblem(feature.source, feature.pcode, "P-code appears in two features")
                )
                continue
            if known.level != feature.level:
                problems.append(
                    GeoProblem(
                        feature.source,
                        feature.pcode,
                        f"level {feature.level} differs from the gazetteer's {known.level}",
                    )
                )
            if (known.parent_pcode or None) != (feature.parent_pcode or None):
                problems.append(
                    GeoProblem(
                        feature.source,
                        feature.pcode,
                        f"parent {feature.parent_pcode} differs from the gazetteer's "
                        f"{known.parent_pcode}",
                    )
                )
            known.geometry = feature.geometry
            if not known.name:
                known.name = feature.name
    if not rows and not problems:
        problems.append(GeoProblem("input", "files", "nothing to load"))
    existing = {
        pcode: (level, country)
        for pcode, level, country in AdminArea.objects.values_list(
            "pcode", "level", "country_pcode"
        )
    }
    _validate_tree(rows, existing, problems)
    for row in rows.values():
        if not row.name:
            problems.append(GeoProblem(row.source, row.pcode, "no name"))
    if problems:
        raise GeoLoadError(problems)
    return _write(rows, existing, by)


@transaction.atomic
def _write(
    rows: dict[str, _Row], existing: dict[str, tuple[int, str]], by: User | None
) -> GeoLoadResult:
    result = GeoLoadResult()
    by_pcode = {a.pcode: a for a in AdminArea.objects.filter(pcode__in=list(rows))}
    # Parents first, so that every child finds its parent saved.
    for row in sorted(rows.values(), key=lambda r: (r.level, r.pcode)):
        country = _country_of(row.pcode, rows, existing)
        parent = None
        if row.parent_pcode:
            parent = by_pcode.get(row.parent_pcode) or AdminArea.objects.get(pcode=row.parent_pcode)
        area = by_pcode.get(row.pcode)
        if area is None:
            area = AdminArea(pcode=row.pcode)
            result.created += 1
        else:
            result.updated += 1
        area.name = row.name
        area.name_key = name_key(row.name)
        area.level = row.level
        area.parent = parent
        area.country_pcode = country
        if row.geometry is not None:
            area.geometry = row.geometry
            result.with_geometry += 1
        area.save()
        by_pcode[row.pcode] = area
        if row.level == 0:
            result.countries.append(row.pcode)
    audit_write(
        actor=by,
        action=AuditEntry.Action.UPDATE if result.updated else AuditEntry.Action.CREATE,
        entity_type="core.adminarea",
        summary=(
            f"Boundaries loaded: {result.created} created, {result.updated} updated, "
            f"{result.with_geometry} with geometry"
        ),
    )
    return result


BUNDLED_DIR = Path(__file__).resolve().parents[3] / "data" / "geo"
BUNDLED = {
    "MLI": (
        "mli_gazetteer.csv",
        ["mli_adm0.geojson", "mli_adm1.geojson", "mli_adm2.geojson", "mli_adm3.geojson"],
    ),
    "COL": ("col_gazetteer.csv", ["col_adm0.geojson", "col_adm1.geojson"]),
    "AFG": ("afg_gazetteer.csv", []),
}


def geo_load_bundled(*, country: str, by: User | None = None) -> GeoLoadResult:
    """Load one of the countries shipped in data/geo (MLI, COL, AFG)."""
    gazetteer, geojson = BUNDLED[country.upper()]
    return geo_load(
        gazetteer=BUNDLED_DIR / gazetteer,
        geojson_files=[BUNDLED_DIR / name for name in geojson],
        by=by,
    )
