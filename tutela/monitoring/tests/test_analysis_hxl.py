"""Monitoring analysis exports carry valid HXL: each table of the XLSX (one sheet a table) and each
CSV (one table a file; a page of several tables is a ZIP of them) reads back with libhxl, every
column tagged with an HXL core hashtag, counts under number tags, population groups as #group."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tutela.core.tests.hxl_checks import assert_valid_hxl, hxl_dataset
from tutela.monitoring.tests.analysis_fixtures import (
    JAN,
    make_report,
    many,
    seeded_fixture,  # noqa: F401
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(seeded: Any) -> Any:
    w = seeded.world
    many(7, w.operation, w.drc, seeded.bandiagara, JAN, "R02")
    many(2, w.operation, w.drc, seeded.djenne, JAN, "R10")
    for i in range(6):
        make_report(w.operation, w.drc, seeded.bandiagara, JAN, f"village {i}", risks=("R02",))
    return seeded


def test_dashboard_xlsx_has_valid_hxl_on_every_sheet(data: Any, as_user: Any) -> None:
    url = reverse("monitoring:analysis", args=["mali"])
    response = as_user(data.world.coordinator).get(f"{url}?format=xlsx")
    assert response.status_code == 200
    sheets = load_workbook(io.BytesIO(response.content)).sheetnames
    assert len(sheets) == 5
    tags_seen: set[str] = set()
    for index in range(len(sheets)):
        dataset = hxl_dataset(response.content, "xlsx", sheet_index=index)
        rows = assert_valid_hxl(dataset)
        tags_seen.update(rows[0])
    assert "#date+month" in tags_seen
    assert "#event+type+risk+name" in tags_seen
    assert "#group+population+name" in tags_seen
    assert not any(tag.startswith("#population") for tag in tags_seen)


def test_dashboard_csv_is_a_zip_of_hxl_csv_tables(data: Any, as_user: Any) -> None:
    url = reverse("monitoring:analysis", args=["mali"])
    response = as_user(data.world.coordinator).get(f"{url}?format=csv")
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].endswith('.zip"')
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    assert len(names) == 5
    assert all(name.endswith(".csv") for name in names)
    top = next(name for name in names if name.startswith("02-"))
    rows = assert_valid_hxl(hxl_dataset(archive.read(top), "csv"))
    by_risk = {row["#event+type+risk+name"]: row["#event+num"] for row in rows}
    assert any(str(v) == "7" for v in by_risk.values()), by_risk


def test_hotspots_csv_reads_back_with_libhxl(data: Any, as_user: Any) -> None:
    url = reverse("monitoring:hotspots", args=["mali"])
    response = as_user(data.world.coordinator).get(f"{url}?format=csv&level=2")
    assert response["Content-Type"].startswith("text/csv")
    rows = assert_valid_hxl(hxl_dataset(response.content, "csv"))
    counts = {row["#adm2+name"]: row["#event+num"] for row in rows}
    assert counts["Bandiagara"] == "7"
    # No totals row in the CSV: a program adding up the column counts each incident once.
    assert "Total" not in counts


def test_community_exports_read_back_with_libhxl(data: Any, as_user: Any) -> None:
    url = reverse("monitoring:community", args=["mali"])
    response = as_user(data.world.coordinator).get(f"{url}?format=xlsx")
    for index in range(2):
        assert_valid_hxl(hxl_dataset(response.content, "xlsx", sheet_index=index))
