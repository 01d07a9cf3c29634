"""One rule for figures by sex and age: an indicator not counted in people (sessions, items,
households...) takes none. The same row is refused, with the same message naming its line and
indicator, by the grid's save, an uploaded file's check, the partner's submit, the IMO's review
page and validation (tutela.activities.validation.rules)."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from tutela.activities.models import ActivityReport, ImportRecord, Submission
from tutela.activities.services.imports import import_5w_file
from tutela.activities.services.submissions import submission_submit, submission_validate
from tutela.activities.tests.import_fixtures import csv_bytes
from tutela.activities.tests.reporting_fixtures import (
    fivew_fixture,  # noqa: F401
    line,
    save_rows,
)
from tutela.activities.validation.rules import sex_age_refused

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Service calls run in English (a page in French earlier in the process leaves its language
    active in the thread)."""
    with translation.override("en"):
        yield


GRID = "/o/mali/5w/2026-03/rows/"
SUBMISSION = "/o/mali/5w/2026-03/submissions/AMSS/"

# Awareness sessions held (PRO-AWA-02, counted in sessions) with figures by sex and age.
SESSIONS = {"activity": "PRO-AWA", "indicator": "PRO-AWA-02", "quantity": "12"}
# What every path says about it (line 1 in the grid and the review, the file's row elsewhere).
SAID = "the indicator PRO-AWA-02 is counted in sessions, not in people"


def sessions_row() -> dict[str, str]:
    return line(**SESSIONS)


def stored_before_the_rule(fivew) -> ActivityReport:
    """The row as a save before this rule left it: saved without its bands (the rule lets that
    through), then given the bands the grid used to accept."""
    world = fivew.world
    bands = {k: sessions_row()[k] for k in ("girls", "boys", "women", "men")}
    save_rows(
        world.partner,
        world.amss,
        line(
            **SESSIONS, girls="", boys="", women="", men="", older_women="", older_men="", total=""
        ),
    )
    ActivityReport.objects.update(**{k: int(v) for k, v in bands.items()}, total=25)
    return ActivityReport.objects.get()


def test_the_rule_refuses_bands_only_for_units_other_than_people():
    assert sex_age_refused(unit="people", bands=[5, 4, 0, 0, 0, 0]) is None
    assert sex_age_refused(unit="sessions", bands=[None, None, 0, 0, 0, 0]) is None
    assert sex_age_refused(unit="sessions", bands=[0, 4, 0, 0, 0, 0]) == 1


def test_grid_save_refuses_the_row_and_says_why_next_to_the_cell(fivew, as_user):
    world = fivew.world
    data = {f"rows-0-{k}": v for k, v in sessions_row().items() if k != "month"}
    response = as_user(world.partner).post(GRID, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Row 1" in page
    assert SAID in page
    assert ActivityReport.objects.count() == 0


def test_grid_save_in_french_says_it_in_french(fivew, as_user):
    world = fivew.world
    world.partner.language = "fr"
    world.partner.save()
    data = {f"rows-0-{k}": v for k, v in sessions_row().items() if k != "month"}
    response = as_user(world.partner).post(GRID, data)
    page = response.content.decode()
    assert "PRO-AWA-02" in page
    assert "séances, pas en personnes" in page
    assert ActivityReport.objects.count() == 0


def test_the_same_row_without_bands_is_saved(fivew):
    world = fivew.world
    row = line(**SESSIONS, girls="", boys="", women="", men="", older_women="", older_men="")
    row["total"] = ""
    save_rows(world.partner, world.amss, row)
    assert ActivityReport.objects.get().quantity == 12


def test_file_check_refuses_the_row(fivew):
    world = fivew.world
    headers = ["month", "organisation", *line(), "quantity"]
    headers = list(dict.fromkeys(headers))
    data = csv_bytes([{**sessions_row(), "organisation": "AMSS"}], headers=headers)
    record = import_5w_file(
        by=world.partner,
        operation=fivew.operation,
        file=io.BytesIO(data),
        file_name="5w.csv",
        dry_run=True,
    )
    assert record.status == ImportRecord.Status.REJECTED
    (problem,) = [p for p in record.problems if p["code"] == "sex_age_not_people"]
    assert problem["row"] == 2
    assert SAID in problem["message"]
    assert ActivityReport.objects.count() == 0


def test_partner_cannot_submit_a_stored_row_that_breaks_the_rule(fivew, as_user):
    world = fivew.world
    stored_before_the_rule(fivew)
    with pytest.raises(ValidationError) as refused:
        submission_submit(by=world.partner, round=fivew.round, organisation=world.amss)
    (message,) = refused.value.messages
    assert message.startswith("Row 1, column")
    assert SAID in message
    assert Submission.objects.get().status == Submission.Status.DRAFT
    # The page's submit button says the same.
    response = as_user(world.partner).post(
        "/o/mali/5w/2026-03/submit/", {"org": "AMSS"}, follow=True
    )
    assert SAID in response.content.decode()
    assert Submission.objects.get().status == Submission.Status.DRAFT


def test_imo_review_page_flags_and_validation_refuses_the_row(fivew, as_user):
    world = fivew.world
    stored_before_the_rule(fivew)
    # Submitted before the rule existed.
    Submission.objects.update(status=Submission.Status.SUBMITTED)
    submission = Submission.objects.get()
    page = as_user(world.imo).get(SUBMISSION).content.decode()
    assert SAID in page
    with pytest.raises(ValidationError) as refused:
        submission_validate(by=world.imo, submission=submission)
    assert SAID in refused.value.messages[0]
    assert Submission.objects.get().status == Submission.Status.SUBMITTED
    response = as_user(world.imo).post(
        SUBMISSION + "review/", {"action": "validate", "comment": ""}, follow=True
    )
    assert SAID in response.content.decode()
    assert Submission.objects.get().status == Submission.Status.SUBMITTED
