"""A Protection Analysis Update rendered: the Word document (python-docx, the narrative
paragraphs and runs from `narrative`) and the PDF (WeasyPrint, from an
HTML template and a CSS file). What they show is `documents.build_document`'s PauDocument."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from tutela.monitoring.models import AnalysisUpdate, AnalysisUpdateVersion
from tutela.monitoring.pau.documents import PauDocument, Table, build_document
from tutela.monitoring.pau.narrative import inline_runs, markdown_blocks

CSS_FILE = (
    Path(__file__).resolve().parents[1] / "templates" / "monitoring" / "pau" / "pau_print.css"
)
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_MIME = "application/pdf"


# --- Word ----------------------------------------------------------------------------------------


def _docx_paragraph(document: Any, text: str, style: str | None = None) -> None:
    paragraph = document.add_paragraph(style=style)
    for run_text, bold, italic in inline_runs(text):
        run = paragraph.add_run(run_text)
        run.bold = bold or None
        run.italic = italic or None


def _docx_table(document: Any, table: Table) -> None:
    # python-docx is loaded only when a Word document is made (a heavy import for every page).
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    caption = document.add_paragraph(style="Caption")
    caption.add_run(table.caption)
    grid = document.add_table(rows=1, cols=len(table.headers))
    grid.style = "Light Grid Accent 1"
    for index, header in enumerate(table.headers):
        cell = grid.rows[0].cells[index]
        cell.text = ""
        run = cell.paragraphs[0].add_run(header)
        run.bold = True
        run.font.size = Pt(9)
    for row in table.rows:
        cells = grid.add_row().cells
        for index, value in enumerate(row):
            paragraph = cells[index].paragraphs[0]
            run = paragraph.add_run(value)
            run.font.size = Pt(9)
            if index in table.numeric:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if table.note:
        note = document.add_paragraph()
        run = note.add_run(table.note)
        run.italic = True
        run.font.size = Pt(8)


def pau_docx(
    update: AnalysisUpdate,
    version: AnalysisUpdateVersion | None = None,
    *,
    language: str | None = None,
    doc: PauDocument | None = None,
) -> bytes:
    # python-docx is loaded only when a Word document is made (a heavy import for every page).
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt, RGBColor

    doc = doc or build_document(update, version, language=language)
    document = Document()
    document.core_properties.title = doc.title
    document.core_properties.language = doc.language
    document.core_properties.subject = doc.period
    section = document.sections[0]
    section.left_margin = section.right_margin = Cm(2)
    with translation.override(doc.language):
        header = section.header.paragraphs[0]
        header.text = f"{doc.operation} · {doc.period}"
        if doc.status_line:
            run = header.add_run(f"  —  {doc.status_line.upper()}")
            run.bold = True
            run.font.color.rgb = RGBColor(0xB0, 0x1E, 0x1E)
        document.add_heading(doc.title, level=0)
        meta = document.add_paragraph()
        meta.add_run(_("Period: ")).bold = True
        meta.add_run(f"{doc.period} ({doc.period_dates})")
        meta.add_run("\n" + _("Scope: ")).bold = True
        meta.add_run(doc.scope)
        meta.add_run("\n" + _("Version: ")).bold = True
        meta.add_run(f"{doc.version} · {doc.status_label} · {doc.generated}")
        if doc.status_line:
            status = document.add_paragraph()
            status.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = status.add_run(doc.status_line.upper())
            run.bold = True
            run.font.size = Pt(14)
            run.font.color.rgb = RGBColor(0xB0, 0x1E, 0x1E)
        _docx_table(document, doc.key_figures)
        for number, sec in enumerate(doc.sections, start=1):
            document.add_heading(f"{number}. {sec.title}", level=1)
            for kind, text in markdown_blocks(sec.markdown):
                if kind == "heading":
                    document.add_heading(text, level=2)
                elif kind == "bullet":
                    _docx_paragraph(document, text, "List Bullet")
                elif kind == "number":
                    _docx_paragraph(document, text, "List Number")
                else:
                    _docx_paragraph(document, text)
            for image in sec.images:
                document.add_picture(io.BytesIO(image.png), width=Cm(image.width_cm))
                caption = document.add_paragraph(style="Caption")
                caption.add_run(image.caption)
            for table in sec.tables:
                _docx_table(document, table)
        document.add_heading(_("Method and data protection"), level=1)
        note = document.add_paragraph()
        run = note.add_run(doc.method_note)
        run.font.size = Pt(9)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- PDF -----------------------------------------------------------------------------------------


def pau_html(doc: PauDocument) -> str:
    with translation.override(doc.language):
        return render_to_string("monitoring/pau/document.html", {"doc": doc})


def pau_pdf(
    update: AnalysisUpdate,
    version: AnalysisUpdateVersion | None = None,
    *,
    language: str | None = None,
    doc: PauDocument | None = None,
) -> bytes:
    # WeasyPrint (and its Pango/cairo bindings) is loaded only when a PDF is made.
    from weasyprint import CSS, HTML

    doc = doc or build_document(update, version, language=language)
    html = pau_html(doc)
    return bytes(
        HTML(string=html, base_url=str(CSS_FILE.parent)).write_pdf(
            stylesheets=[CSS(filename=str(CSS_FILE))]
        )
    )


def render(
    update: AnalysisUpdate,
    fmt: str,
    *,
    version: AnalysisUpdateVersion | None = None,
    language: str | None = None,
) -> tuple[bytes, str, str]:
    """(content, MIME type, file name) of the PAU as "docx" or "pdf"."""
    language = (language or update.language or "en")[:2]
    scope = update.scope.pcode if update.scope_id and update.scope else update.operation.slug
    name = f"PAU-{update.operation.slug}-{scope}-{update.period}-{language}".replace(" ", "")
    if fmt == "docx":
        return pau_docx(update, version, language=language), DOCX_MIME, f"{name}.docx"
    if fmt == "pdf":
        return pau_pdf(update, version, language=language), PDF_MIME, f"{name}.pdf"
    raise ValueError(f"unknown format {fmt!r}")
