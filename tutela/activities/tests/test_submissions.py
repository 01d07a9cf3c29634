"""Submission review: a partner submits the month's rows; the IMO or coordinator validates them or
returns them with a comment; the partner is told by e-mail; everything is audited."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import TestCase

from tutela.activities.models import ActivityReport, Submission
from tutela.activities.services.rounds import round_close, round_lock
from tutela.activities.services.submissions import (
    submission_return,
    submission_submit,
    submission_validate,
)
from tutela.activities.tests.reporting_fixtures import (
    fivew_fixture,  # noqa: F401
    line,
    save_rows,
)
from tutela.core.models import AuditEntry, OperationRole
from tutela.core.models.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(fivew):
    world = fivew.world
    save_rows(world.partner, world.amss, line(), line(population_group="HST"))
    return submission_submit(by=world.partner, round=fivew.round, organisation=world.amss)


def audit_for(submission):
    return AuditEntry.objects.filter(
        entity_type="activities.submission", entity_id=str(submission.pk), action="update"
    ).order_by("pk")


# --- services ------------------------------------------------------------------------------------


def test_partner_submits_the_month(submitted, fivew):
    submitted.refresh_from_db()
    assert submitted.status == Submission.Status.SUBMITTED
    assert submitted.submitted_by == fivew.world.partner
    assert submitted.submitted_at is not None
    entry = audit_for(submitted).get()
    assert entry.actor == fivew.world.partner
    assert (entry.before["status"], entry.after["status"]) == ("draft", "submitted")


def test_nothing_to_submit_without_rows(fivew):
    world = fivew.world
    with pytest.raises(ValidationError):
        submission_submit(by=world.partner, round=fivew.round, organisation=world.amss)
    assert not Submission.objects.filter(status="submitted").exists()


def test_a_submitted_report_cannot_be_submitted_again(submitted, fivew):
    with pytest.raises(ValidationError):
        submission_submit(by=fivew.world.partner, round=fivew.round, organisation=fivew.world.amss)


def test_partner_cannot_submit_for_another_organisation(fivew):
    world = fivew.world
    save_rows(world.other_partner, world.other_org, line())
    with pytest.raises(PermissionDenied):
        submission_submit(by=world.partner, round=fivew.round, organisation=world.other_org)
    assert Submission.objects.get(organisation=world.other_org).status == "draft"


def test_partner_cannot_submit_in_a_closed_round(fivew):
    world = fivew.world
    save_rows(world.partner, world.amss, line())
    round_close(by=world.imo, round=fivew.round)
    with pytest.raises(PermissionDenied):
        submission_submit(by=world.partner, round=fivew.round, organisation=world.amss)


def test_imo_validates_and_the_partner_users_are_told(submitted, fivew):
    world = fivew.world
    world.partner.language = "fr"
    world.partner.save()
    with TestCase.captureOnCommitCallbacks(execute=True):
        submission_validate(by=world.imo, submission=submitted)
    submitted.refresh_from_db()
    assert submitted.status == Submission.Status.VALIDATED
    assert submitted.reviewed_by == world.imo
    entry = audit_for(submitted).last()
    assert entry.actor == world.imo
    assert entry.after["status"] == "validated"
    # One message per recipient, each in their language: the French-speaking partner, the
    # English-speaking caseworker.
    assert len(mail.outbox) == 2
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == ["case@amss.test", "focal@amss.test"]
    french = next(m for m in mail.outbox if m.to == ["focal@amss.test"])
    assert "mars 2026" in french.subject
    assert "/o/mali/5w/2026-03/submissions/AMSS/" in french.body


def test_return_needs_a_comment(submitted, fivew):
    with pytest.raises(ValidationError) as info:
        submission_return(by=fivew.world.imo, submission=submitted, comment="  ")
    assert "comment" in info.value.message_dict
    submitted.refresh_from_db()
    assert submitted.status == Submission.Status.SUBMITTED
    assert not mail.outbox


def test_imo_returns_with_a_comment_the_partner_reads(submitted, fivew):
    world = fivew.world
    with TestCase.captureOnCommitCallbacks(execute=True):
        submission_return(
            by=world.coordinator, submission=submitted, comment="Bandiagara figures look doubled."
        )
    submitted.refresh_from_db()
    assert submitted.status == Submission.Status.RETURNED
    assert submitted.comment == "Bandiagara figures look doubled."
    entry = audit_for(submitted).last()
    assert entry.after["status"] == "returned"
    assert entry.after["comment"] == "Bandiagara figures look doubled."
    assert all("Bandiagara figures look doubled." in m.body for m in mail.outbox)
    assert {a for m in mail.outbox for a in m.to} == {"focal@amss.test", "case@amss.test"}
    # The partner corrects and submits again.
    resubmitted = submission_submit(by=world.partner, round=fivew.round, organisation=world.amss)
    assert resubmitted.status == Submission.Status.SUBMITTED


def test_users_without_a_role_in_the_operation_are_not_told(submitted, fivew):
    OperationRole.objects.filter(user=fivew.world.caseworker).delete()
    with TestCase.captureOnCommitCallbacks(execute=True):
        submission_validate(by=fivew.world.imo, submission=submitted)
    assert [m.to for m in mail.outbox] == [["focal@amss.test"]]


@pytest.mark.parametrize("persona", ["partner", "caseworker", "other_partner", "viewer"])
def test_only_managers_review(submitted, fivew, persona):
    user = getattr(fivew.world, persona)
    with pytest.raises(PermissionDenied):
        submission_validate(by=user, submission=submitted)
    with pytest.raises(PermissionDenied):
        submission_return(by=user, submission=submitted, comment="no")
    submitted.refresh_from_db()
    assert submitted.status == Submission.Status.SUBMITTED
    assert not mail.outbox


def test_a_focal_point_sees_all_but_does_not_validate(submitted, fivew):
    focal = fivew.world.viewer
    OperationRole.objects.create(user=focal, operation=fivew.operation, role=Role.FOCAL_POINT)
    with pytest.raises(PermissionDenied):
        submission_validate(by=focal, submission=submitted)


def test_a_draft_cannot_be_validated(fivew):
    world = fivew.world
    save_rows(world.partner, world.amss, line())
    draft = Submission.objects.get(organisation=world.amss)
    with pytest.raises(ValidationError):
        submission_validate(by=world.imo, submission=draft)


def test_no_review_in_a_locked_round(submitted, fivew):
    round_lock(by=fivew.world.imo, round=fivew.round)
    with pytest.raises(ValidationError):
        submission_validate(by=fivew.world.imo, submission=submitted)


def test_a_validated_report_changed_goes_back_to_review(submitted, fivew):
    world = fivew.world
    submission_validate(by=world.imo, submission=submitted)
    save_rows(world.partner, world.amss, line(girls="6", total="28"))
    submitted.refresh_from_db()
    assert submitted.status == Submission.Status.SUBMITTED


# --- pages ---------------------------------------------------------------------------------------


def test_partner_submits_from_the_page(fivew, as_user):
    world = fivew.world
    save_rows(world.partner, world.amss, line())
    client = as_user(world.partner)
    grid = client.get("/o/mali/5w/2026-03/rows/").content.decode()
    assert 'id="submit-for-review"' in grid
    response = client.post("/o/mali/5w/2026-03/submit/", {"org": "AMSS"})
    assert response.status_code == 302
    assert response["Location"] == "/o/mali/5w/2026-03/submissions/AMSS/"
    assert Submission.objects.get(organisation=world.amss).status == "submitted"
    assert AuditEntry.objects.filter(entity_type="activities.submission", action="update").exists()


def test_partner_cannot_submit_another_organisation_from_the_page(fivew, as_user):
    world = fivew.world
    save_rows(world.other_partner, world.other_org, line())
    response = as_user(world.partner).post("/o/mali/5w/2026-03/submit/", {"org": "OTHER"})
    assert response.status_code == 404
    assert Submission.objects.get(organisation=world.other_org).status == "draft"


def test_review_page_shows_rows_and_checks_to_the_imo(submitted, fivew, as_user):
    response = as_user(fivew.world.imo).get("/o/mali/5w/2026-03/submissions/AMSS/")
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("PRO-PSS — ") == 2
    assert 'id="validate"' in page
    assert 'id="return"' in page
    assert "No problem or unusual figure found" in page


def test_review_page_flags_outliers(fivew, as_user):
    import datetime

    from tutela.activities.models import ReportingRound

    world = fivew.world
    for month in ("2025-12", "2026-01", "2026-02"):
        ReportingRound.objects.create(
            operation=fivew.operation,
            month=datetime.date.fromisoformat(month + "-01"),
            deadline=datetime.date.fromisoformat(month + "-01") + datetime.timedelta(days=40),
        )
        save_rows(world.partner, world.amss, line(month=month))
    save_rows(
        world.partner,
        world.amss,
        line(girls="500", boys="400", women="1000", men="600", total="2502"),
    )
    page = as_user(world.imo).get("/o/mali/5w/2026-03/submissions/AMSS/").content.decode()
    assert "usual figure of AMSS" in page


def test_imo_returns_from_the_page_and_the_partner_sees_the_comment(submitted, fivew, as_user):
    world = fivew.world
    client = as_user(world.imo)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            "/o/mali/5w/2026-03/submissions/AMSS/review/",
            {"action": "return", "comment": "Please split by commune."},
        )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == "returned"
    page = as_user(world.partner).get("/o/mali/5w/2026-03/submissions/AMSS/").content.decode()
    assert "Please split by commune." in page
    assert 'id="submit-for-review"' in page
    grid = as_user(world.partner).get("/o/mali/5w/2026-03/rows/").content.decode()
    assert "Please split by commune." in grid
    assert sorted(m.to for m in mail.outbox) == [["case@amss.test"], ["focal@amss.test"]]


def test_return_without_comment_from_the_page_changes_nothing(submitted, fivew, as_user):
    as_user(fivew.world.imo).post(
        "/o/mali/5w/2026-03/submissions/AMSS/review/", {"action": "return", "comment": ""}
    )
    submitted.refresh_from_db()
    assert submitted.status == "submitted"
    assert not mail.outbox


def test_imo_validates_from_the_page(submitted, fivew, as_user):
    response = as_user(fivew.world.coordinator).post(
        "/o/mali/5w/2026-03/submissions/AMSS/review/", {"action": "validate", "comment": ""}
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == "validated"
    assert AuditEntry.objects.filter(
        entity_type="activities.submission", after__status="validated"
    ).exists()


def test_partner_cannot_validate_from_the_page(submitted, fivew, as_user):
    client = as_user(fivew.world.partner)
    page = client.get("/o/mali/5w/2026-03/submissions/AMSS/").content.decode()
    assert 'id="validate"' not in page
    response = client.post("/o/mali/5w/2026-03/submissions/AMSS/review/", {"action": "validate"})
    assert response.status_code == 403
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


@pytest.mark.parametrize("persona", ["other_partner", "outsider", "other_operation_user", "viewer"])
def test_others_cannot_open_a_submission(submitted, fivew, as_user, persona):
    response = as_user(getattr(fivew.world, persona)).get("/o/mali/5w/2026-03/submissions/AMSS/")
    assert response.status_code == 404


def test_caseworker_of_the_organisation_sees_its_submission(submitted, fivew, as_user):
    response = as_user(fivew.world.caseworker).get("/o/mali/5w/2026-03/submissions/AMSS/")
    assert response.status_code == 200
    assert ActivityReport.objects.filter(organisation=fivew.world.amss).count() == 2


def test_review_page_of_a_locked_round_shows_no_round_problems(submitted, fivew, as_user):
    round_lock(by=fivew.world.imo, round=fivew.round)
    page = as_user(fivew.world.partner).get("/o/mali/5w/2026-03/submissions/AMSS/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "No problem or unusual figure found" in text
    assert 'id="submit-for-review"' not in text
