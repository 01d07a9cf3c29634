"""Reading boundary and gazetteer files (COD-AB GeoJSON, zipped shapefiles, gazetteer CSV) into rows
keyed by P-code, in a child process with memory and CPU limits after a size check."""

from __future__ import annotations

import csv
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

from tutela.core import sandbox

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
class GeoRow:
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
) -> list[GeoRow]:
    """The areas a COD-AB record names: its deepest level (a boundary feature), or every level
    (a row of a COD-AB gazetteer table)."""
    levels = _codab_levels(props)
    if not levels:
        return []
    wanted = [max(levels)] if deepest_only else sorted(levels)
    return [
        GeoRow(
            pcode=levels[level],
            name=_codab_name(props, level, languages),
            level=level,
            parent_pcode=levels.get(level - 1) if level > 0 else None,
            source=source,
        )
        for level in wanted
    ]


def read_gazetteer_file(
    path: Path, problems: list[GeoProblem], languages: Iterable[str] = DEFAULT_LANGUAGES
) -> dict[str, GeoRow]:
    rows: dict[str, GeoRow] = {}
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
) -> dict[str, GeoRow]:
    rows: dict[str, GeoRow] = {}
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
        rows[pcode] = GeoRow(pcode, name, int(level_text), parent, f"{path.name} {where}")
    if not rows and not problems:
        problems.append(GeoProblem(path.name, "file", "no rows"))
    return rows


def _codab_table(
    path: Path, reader: csv.DictReader[str], problems: list[GeoProblem], languages: Iterable[str]
) -> dict[str, GeoRow]:
    """A COD-AB gazetteer table (one row per lowest-level area, with the P-codes and names of
    every level above it): every area once."""
    rows: dict[str, GeoRow] = {}
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


def read_geojson_file(
    path: Path, problems: list[GeoProblem], languages: Iterable[str] = DEFAULT_LANGUAGES
) -> list[GeoRow]:
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


def read_shapefile_zip(
    path: Path, problems: list[GeoProblem], languages: Iterable[str] = DEFAULT_LANGUAGES
) -> list[GeoRow]:
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
) -> list[GeoRow]:
    """The areas of GeoJSON features (Tutela's properties or COD-AB's)."""
    out: list[GeoRow] = []
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
            GeoRow(
                pcode=pcode,
                name=str(props.get("name") or "").strip(),
                level=level,
                parent_pcode=str(parent).strip().upper() if parent else None,
                source=f"{file_name} {where}",
                geometry=geometry,
            )
        )
    return out


def read_bounded(
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
