"""A problem quoting a hostile file's cell keeps no NUL character: PostgreSQL's jsonb refuses
"\\u0000", and the record of the upload (its problems, a JSON field) could not be saved — the
import then failed with a database error instead of rejecting the file (found by
monitoring/tests/test_import_hostile.py on PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest

from tutela.activities.models import ImportRecord
from tutela.core.imports import uploads
from tutela.core.imports.problems import Problem, json_text


def test_texts_lose_their_nul_characters_and_nothing_else() -> None:
    assert json_text("a\x00b") == "a\ufffdb"
    assert json_text("Mujeres “0–17”") == "Mujeres “0–17”"
    assert json_text(3) == 3
    problem = Problem(row=3, column="perpetrators\x00", field="", code="x", message="“\x00”")
    stored = problem.as_dict()
    assert "\x00" not in stored["message"] + stored["column"]
    assert stored["row"] == 3


@pytest.mark.django_db
def test_a_record_with_such_a_problem_is_saved(world: Any) -> None:
    record = ImportRecord.objects.create(
        operation=world.operation, kind="5w", user=world.coordinator, file_name="f.csv"
    )
    problem = Problem(row=3, column="c", field="", code="x", message="Row 3: “\x00\x00”")
    uploads.record_finish(record, status="rejected", problems=[problem], stored=10)
    record.refresh_from_db()
    assert record.problems[0]["message"] == "Row 3: “\ufffd\ufffd”"
