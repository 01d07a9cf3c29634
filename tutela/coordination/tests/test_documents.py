"""Documents under clearance: versions, the clearance workflow and who may do what, Word
uploads and the generated Word / PDF files."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document

from tutela.conftest import World, make_user
from tutela.coordination import access as coordination_access
from tutela.coordination.models import ClearanceDocument, DocumentVersion
from tutela.coordination.selectors import advocacy as selectors
from tutela.coordination.services import document_formats
from tutela.coordination.services.documents import (
    document_circulate,
    document_clear,
    document_create,
    document_publish,
    document_return,
    document_save_version,
    document_submit,
    document_update,
    version_content,
)
from tutela.core.models import AuditEntry, OperationRole, User
from tutela.core.models.roles import Role

pytestmark = pytest.mark.django_db

TEXT = """# Note de plaidoyer : accès humanitaire à Bandiagara

La situation **se dégrade** depuis *mars*.

- Point de contrôle fermé
- Marchés inaccessibles

| Cercle | Personnes déplacées |
|---|---|
| Bandiagara | 12 000 |

<script>alert(1)</script>
"""


def docx_bytes(text: str = "Statement text") -> bytes:
    document = Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def focal_point(world: World) -> User:
    user = make_user("focal@drc.test", "Fanta Focal", world.drc)
    OperationRole.objects.create(user=user, operation=world.operation, role=Role.FOCAL_POINT)
    return user


def draft(world: World, by: User | None = None, **extra: object) -> ClearanceDocument:
    values: dict[str, object] = {
        "kind": ClearanceDocument.Kind.ADVOCACY_NOTE,
        "title": "Accès humanitaire à Bandiagara",
        "language": "fr",
        "text": TEXT,
    }
    values.update(extra)
    return document_create(
        operation=world.operation,
        by=by or world.coordinator,
        **values,  # type: ignore[arg-type]
    )


def cleared(world: World) -> ClearanceDocument:
    document = draft(world)
    document_submit(document=document, by=world.coordinator, approver=world.imo)
    return document_clear(document=document, by=world.imo)


def entries(document: ClearanceDocument) -> list[str]:
    return [e.summary for e in selectors.document_history(document)]


def test_create_makes_version_one_and_an_audit_entry(world: World) -> None:
    document = draft(world)
    assert document.status == ClearanceDocument.Status.DRAFT
    version = document.versions.get()
    assert version.number == 1
    assert version.text.startswith("# Note de plaidoyer")
    assert AuditEntry.objects.filter(
        entity_type="coordination.clearancedocument", action=AuditEntry.Action.CREATE
    ).exists()
    assert "Version 1 saved: Accès humanitaire à Bandiagara" in entries(document)


def test_versions_are_numbered_for_each_save_and_upload(world: World) -> None:
    document = draft(world)
    document_update(document=document, by=world.coordinator, text=TEXT + "\nAjout.")
    # Saving the same text again makes no new version.
    document_update(document=document, by=world.coordinator, text=TEXT + "\nAjout.")
    document_save_version(
        document=document,
        by=world.coordinator,
        file=SimpleUploadedFile("note.docx", docx_bytes()),
        note="Commentaires de l'UNHCR",
    )
    assert list(document.versions.order_by("number").values_list("number", flat=True)) == [1, 2, 3]
    assert document.versions.get(number=3).file.name.endswith(".docx")
    assert selectors.document_current_version(document).number == 3  # type: ignore[union-attr]


def test_uploaded_non_docx_is_rejected_with_a_clear_message(world: World) -> None:
    for name, content in [
        ("note.doc", b"\xd0\xcf\x11\xe0legacy word"),
        ("note.pdf", b"%PDF-1.4"),
        ("note.docx", b"this is not a zip"),
    ]:
        with pytest.raises(ValidationError) as error:
            draft(world, text="", file=SimpleUploadedFile(name, content))
        message = " ".join(error.value.message_dict["file"])
        assert ".docx" in message
    assert not ClearanceDocument.objects.exists()
    assert not DocumentVersion.objects.exists()


def test_docx_size_limit(world: World) -> None:
    big = SimpleUploadedFile("big.docx", b"PK\x03\x04" + b"0" * document_formats.DOCX_MAX_BYTES)
    with pytest.raises(ValidationError) as error:
        draft(world, text="", file=big)
    assert "too large" in " ".join(error.value.message_dict["file"])


def test_text_or_file_is_required(world: World) -> None:
    with pytest.raises(ValidationError) as error:
        draft(world, text="  ")
    assert "text" in error.value.message_dict


def test_workflow_draft_submitted_cleared_published_is_audited(world: World) -> None:
    document = draft(world)
    document_submit(document=document, by=world.coordinator, approver=world.imo)
    assert document.status == ClearanceDocument.Status.SUBMITTED
    assert document.submitted_at is not None
    document_clear(document=document, by=world.imo, comment="OK pour diffusion")
    assert document.status == ClearanceDocument.Status.CLEARED
    assert document.cleared_by == world.imo
    document_publish(document=document, by=world.coordinator)
    document.refresh_from_db()
    assert document.status == ClearanceDocument.Status.PUBLISHED
    assert document.published_at is not None
    history = entries(document)
    assert any(s.startswith("Submitted for clearance to imo@unhcr.test") for s in history)
    assert any(s.startswith("Cleared") for s in history)
    assert any(s.startswith("Published") for s in history)
    cleared_entry = next(
        e for e in selectors.document_history(document) if e.summary.startswith("Cleared")
    )
    assert cleared_entry.after["comment"] == "OK pour diffusion"
    assert cleared_entry.before["status"] == "submitted"


def test_non_approver_cannot_clear(world: World) -> None:
    document = draft(world)
    focal = focal_point(world)
    document_submit(document=document, by=world.coordinator, approver=focal)
    # Not even the coordinator can clear in the approver's place.
    for user in (world.coordinator, world.imo, world.partner):
        with pytest.raises(PermissionDenied):
            document_clear(document=document, by=user)
    document.refresh_from_db()
    assert document.status == ClearanceDocument.Status.SUBMITTED
    document_clear(document=document, by=focal)
    assert document.status == ClearanceDocument.Status.CLEARED


def test_approver_returns_to_draft_with_a_comment(world: World) -> None:
    document = draft(world)
    document_submit(document=document, by=world.coordinator, approver=world.imo)
    with pytest.raises(ValidationError):
        document_return(document=document, by=world.imo, comment=" ")
    document_return(document=document, by=world.imo, comment="Ajouter les chiffres de mai.")
    document.refresh_from_db()
    assert document.status == ClearanceDocument.Status.DRAFT
    entry = selectors.document_history(document).last()
    assert entry is not None
    assert entry.summary.startswith("Returned to draft")
    assert entry.after["comment"] == "Ajouter les chiffres de mai."
    # Back in draft, the author edits and resubmits.
    document_update(document=document, by=world.coordinator, text=TEXT + "\nMai : 3 000.")
    document_submit(document=document, by=world.coordinator, approver=world.imo)
    assert document.versions.count() == 2


def test_approver_must_be_a_manager_or_focal_point_and_not_the_author(world: World) -> None:
    document = draft(world)
    for approver in (world.partner, world.other_operation_user, world.coordinator):
        with pytest.raises(ValidationError) as error:
            document_submit(document=document, by=world.coordinator, approver=approver)
        assert "approver" in error.value.message_dict
    document.refresh_from_db()
    assert document.status == ClearanceDocument.Status.DRAFT


def test_a_draft_cannot_be_published(world: World) -> None:
    document = draft(world)
    with pytest.raises(ValidationError):
        document_publish(document=document, by=world.coordinator)
    document_submit(document=document, by=world.coordinator, approver=world.imo)
    with pytest.raises(ValidationError):
        document_publish(document=document, by=world.coordinator)
    document.refresh_from_db()
    assert document.status == ClearanceDocument.Status.SUBMITTED


def test_a_draft_cannot_be_circulated(world: World) -> None:
    document = draft(world)
    with pytest.raises(ValidationError) as error:
        document_circulate(document=document, by=world.coordinator, body=world.cluster)
    assert "cleared or published" in " ".join(error.value.messages)
    document.refresh_from_db()
    assert document.circulated_at is None


def test_submitted_or_cleared_document_cannot_be_edited(world: World) -> None:
    document = cleared(world)
    with pytest.raises(ValidationError):
        document_update(document=document, by=world.coordinator, text="Changed")
    with pytest.raises(ValidationError):
        document_save_version(
            document=document, by=world.coordinator, file=SimpleUploadedFile("n.docx", docx_bytes())
        )
    assert document.versions.count() == 1


def test_partner_cannot_create_or_manage_documents(world: World) -> None:
    with pytest.raises(PermissionDenied):
        draft(world, by=world.partner)
    document = draft(world)
    with pytest.raises(PermissionDenied):
        document_update(document=document, by=world.partner, title="x")
    with pytest.raises(PermissionDenied):
        document_submit(document=document, by=world.partner, approver=world.imo)


def test_focal_point_author_manages_own_document_only(world: World) -> None:
    focal = focal_point(world)
    own = draft(world, by=focal)
    document_update(document=own, by=focal, title="Nouvelle note")
    document_submit(document=own, by=focal, approver=world.coordinator)
    other = draft(world)
    with pytest.raises(PermissionDenied):
        document_update(document=other, by=focal, title="x")


def test_drafts_visible_to_managers_author_and_approver_only(world: World) -> None:
    focal = focal_point(world)
    document = draft(world, by=focal)

    def visible(user: User) -> bool:
        return (
            coordination_access.document_queryset(user, world.operation)
            .filter(pk=document.pk)
            .exists()
        )

    assert visible(focal)
    assert visible(world.coordinator)
    assert visible(world.imo)
    assert not visible(world.partner)
    assert not visible(world.viewer)
    assert not visible(world.outsider)
    assert not visible(world.other_operation_user)
    other_focal = make_user("focal2@amss.test", "Other Focal", world.amss)
    OperationRole.objects.create(user=other_focal, operation=world.operation, role=Role.FOCAL_POINT)
    assert not visible(other_focal)
    document_submit(document=document, by=focal, approver=other_focal)
    assert visible(other_focal)
    document_clear(document=document, by=other_focal)
    assert not visible(world.partner)
    document_publish(document=document, by=focal)
    assert visible(world.partner)
    assert visible(world.viewer)
    assert not visible(world.outsider)
    assert not visible(world.other_operation_user)


def test_generated_docx_opens_with_python_docx(world: World) -> None:
    document = draft(world)
    content, filename, content_type = version_content(document.versions.get(), "docx")
    assert filename == "acces-humanitaire-a-bandiagara-v1.docx"
    assert content_type == document_formats.DOCX_CONTENT_TYPE
    word = Document(io.BytesIO(content))
    paragraphs = [(p.style.name, p.text) for p in word.paragraphs]  # type: ignore[union-attr]
    assert paragraphs[0] == ("Title", "Accès humanitaire à Bandiagara")
    assert ("Heading 1", "Note de plaidoyer : accès humanitaire à Bandiagara") in paragraphs
    assert ("List Bullet", "Point de contrôle fermé") in paragraphs
    assert "La situation se dégrade depuis mars." in [text for _style, text in paragraphs]
    bold = [r.text for p in word.paragraphs for r in p.runs if r.bold]
    assert "se dégrade" in bold
    assert word.tables[0].cell(1, 1).text == "12 000"
    assert not any("alert" in text for _style, text in paragraphs)


def test_generated_pdf(world: World) -> None:
    document = draft(world)
    content, filename, content_type = version_content(document.versions.get(), "pdf")
    assert content.startswith(b"%PDF-")
    assert filename.endswith("-v1.pdf")
    assert content_type == "application/pdf"


def test_uploaded_version_downloads_as_uploaded_and_not_as_pdf(world: World) -> None:
    original = docx_bytes("Déclaration du cluster")
    document = draft(world, text="", file=SimpleUploadedFile("declaration.docx", original))
    version = document.versions.get()
    content, filename, _type = version_content(version, "docx")
    assert content == original
    with pytest.raises(ValidationError):
        version_content(version, "pdf")


def test_markdown_is_sanitised_without_inline_styles() -> None:
    html = document_formats.markdown_to_html(
        '<p style="color:red" onclick="x()">Hi</p>\n\n[x](javascript:alert(1))\n\n'
        "| a |\n|:-:|\n| b |\n\n<img src=https://tracker.example/p.png>"
    )
    assert "style" not in html
    assert "onclick" not in html
    assert "javascript" not in html
    assert "<img" not in html
    assert "<td>b</td>" in html


def test_renaming_an_uploaded_draft_keeps_the_word_file_current(world: World) -> None:
    document = draft(world, text="", file=SimpleUploadedFile("note.docx", docx_bytes()))
    document_update(document=document, by=world.coordinator, title="Nouveau titre", text="")
    document.refresh_from_db()
    assert document.title == "Nouveau titre"
    assert document.versions.count() == 1


def test_a_word_zip_bomb_is_refused_and_the_process_survives() -> None:
    # A real .docx whose document part is replaced by 300 MB of text (deflated to ~300 KB):
    # python-docx reads it in a child process with memory and time limits.
    import zipfile

    source = io.BytesIO()
    Document().save(source)
    bomb = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(source.getvalue())) as original,
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        for info in original.infolist():
            content = original.read(info.filename)
            if info.filename == "word/document.xml":
                content = content.replace(
                    b"<w:body>", b"<w:body>" + b"<!-- " + b"a" * 300_000_000 + b" -->"
                )
            archive.writestr(info.filename, content)
    upload = SimpleUploadedFile("note.docx", bomb.getvalue())
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ValidationError):
        document_formats.docx_check(upload)
    # The 300 MB were inflated in the child, not here.
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 150 * 1024
    assert (
        document_formats.markdown_to_html("still **alive**")
        == "<p>still <strong>alive</strong></p>"
    )
