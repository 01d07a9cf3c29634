"""A PAU draft made on the command line has no author (created_by is empty); its page, its
versions and its exports must still open (issue 10, item 15: it answered 500)."""

from __future__ import annotations

import datetime
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from tutela.monitoring.models import AnalysisUpdate
from tutela.monitoring.tests.pau_helpers import make_many, seed


@pytest.fixture
def cli_draft(world: Any, areas: Any, tmp_path: Path) -> AnalysisUpdate:
    seed(world.operation)
    make_many(world.operation, world.amss, areas["ML0501"], datetime.date(2026, 7, 1), 6, "R02")
    for target in ("a.docx", "b.docx"):
        call_command(
            "pau",
            *("--operation", "mali", "--period", "2026Q3", "--lang", "fr"),
            *("-o", str(tmp_path / target)),
            stdout=io.StringIO(),
        )
    update = AnalysisUpdate.objects.get()
    assert update.created_by is None
    assert update.versions.filter(created_by__isnull=True).count() == 2
    return update


def test_page_of_a_command_line_draft_opens(
    world: Any, cli_draft: AnalysisUpdate, as_user: Any
) -> None:
    client = as_user(world.coordinator)
    url = reverse("monitoring:pau_detail", args=["mali", cli_draft.pk])

    for query in ("", "?version=1", "?diff=1"):
        response = client.get(url + query)
        assert response.status_code == 200, query
        assert "2026Q3" in response.content.decode() or "2026" in response.content.decode()
