"""An organisation's details change (its type, its acronym): the 5W tables cached under the
data versions show the change at once, as a computation from nothing does."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from tutela.activities import selectors
from tutela.activities.models import SummaryState
from tutela.activities.services.summaries import summaries_rebuild
from tutela.activities.tests.test_summaries import (  # noqa: F401 (the fixture)
    Data,
    _fresh,
    _shown,
    data_fixture,
)
from tutela.core.models import Organisation
from tutela.core.services.organisations import organisation_update


def _table(data: Data, user: Any, rows_by: list[str]) -> selectors.PivotResult:
    return selectors.pivot(user=_fresh(user), operation=data.world.operation, rows_by=rows_by)


@pytest.mark.parametrize("persona", ["coordinator", "partner"])
def test_a_type_change_shows_at_once(data: Data, persona: str) -> None:
    w = data.world
    summaries_rebuild(operation=w.operation)
    user = getattr(w, persona)
    for rows_by in (["organisation_type"], ["month", "organisation_type"]):
        cache.clear()
        before = _shown(_table(data, user, rows_by))
        drc = Organisation.objects.get(pk=w.drc.pk)
        new_type = "nngo" if drc.type != "nngo" else "ingo"
        organisation_update(
            by=w.coordinator, operation=w.operation, organisation=drc, type=new_type
        )
        after = _shown(_table(data, user, rows_by))
        assert after != before, rows_by
        cache.clear()
        assert _shown(_table(data, user, rows_by)) == after, rows_by
    # The tables stay in step (the organisation's details are not in them).
    state = SummaryState.objects.get(operation=w.operation)
    assert state.is_fresh


def test_an_acronym_change_shows_at_once(data: Data) -> None:
    w = data.world
    summaries_rebuild(operation=w.operation)
    cache.clear()
    before = _table(data, w.coordinator, ["organisation"])
    assert any("DRC" in str(row.labels) or "DRC" in str(row.codes) for row in before.rows)
    drc = Organisation.objects.get(pk=w.drc.pk)
    organisation_update(by=w.coordinator, operation=w.operation, organisation=drc, acronym="DRC-X")
    after = _table(data, w.coordinator, ["organisation"])
    assert any("DRC-X" in str(row.codes) for row in after.rows)
    # A change the tables do not show moves nothing on.
    version = SummaryState.objects.get(operation=w.operation).version
    drc = Organisation.objects.get(pk=w.drc.pk)
    organisation_update(
        by=w.coordinator, operation=w.operation, organisation=drc, website="https://drc.example"
    )
    assert SummaryState.objects.get(operation=w.operation).version == version
