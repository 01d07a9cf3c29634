"""The monitoring XLSForms speak the operation's languages: an operation that works in Spanish
gets Spanish labels, hints and messages next to the English and French ones, and the form still
converts with pyxform. Codes (question names, choice names) stay codes."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook

from tutela.conftest import World
from tutela.monitoring.imports.xlsform_spanish import SPANISH
from tutela.monitoring.imports.xlsforms import (
    EN,
    ES,
    xlsform_community,
    xlsform_convert,
    xlsform_incidents,
)
from tutela.monitoring.services.reference import monitoring_seed

pytestmark = pytest.mark.django_db


def rows(content: bytes, name: str) -> list[dict[str, Any]]:
    sheet = load_workbook(io.BytesIO(content))[name]
    values = list(sheet.iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=False)) for row in values[1:]]


@pytest.fixture
def spanish_operation(world: World) -> World:
    world.operation.languages = ["es", "en"]
    world.operation.default_language = "es"
    world.operation.save()
    monitoring_seed(operation=world.operation)
    return world


@pytest.mark.parametrize("build", [xlsform_incidents, xlsform_community])
def test_a_spanish_operation_gets_spanish_labels_that_convert(
    spanish_operation: World, build: Any
) -> None:
    content = build(spanish_operation.operation)
    survey = rows(content, "survey")
    assert ES in survey[0]
    questions = [row for row in survey if row.get(EN) and row["type"] != "end_group"]
    assert all(row[ES] for row in questions)
    # Every fixed label has its Spanish (place questions carry the operation's own level names).
    fixed = [row for row in questions if not str(row["name"]).startswith("admin")]
    untranslated = [
        row[EN] for row in fixed if row[ES] == row[EN] and row[EN] not in SPANISH.values()
    ]
    assert untranslated == []
    settings = rows(content, "settings")[0]
    assert settings["default_language"] == "Español (es)"
    xform = xlsform_convert(content)
    assert 'lang="Español (es)"' in xform


def test_incident_form_in_spanish_keeps_codes(spanish_operation: World) -> None:
    content = xlsform_incidents(spanish_operation.operation)
    survey = {row["name"]: row for row in rows(content, "survey") if row["type"] != "end_group"}
    assert survey["occurred_on"][ES] == "Fecha del incidente"
    assert survey["people"]["hint::Español (es)"] == "Solo cifras: nunca un nombre."
    choices = rows(content, "choices")
    yes = next(row for row in choices if row["list_name"] == "yes_no" and row["name"] == "yes")
    assert yes[ES] == "Sí"


def test_a_french_english_operation_has_no_spanish_column(world: World) -> None:
    monitoring_seed(operation=world.operation)
    survey = rows(xlsform_incidents(world.operation), "survey")
    assert ES not in survey[0]
