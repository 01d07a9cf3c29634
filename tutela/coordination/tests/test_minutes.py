"""Minutes: sanitised rendering, approval, Word and PDF exports in the meeting's language with the
attendance list, and circulation by e-mail."""

from __future__ import annotations

import datetime
import io
import subprocess
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from docx import Document
from pypdf import PdfReader

from tutela.conftest import World
from tutela.coordination.models import ActionPoint, Minutes
from tutela.coordination.services import minutes as services
from tutela.coordination.services.meeting_records import attendance_record
from tutela.coordination.tests.meeting_helpers import START, cluster_contacts, make_meeting
from tutela.core.models import AuditEntry, OutboxMessage

pytestmark = pytest.mark.django_db

EVIL = """## Discussion

<script>alert('x')</script>
[click](javascript:alert(1)) and <a href="https://example.org" onclick="steal()">ok</a>
<p style="color:red" onmouseover="x()">styled</p>
<img src="https://tracker.example/p.gif" onerror="y()">
"""


def _held_meeting(world: World, **extra: Any) -> Any:
    contacts = cluster_contacts(world)
    meeting = make_meeting(world, **extra)
    with time_machine.travel(START + datetime.timedelta(hours=3)):
        attendance_record(
            meeting=meeting,
            by=world.coordinator,
            organisations=[world.drc],
            contacts=[contacts["unhcr"], contacts["amss"]],
        )
    return meeting


def test_rendering_removes_scripts_javascript_links_handlers_and_styles(world: World) -> None:
    meeting = make_meeting(world)
    minutes = services.minutes_save(
        meeting=meeting, by=world.coordinator, text=EVIL, decisions="- **Adopted** the plan"
    )
    html = services.minutes_html(minutes)
    text = html["text"]
    assert "<script" not in text
    assert "javascript:" not in text
    assert "onclick" not in text
    assert "onmouseover" not in text
    assert "onerror" not in text
    assert "style=" not in text
    assert "<img" not in text
    assert '<a href="https://example.org"' in text
    assert "<h2>Discussion</h2>" in text
    assert html["decisions"] == "<ul>\n<li><strong>Adopted</strong> the plan</li>\n</ul>"
    assert minutes.text == EVIL.strip()  # stored as written


def test_minutes_are_written_by_managers_and_focal_points_only(world: World) -> None:
    meeting = make_meeting(world)
    with pytest.raises(PermissionDenied):
        services.minutes_save(meeting=meeting, by=world.partner, text="x")
    assert not Minutes.objects.exists()
    services.minutes_save(meeting=meeting, by=world.imo, text="x")
    assert AuditEntry.objects.filter(entity_type="coordination.minutes", action="create").exists()


def test_approval_by_a_manager_and_editing_returns_to_draft(world: World) -> None:
    from tutela.core.models import OperationRole

    OperationRole.objects.create(
        user=world.caseworker, operation=world.operation, role="focal_point", body=world.cluster
    )
    meeting = make_meeting(world)
    minutes = services.minutes_save(meeting=meeting, by=world.caseworker, text="Compte-rendu")
    with pytest.raises(PermissionDenied):
        services.minutes_approve(minutes=minutes, by=world.caseworker)
    services.minutes_approve(minutes=minutes, by=world.coordinator)
    minutes.refresh_from_db()
    assert minutes.status == Minutes.Status.APPROVED
    assert minutes.approved_by == world.coordinator
    assert minutes.approved_at is not None
    with pytest.raises(ValidationError):
        services.minutes_approve(minutes=minutes, by=world.coordinator)
    minutes = services.minutes_save(meeting=meeting, by=world.caseworker, text="Corrigé")
    assert minutes.status == Minutes.Status.DRAFT
    assert minutes.approved_by is None


def _minutes_with_action_point(world: World, meeting: Any) -> Minutes:
    ActionPoint.objects.create(
        operation=world.operation,
        body=world.cluster,
        meeting=meeting,
        source_kind="meeting",
        title="Partager la cartographie des services",
        owner_organisation=world.amss,
        due_date=datetime.date(2026, 3, 31),
    )
    minutes = services.minutes_save(
        meeting=meeting,
        by=world.coordinator,
        text="## Tour de table\n\nLes partenaires ont présenté leurs activités.",
        decisions="- Le plan de réponse est adopté.",
    )
    return services.minutes_approve(minutes=minutes, by=world.coordinator)


def test_word_export_in_the_meeting_language_with_attendance(world: World) -> None:
    meeting = _held_meeting(world)
    minutes = _minutes_with_action_point(world, meeting)
    content = services.minutes_docx(meeting, minutes)
    document = Document(io.BytesIO(content))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert "Réunion mensuelle du cluster protection" in text
    assert "Le plan de réponse est adopté." in text
    assert "Les partenaires ont présenté leurs activités." in text
    assert "mars 2026" in text  # the date in French
    assert any("UNHCR" in c for c in cells)
    assert "Awa Diallo" in cells
    assert "Partager la cartographie des services" in cells
    assert document.core_properties.language == "fr"


def test_pdf_export_in_english_for_an_english_meeting(world: World) -> None:
    meeting = _held_meeting(world, language="en", title="Monthly protection cluster meeting")
    minutes = _minutes_with_action_point(world, meeting)
    reader = PdfReader(io.BytesIO(services.minutes_pdf(meeting, minutes)))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Monthly protection cluster meeting" in text
    assert "Attendance" in text
    assert "March 10, 2026" in text
    assert "Fatou Keïta" in text


def test_word_export_opens_in_libreoffice(world: World, tmp_path: Path) -> None:
    meeting = _held_meeting(world)
    minutes = _minutes_with_action_point(world, meeting)
    source = tmp_path / "minutes.docx"
    source.write_bytes(services.minutes_docx(meeting, minutes))
    profile = tmp_path / "lo-profile"
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [
            "/usr/bin/soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        timeout=180,
        check=False,
    )
    converted = tmp_path / "minutes.pdf"
    assert converted.exists(), result.stderr.decode()
    text = "\n".join(p.extract_text() for p in PdfReader(converted).pages)
    assert "Le plan de réponse est adopté." in text


def test_circulation_needs_approval_and_sends_the_pdf(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    meeting = _held_meeting(world)
    minutes = services.minutes_save(meeting=meeting, by=world.coordinator, text="Compte-rendu")
    with pytest.raises(ValidationError):
        services.minutes_circulate(minutes=minutes, by=world.coordinator)
    services.minutes_approve(minutes=minutes, by=world.coordinator)
    with pytest.raises(PermissionDenied):
        services.minutes_circulate(minutes=minutes, by=world.partner)
    with django_capture_on_commit_callbacks(execute=True):
        count = services.minutes_circulate(minutes=minutes, by=world.coordinator)
    assert count == 4
    minutes.refresh_from_db()
    assert minutes.status == Minutes.Status.CIRCULATED
    assert minutes.circulated_at is not None
    assert len(mail.outbox) == 4
    name, content, mimetype = mail.outbox[0].attachments[0]
    assert name.endswith(".pdf")
    assert mimetype == "application/pdf"
    assert content.startswith(b"%PDF")
    assert set(OutboxMessage.objects.values_list("kind", flat=True)) == {"meeting_minutes"}
    with pytest.raises(ValidationError):
        services.minutes_save(meeting=meeting, by=world.coordinator, text="Trop tard")
