"""Rows changed after their report was submitted carry a sign, in the grid and on the IMO's review
page, saying when and by whom (selectors.revisions, from the rows' updated_at/updated_by and the
submission's audit entries)."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.utils import translation

from tutela.activities.services.submissions import submission_return, submission_submit
from tutela.activities.tests.reporting_fixtures import (
    fivew_fixture,  # noqa: F401
    line,
    save_rows,
)

pytestmark = pytest.mark.django_db

GRID = "/o/mali/5w/2026-03/rows/"
REVIEW = "/o/mali/5w/2026-03/submissions/AMSS/"
UTC = datetime.UTC


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def marks(page: str) -> list[str]:
    """The notes of the change marks on a page."""
    return re.findall(r'class="changed-mark" title="([^"]*)" data-changed-after-submission', page)


def test_rows_changed_after_submission_are_marked_with_date_and_user(fivew, as_user):
    world = fivew.world
    with time_machine.travel(datetime.datetime(2026, 4, 2, 9, tzinfo=UTC), tick=False):
        save_rows(world.partner, world.amss, line(), line(population_group="HST"))
    with time_machine.travel(datetime.datetime(2026, 4, 3, 9, tzinfo=UTC), tick=False):
        submission = submission_submit(by=world.partner, round=fivew.round, organisation=world.amss)
    # Nothing changed since: no mark anywhere.
    assert marks(as_user(world.imo).get(REVIEW).content.decode()) == []
    assert marks(as_user(world.partner).get(GRID).content.decode()) == []
    # The IMO returns it; the partner corrects the host-community row and submits again.
    with time_machine.travel(datetime.datetime(2026, 4, 5, 9, tzinfo=UTC), tick=False):
        submission_return(by=world.imo, submission=submission, comment="Totals at HST?")
    with time_machine.travel(datetime.datetime(2026, 4, 7, 9, tzinfo=UTC), tick=False):
        save_rows(world.partner, world.amss, line(population_group="HST", girls="6", total="28"))
    with time_machine.travel(datetime.datetime(2026, 4, 8, 9, tzinfo=UTC), tick=False):
        submission_submit(by=world.partner, round=fivew.round, organisation=world.amss)

    note = f"Changed after submission on April 7, 2026 by {world.partner.full_name}"
    review = as_user(world.imo).get(REVIEW).content.decode()
    assert marks(review) == [note]
    # The marked line is the host-community row (line 1: rows are ordered by group code).
    marked = re.search(r'<tr class="changed-after-submission">(.*?)</tr>', review, re.S)[1]
    assert ">HST<" in marked
    assert "1 row changed after the report was submitted" in review
    assert f"on April 7, 2026 by {world.partner.full_name}" in marked
    grid = as_user(world.partner).get(GRID).content.decode()
    assert marks(grid) == [note]
    first = re.search(r'<tr class="grid-line[^"]*" data-line="0">(.*?)</tr>', grid, re.S)[1]
    assert "data-changed-after-submission" in first
    assert 'value="HST"' in first


def test_a_draft_never_submitted_has_no_marks(fivew, as_user):
    world = fivew.world
    save_rows(world.partner, world.amss, line())
    save_rows(world.partner, world.amss, line(girls="6", total="28"))
    assert marks(as_user(world.partner).get(GRID).content.decode()) == []
