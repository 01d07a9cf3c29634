"""PAU products: .docx (python-docx and LibreOffice) and PDF (WeasyPrint), in French and English."""

from __future__ import annotations

import datetime
import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import docx
import pypdf
import pytest
from django.utils import translation

from tutela.monitoring.pau.documents import build_document
from tutela.monitoring.pau.narrative import inline_runs, markdown_blocks
from tutela.monitoring.pau.rendering import pau_docx, pau_pdf, render
from tutela.monitoring.pau.sections import SECTIONS
from tutela.monitoring.services.pau import (
    pau_clear,
    pau_create,
    pau_publish,
    pau_save_sections,
    pau_submit,
)
from tutela.monitoring.tests.pau_helpers import make_many, seed

SOFFICE = shutil.which("soffice") or "/usr/bin/soffice"


@pytest.fixture
def update(world: Any, areas: Any) -> Any:
    op = world.operation
    seed(op)
    make_many(op, world.amss, areas["ML0501"], datetime.date(2026, 7, 1), 12, "R02")
    make_many(
        op, world.drc, areas["ML04"], datetime.date(2026, 8, 1), 6, "R01", services=("health",)
    )
    make_many(op, world.drc, areas["ML04"], datetime.date(2026, 5, 1), 8, "R02")
    update = pau_create(operation=op, by=world.imo, period="2026Q3", language="fr")
    pau_save_sections(
        update=update,
        by=world.imo,
        sections={
            "key_messages": (
                "Les attaques augmentent.\n\n- Premier **message** clé\n- Second message"
            ),
        },
        note="messages",
    )
    return update


def french_titles() -> list[str]:
    with translation.override("fr"):
        return [str(title) for _key, title in SECTIONS]


def text_of_docx(data: bytes) -> tuple[list[str], str]:
    document = docx.Document(io.BytesIO(data))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    body = "\n".join(p.text for p in document.paragraphs)
    for table in document.tables:
        for row in table.rows:
            body += "\n" + " | ".join(cell.text for cell in row.cells)
    return headings, body


def text_of_pdf(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_markdown_to_blocks_and_runs() -> None:
    blocks = markdown_blocks("# Titre\nUne ligne\nsuite\n\n- un *point*\n- deux\n1. premier")
    assert blocks == [
        ("heading", "Titre"),
        ("paragraph", "Une ligne suite"),
        ("bullet", "un *point*"),
        ("bullet", "deux"),
        ("number", "premier"),
    ]
    assert inline_runs("a **b** *c*") == [
        ("a ", False, False),
        ("b", True, False),
        (" ", False, False),
        ("c", False, True),
    ]


def test_docx_opens_with_the_framework_sections_figures_and_images(update: Any) -> None:
    data = pau_docx(update, language="fr")
    headings, body = text_of_docx(data)
    for number, title in enumerate(french_titles(), start=1):
        assert f"{number}. {title}" in headings
    # French names of the reference data, French dates, the narrative's bullets.
    assert "juillet" in body
    assert "Attaques" in body or "attaques" in body
    assert "Premier message clé" in body
    document = docx.Document(io.BytesIO(data))
    bullets = [p.text for p in document.paragraphs if p.style.name == "List Bullet"]
    assert "Premier message clé" in bullets
    # Line chart, bar charts and the hot-spot map.
    assert len(document.inline_shapes) >= 3
    # A draft says so.
    assert "not for distribution".upper() in body.upper() or "BROUILLON" in body.upper()


def test_docx_in_english_uses_english_names(update: Any) -> None:
    _headings, body = text_of_docx(pau_docx(update, language="en"))
    assert "July" in body
    assert "Health care" in body


@pytest.mark.libreoffice
def test_docx_converts_with_libreoffice(update: Any, tmp_path: Path) -> None:
    source = tmp_path / "pau.docx"
    source.write_bytes(pau_docx(update, language="fr"))
    profile = tmp_path / "profile"
    subprocess.run(  # noqa: S603 - fixed executable and arguments
        [
            SOFFICE,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path / "out"),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = (tmp_path / "out" / "pau.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    text = text_of_pdf(pdf)
    for title in french_titles():
        assert title.split()[0] in text
    assert "juillet" in text


def test_pdf_is_a_pdf_with_the_french_headings(update: Any) -> None:
    pdf = pau_pdf(update, language="fr")
    assert pdf.startswith(b"%PDF")
    text = " ".join(text_of_pdf(pdf).split())
    for title in french_titles():
        assert title in text
    assert "juillet" in text
    assert "Premier message clé" in text


def test_published_pau_has_no_draft_line(update: Any, world: Any) -> None:
    pau_submit(update=update, by=world.imo, approver=world.coordinator)
    pau_clear(update=update, by=world.coordinator)
    update = pau_publish(update=update, by=world.imo)
    doc = build_document(update, language="en", with_images=False)
    assert doc.is_final
    assert doc.status_line == ""
    draft_doc_line = "not for distribution"
    assert draft_doc_line not in " ".join(text_of_docx(pau_docx(update, language="en"))[1].split())


def test_render_names_the_file_by_scope_period_and_language(update: Any) -> None:
    content, mime, name = render(update, "docx", language="en")
    assert name == "PAU-mali-mali-2026Q3-en.docx"
    assert mime.endswith("wordprocessingml.document")
    assert content[:2] == b"PK"
    with pytest.raises(ValueError, match="unknown format"):
        render(update, "odt")
