"""Monitoring exports never carry a formula: names a manager gives (a risk renamed to a formula)
come out as text in the analysis CSV/XLSX and in the XLSForms."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tutela.core.models import ProtectionRisk
from tutela.monitoring.imports.xlsforms import xlsform_incidents
from tutela.monitoring.services.settings import reference_item_save
from tutela.monitoring.tests.analysis_fixtures import (
    JAN,
    many,
    seeded_fixture,  # noqa: F401
)

pytestmark = pytest.mark.django_db

ATTACK = "=1+2+cmd|' /C calc'!A0"


@pytest.fixture
def renamed(seeded: Any) -> Any:
    w = seeded.world
    many(7, w.operation, w.drc, seeded.bandiagara, JAN, "R02")
    risk = ProtectionRisk.objects.get(operation=w.operation, code="R02")
    reference_item_save(
        operation=w.operation,
        by=w.coordinator,
        kind="risks",
        instance=risk,
        data={"name_en": ATTACK, "name_fr": ATTACK, "number": None},
    )
    return seeded


def test_analysis_csv_neutralises_a_formula_in_a_risk_name(renamed: Any, as_user: Any) -> None:
    w = renamed.world
    url = reverse("monitoring:analysis", args=["mali"])
    response = as_user(w.coordinator).get(f"{url}?format=csv")
    assert response.status_code == 200
    # Several tables: one HXL CSV each, in a ZIP.
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    text = "".join(archive.read(name).decode("utf-8-sig") for name in archive.namelist())
    cells = [c for row in csv.reader(io.StringIO(text)) for c in row]
    assert "'" + ATTACK in cells
    assert ATTACK not in cells
    assert not any(c.startswith(("=", "+", "@")) for c in cells)
    assert "#event+type+risk+name" in cells


def test_analysis_xlsx_writes_a_risk_name_as_text(renamed: Any, as_user: Any) -> None:
    w = renamed.world
    url = reverse("monitoring:analysis", args=["mali"])
    response = as_user(w.coordinator).get(f"{url}?format=xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    cells = [c for sheet in workbook for row in sheet.iter_rows() for c in row]
    named = [c for c in cells if c.value == ATTACK]
    assert named
    assert all(c.data_type == "s" for c in named)
    assert not any(c.data_type == "f" for c in cells)


def test_xlsform_writes_a_risk_name_as_text(renamed: Any) -> None:
    workbook = load_workbook(io.BytesIO(xlsform_incidents(renamed.world.operation)))
    cells = [c for sheet in workbook for row in sheet.iter_rows() for c in row]
    assert any(c.value == ATTACK and c.data_type == "s" for c in cells)
    assert not any(c.data_type == "f" for c in cells)
