"""Certificates: who earns one, the PDF in the session's language, and the public check of the
code (name and course only, rate-limited)."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from tutela.capacity.models import Certificate, TrainingSession
from tutela.capacity.services import assessments, certificates, sessions
from tutela.capacity.tests.fixtures import START, Trainings, trainings_fixture  # noqa: F401
from tutela.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def url(name: str, *args: Any) -> str:
    return reverse(f"capacity:{name}", args=["mali", *args])


def held(trainings: Trainings, *, absent_second_day: int | None = None) -> TrainingSession:
    world = trainings.world
    for day in trainings.session.days():
        present = [
            r.pk
            for i, r in enumerate(trainings.registrations)
            if not (i == absent_second_day and day != START)
        ]
        sessions.attendance_record(
            session=trainings.session, by=world.coordinator, day=day, present_ids=present
        )
    return sessions.session_update(
        session=trainings.session, by=world.coordinator, status=TrainingSession.Status.HELD
    )


def pdf_text(content: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_codes_are_random_groups_without_look_alikes() -> None:
    codes = {certificates.code_new() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) == 14
        assert code[4] == code[9] == "-"
        assert not set(code.replace("-", "")) & set("01OI")
    assert certificates.code_normalise(" abcd efgh jkm2 ") == "ABCD-EFGH-JKM2"
    assert certificates.code_normalise("short") == ""


def test_certificates_go_to_those_who_attended_every_day(trainings: Trainings) -> None:
    session = held(trainings, absent_second_day=1)
    issued = certificates.certificates_issue(session=session, by=trainings.world.coordinator)
    assert {c.registration for c in issued} == {trainings.registrations[i] for i in (0, 2, 3)}
    assert all(c.language == "en" for c in issued)
    assert (
        AuditEntry.objects.filter(entity_type="capacity.certificate", action="create").count() == 3
    )
    # Issuing again adds nothing.
    assert certificates.certificates_issue(session=session, by=trainings.world.coordinator) == []


def test_with_a_post_test_the_pass_mark_is_needed_too(trainings: Trainings) -> None:
    world = trainings.world
    post = assessments.knowledge_test_create(
        session=trainings.session, by=world.coordinator, kind="post", mode="paper", max_score=10
    )
    first, second = trainings.registrations[:2]
    assessments.paper_scores_record(
        test=post, by=world.coordinator, scores={first.pk: 9, second.pk: 5}
    )
    session = held(trainings)
    issued = certificates.certificates_issue(session=session, by=world.coordinator)
    assert [c.registration for c in issued] == [first]


def test_no_certificate_before_the_session_is_held(trainings: Trainings) -> None:
    with pytest.raises(ValidationError):
        certificates.certificates_issue(session=trainings.session, by=trainings.world.coordinator)


def test_pdf_is_in_the_sessions_language(trainings: Trainings) -> None:
    world = trainings.world
    sessions.session_update(session=trainings.session, by=world.coordinator, language="fr")
    session = held(trainings)
    certificate = certificates.certificates_issue(session=session, by=world.coordinator)[0]
    text = pdf_text(certificates.certificate_pdf(certificate))
    assert "Attestation de participation" in text
    assert certificate.registration.participant.full_name in text
    assert certificate.code in text
    assert "Protection mainstreaming" in text


def test_certificate_download_follows_participant_visibility(
    trainings: Trainings, as_user: Any
) -> None:
    world = trainings.world
    session = held(trainings)
    issued = {
        c.registration_id: c
        for c in certificates.certificates_issue(session=session, by=world.coordinator)
    }
    own = issued[trainings.registrations[0].pk]
    other = issued[trainings.registrations[2].pk]
    partner = as_user(world.partner)
    response = partner.get(url("certificate_download", own.code))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert partner.get(url("certificate_download", other.code)).status_code == 404
    assert as_user(world.viewer).get(url("certificate_download", own.code)).status_code == 404
    assert partner.get(url("certificate_revoke", own.code)).status_code == 403


def test_public_check_shows_name_and_course_only(trainings: Trainings) -> None:
    world = trainings.world
    session = held(trainings)
    certificate = certificates.certificates_issue(session=session, by=world.coordinator)[0]
    client = Client()
    page = client.post(reverse("capacity:certificate_verify"), {"code": certificate.code.lower()})
    text = page.content.decode()
    assert page.status_code == 200
    assert "This certificate is valid." in text
    assert "Aïssata Diallo" in text
    assert "Protection mainstreaming" in text
    # Nothing else about the person or the training.
    for private in ("aissata@amss.test", "AMSS", "Protection officer", "Bandiagara", "2026-03"):
        assert private not in text
    assert b"<script" not in page.content
    unknown = client.post(reverse("capacity:certificate_verify"), {"code": "AAAA-BBBB-CCCC"})
    assert "No certificate has this code." in unknown.content.decode()


def test_revoked_certificate_is_no_longer_valid(trainings: Trainings, as_user: Any) -> None:
    world = trainings.world
    session = held(trainings)
    certificate = certificates.certificates_issue(session=session, by=world.coordinator)[0]
    response = as_user(world.coordinator).post(
        url("certificate_revoke", certificate.code), {"reason": "Issued by mistake"}
    )
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.revoked_at is not None
    check = certificates.certificate_verify(certificate.code)
    assert check is not None
    assert check.valid is False
    page = Client().get(reverse("capacity:certificate_verify"), {"code": certificate.code})
    assert "no longer valid" in page.content.decode()


def test_public_check_is_rate_limited_per_address(trainings: Trainings) -> None:
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(certificates.VERIFY_PER_MINUTE):
        assert (
            client.post(
                reverse("capacity:certificate_verify"), {"code": "AAAA-BBBB-CCCC"}
            ).status_code
            == 200
        )
    limited = client.post(reverse("capacity:certificate_verify"), {"code": "AAAA-BBBB-CCCC"})
    assert limited.status_code == 429
    assert "Too many checks" in limited.content.decode()
    # Another address is not held up, and the table keeps no address in clear.
    other = Client(REMOTE_ADDR="198.51.100.9")
    assert (
        other.post(reverse("capacity:certificate_verify"), {"code": "AAAA-BBBB-CCCC"}).status_code
        == 200
    )
    from tutela.capacity.models import VerificationWindow

    assert not VerificationWindow.objects.filter(client__contains="203.0.113").exists()
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=2)
    assert certificates.verification_windows_purge(later) == 2
    assert not Certificate.objects.exists()
