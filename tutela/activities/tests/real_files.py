"""Files shaped like the site-level 5W a national cluster sends (issue 13), built with openpyxl:
three header rows (group labels over merged cells / Spanish labels / HXL hashtags), the file's own
age bands (0-3, 4-11, 12-17, 18-59, 60+), `dd/mm/aa` dates typed as text, the reporting month as
"mar-26", local status words ("En curso", "Finalizado"), CCCM-like site codes and coordinates,
a percentage column, and no column at all for the reporting organisation or the modality."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook

# (group label over its columns, Spanish label, HXL hashtag), in the file's order.
COLUMNS: list[tuple[str, str, str]] = [
    ("Información general", "Mes de reporte", "#date+reported"),
    ("", "Actividad", "#activity+code"),
    ("Ubicación", "Departamento", "#adm1+name"),
    ("", "Municipio", "#adm2+name"),
    ("", "Nombre del sitio", "#loc+name"),
    ("", "Código del sitio", "#loc+code"),
    ("", "Latitud", "#geo+lat"),
    ("", "Longitud", "#geo+lon"),
    ("Población", "Tipo de población", "#population+type"),
    ("", "Estado", "#status"),
    ("", "Fecha de inicio", "#date+start"),
    ("", "Fecha de fin", "#date+end"),
    ("Niñas", "Niñas 0-3", "#reached+f+age0_3"),
    ("", "Niñas 4-11", "#reached+f+age4_11"),
    ("", "Niñas 12-17", "#reached+f+age12_17"),
    ("Niños", "Niños 0-3", "#reached+m+age0_3"),
    ("", "Niños 4-11", "#reached+m+age4_11"),
    ("", "Niños 12-17", "#reached+m+age12_17"),
    ("Adultos", "Mujeres 18-59", "#reached+f+adults"),
    ("", "Hombres 18-59", "#reached+m+adults"),
    ("", "Mujeres 60+", "#reached+f+elderly"),
    ("", "Hombres 60+", "#reached+m+elderly"),
    ("Totales", "Total personas", "#reached+total"),
    ("", "% mujeres", "#indicator+pct"),
]
LABELS = [label for _group, label, _tag in COLUMNS]

# What an IMO says once, on the command line or the mapping page, for this file.
CLI_COLUMNS = [
    "Tipo de población=population_group",
    "Niñas 0-3=girls",
    "Niñas 4-11=girls",
    "Niñas 12-17=girls",
    "Niños 0-3=boys",
    "Niños 4-11=boys",
    "Niños 12-17=boys",
    "% mujeres=",
]
CLI_SETS = ["organisation=AMSS", "modality=in_person"]
CLI_VALUES = [
    "population_group:Desplazados internos=IDP",
    "population_group:Comunidad de acogida=HST",
]


def site_row(
    month: str = "mar-26",
    *,
    site: str = "Escuela San José",
    code: str = "S-001",
    group: str = "Desplazados internos",
    status: str = "En curso",
    start: str = "03/03/26",
    end: str = "28/03/26",
    girls: tuple[Any, Any, Any] = (2, 5, 3),
    boys: tuple[Any, Any, Any] = (1, 4, 4),
    adults: tuple[Any, Any, Any, Any] = (12, 6, 2, 1),
    **changes: Any,
) -> dict[str, Any]:
    """A row of psychosocial support at a site of Bandiagara (Mopti)."""
    people = [*girls, *boys, *adults]
    total = sum(v for v in people if isinstance(v, int))
    women = adults[0] + adults[2] + sum(v for v in girls if isinstance(v, int))
    values: dict[str, Any] = {
        "Mes de reporte": month,
        "Actividad": "PRO-PSS",
        "Departamento": "Mopti",
        "Municipio": "Bandiagara",
        "Nombre del sitio": site,
        "Código del sitio": code,
        "Latitud": 14.3497,
        "Longitud": -3.6106,
        "Tipo de población": group,
        "Estado": status,
        "Fecha de inicio": start,
        "Fecha de fin": end,
        "Niñas 0-3": girls[0],
        "Niñas 4-11": girls[1],
        "Niñas 12-17": girls[2],
        "Niños 0-3": boys[0],
        "Niños 4-11": boys[1],
        "Niños 12-17": boys[2],
        "Mujeres 18-59": adults[0],
        "Hombres 18-59": adults[1],
        "Mujeres 60+": adults[2],
        "Hombres 60+": adults[3],
        "Total personas": total,
        "% mujeres": f"{round(100 * women / total)}%" if total else "",
    }
    values.update(changes)
    return values


def site_workbook(rows: list[dict[str, Any]]) -> bytes:
    """The workbook: a title sheet first (as real files have), then the data sheet with its three
    header rows."""
    workbook = Workbook()
    notes = workbook.active
    assert notes is not None
    notes.title = "Instrucciones"
    notes.append(["5W Clúster de Protección — diligenciar una fila por sitio y mes"])
    sheet = workbook.create_sheet("5W sitios")
    sheet.append([group for group, _label, _tag in COLUMNS])
    # Group labels span their columns, as merged cells.
    starts = [i for i, (group, _l, _t) in enumerate(COLUMNS) if group] + [len(COLUMNS)]
    for start, end in zip(starts, starts[1:], strict=False):
        if end - start > 1:
            sheet.merge_cells(start_row=1, start_column=start + 1, end_row=1, end_column=end)
    sheet.append(LABELS)
    sheet.append([tag for _group, _label, tag in COLUMNS])
    for item in rows:
        sheet.append([item.get(label) for label in LABELS])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
