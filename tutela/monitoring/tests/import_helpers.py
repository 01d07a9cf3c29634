"""Small files for the monitoring importer's tests."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook

INCIDENT_HEADERS = [
    "external_id",
    "occurred_on",
    "reported_on",
    "admin2_pcode",
    "site",
    "risks",
    "violations",
    "perpetrator",
    "women",
    "girls_12_17",
    "girls_12_17_disability",
    "population_group",
    "displacement_caused",
    "displaced_households",
    "services",
    "source",
    "verification",
    "narrative",
]


def incident_row(number: int = 1, **overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "external_id": f"EXT-{number}",
        "occurred_on": "2026-01-10",
        "reported_on": "2026-01-12",
        "admin2_pcode": "ML0501",
        "site": "Market",
        "risks": "R02",
        "violations": "killing",
        "perpetrator": "nsag",
        "women": 2,
        "girls_12_17": 1,
        "girls_12_17_disability": "",
        "population_group": "IDP",
        "displacement_caused": "no",
        "displaced_households": "",
        "services": "health psychosocial",
        "source": "key_informant",
        "verification": "verified",
        "narrative": "Attack on the market.",
    }
    row.update(overrides)
    return row


def csv_bytes(headers: Sequence[str], rows: Sequence[dict[str, Any] | Sequence[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for row in rows:
        if isinstance(row, dict):
            writer.writerow([row.get(h, "") for h in headers])
        else:
            writer.writerow(list(row))
    return out.getvalue().encode("utf-8")


def xlsx_bytes(
    headers: Sequence[str], rows: Sequence[dict[str, Any] | Sequence[Any]], title: str = "data"
) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.append(list(headers))
    for row in rows:
        if isinstance(row, dict):
            sheet.append([row.get(h) for h in headers])
        else:
            sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def incidents_csv(*rows: dict[str, Any]) -> bytes:
    return csv_bytes(INCIDENT_HEADERS, list(rows) or [incident_row()])


COMMUNITY_HEADERS = [
    "_uuid",
    "month",
    "admin1_name",
    "admin2_name",
    "community",
    "respondent",
    "interviews",
    "risks",
    "perpetrators",
    "affected_groups",
    "coping",
    "access_to_services",
]


def community_row(number: int = 1, **overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "_uuid": f"u-{number}",
        "month": "2026-01",
        "admin1_name": "Mopti",
        "admin2_name": "Bandiagara",
        "community": f"Village {number}",
        "respondent": "key_informant",
        "interviews": 3,
        "risks": "R01 R12",
        "perpetrators": "nsag",
        "affected_groups": "IDP HST",
        "coping": "reduce_movement avoid_areas",
        "access_to_services": "partial",
    }
    row.update(overrides)
    return row
