"""Loading the rows read into admin areas: the tree checked whole, then written in one transaction
(keyed by P-code, so a second load updates in place), with the bundled countries of data/geo/."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path

from django.db import transaction

from tutela.core.models import AdminArea, AuditEntry, User
from tutela.core.pcodes import name_key
from tutela.core.services.audit import audit_write
from tutela.core.services.geography.readers import (
    DEFAULT_LANGUAGES,
    GeoLoadError,
    GeoLoadResult,
    GeoProblem,
    GeoRow,
    read_bounded,
    read_gazetteer_file,
    read_geojson_file,
    read_shapefile_zip,
)


def _validate_tree(
    rows: dict[str, GeoRow], existing: dict[str, tuple[int, str]], problems: list[GeoProblem]
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


def _country_of(pcode: str, rows: dict[str, GeoRow], existing: dict[str, tuple[int, str]]) -> str:
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
    read_gazetteer = functools.partial(read_gazetteer_file, languages=languages)
    read_geojson = functools.partial(read_geojson_file, languages=languages)
    rows: dict[str, GeoRow] = (
        (read_bounded(read_gazetteer, gazetteer, problems) or {}) if gazetteer else {}
    )
    read_zip = functools.partial(read_shapefile_zip, languages=languages)
    for path in geojson_files:
        reader = read_zip if path.suffix.lower() == ".zip" else read_geojson
        for feature in read_bounded(reader, path, problems) or []:
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
    rows: dict[str, GeoRow], existing: dict[str, tuple[int, str]], by: User | None
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


BUNDLED_DIR = Path(__file__).resolve().parents[4] / "data" / "geo"
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
