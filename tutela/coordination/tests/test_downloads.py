"""Every file the coordination pages hand out (meeting documents and calendar entries, minutes,
recommendations and their evidence, documents under clearance) goes through core's `download` /
`stored_file_download`: an attachment, never kept by a shared cache or the browser's cache."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tutela.conftest import World
from tutela.coordination.services import meeting_records as record_services
from tutela.coordination.services import minutes as minutes_services
from tutela.coordination.services.documents import document_create
from tutela.coordination.services.recommendations import recommendation_follow_up
from tutela.coordination.tests.meeting_helpers import make_meeting
from tutela.coordination.tests.test_advocacy_pages import rec

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"


def url(name: str, *args: Any) -> str:
    return reverse(f"coordination:{name}", args=["mali", *args])


def _assert_private_download(response: Any) -> None:
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"].startswith("attachment")


def test_meeting_files_are_private_downloads(world: World, as_user: Any) -> None:
    meeting = make_meeting(world)
    document = record_services.document_upload(
        meeting=meeting, by=world.coordinator, file=SimpleUploadedFile("liste.pdf", PDF)
    )
    minutes_services.minutes_save(meeting=meeting, by=world.coordinator, text="Compte rendu")
    client = as_user(world.coordinator)
    for address in (
        url("meeting_document", meeting.pk, document.pk),
        url("meeting_ics", meeting.pk),
        url("minutes_export", meeting.pk, "docx"),
        url("minutes_export", meeting.pk, "pdf"),
    ):
        _assert_private_download(client.get(address))


def test_advocacy_files_are_private_downloads(world: World, as_user: Any) -> None:
    follow_up = recommendation_follow_up(
        recommendation=rec(world), by=world.imo, status="acknowledged", note="",
        evidence_file=SimpleUploadedFile("lettre.pdf", PDF),
    )  # fmt: skip
    document = document_create(
        operation=world.operation, by=world.coordinator, title="Note", kind="statement",
        language="fr", text="Texte",
    )  # fmt: skip
    client = as_user(world.coordinator)
    for address in (
        url("recommendations_export", "csv"),
        url("recommendations_export", "xlsx"),
        url("recommendation_evidence", follow_up.pk),
        url("document_version_download", document.pk, 1),
    ):
        _assert_private_download(client.get(address))
