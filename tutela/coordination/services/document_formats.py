"""Notes written in the app: Markdown rendered to sanitised HTML, and exported to Word (.docx,
python-docx) and PDF (WeasyPrint); checks on uploaded Word files.

The HTML has no inline styles, scripts or images (our Content-Security-Policy forbids inline
styles, and a note must not fetch anything from elsewhere when it is shown or printed).
"""

from __future__ import annotations

import io
from html.parser import HTMLParser
from typing import Any

import markdown
import nh3
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.utils.html import escape
from django.utils.translation import gettext as _

from tutela.core import sandbox

DOCX_MAX_BYTES = 10 * 1024 * 1024
DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_CONTENT_TYPE = "application/pdf"

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "u", "s",
    "del", "ins", "sub", "sup", "code", "pre", "blockquote", "ul", "ol", "li", "dl", "dt", "dd",
    "table", "thead", "tbody", "tr", "th", "td", "a", "abbr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "ol": {"start"}}


def markdown_to_html(text: str) -> str:
    """Markdown (with tables and fenced code) as HTML that is safe to show as is."""
    html = markdown.markdown(text or "", extensions=["extra", "sane_lists"], output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


# --- Word ----------------------------------------------------------------------------------------


class _DocxWriter(HTMLParser):
    """Walks the sanitised HTML and writes paragraphs, headings, lists, quotes, code and tables
    with the Word template's own styles."""

    def __init__(self, document: Any) -> None:
        super().__init__(convert_charrefs=True)
        self.doc = document
        self.paragraph: Any = None
        self.fresh_item = False
        self.bold = 0
        self.italic = 0
        self.underline = 0
        self.code = 0
        self.pre = 0
        self.quote = 0
        self.lists: list[str] = []
        self.href: str | None = None
        self.rows: list[list[tuple[str, bool]]] | None = None
        self.cell: list[str] | None = None
        self.cell_header = False

    def _new_paragraph(self, style: str | None = None) -> Any:
        if style is None and self.quote:
            style = "Quote"
        self.paragraph = self.doc.add_paragraph(style=style)
        return self.paragraph

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.rows is not None and tag in {"th", "td"}:
            self.cell = []
            self.cell_header = tag == "th"
        elif self.rows is not None and tag == "tr":
            self.rows.append([])
        elif self.cell is not None:
            # Inline markup inside a table cell: the cell keeps its text only.
            if tag == "br":
                self.cell.append(" ")
        elif tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            self.paragraph = self.doc.add_heading(level=min(int(tag[1]), 9))
        elif tag == "p":
            if not (self.lists and self.fresh_item):
                self._new_paragraph()
            self.fresh_item = False
        elif tag in {"ul", "ol"}:
            self.lists.append(tag)
            self.paragraph = None
        elif tag == "li":
            kind = "List Number" if self.lists and self.lists[-1] == "ol" else "List Bullet"
            depth = min(len(self.lists), 3)
            self._new_paragraph(kind if depth <= 1 else f"{kind} {depth}")
            self.fresh_item = True
        elif tag == "blockquote":
            self.quote += 1
            self.paragraph = None
        elif tag == "pre":
            self.pre += 1
            self._new_paragraph()
        elif tag in {"strong", "b", "dt"}:
            self.bold += 1
        elif tag in {"em", "i"}:
            self.italic += 1
        elif tag in {"u", "ins"}:
            self.underline += 1
        elif tag == "code":
            self.code += 1
        elif tag == "a":
            self.href = dict(attrs).get("href")
        elif tag == "br":
            if self.paragraph is not None:
                self.paragraph.add_run().add_break()
        elif tag == "hr":
            self._new_paragraph().add_run("* * *")
            self.paragraph = None
        elif tag == "table":
            self.rows = []

    def handle_endtag(self, tag: str) -> None:
        if self.rows is not None:
            if tag in {"th", "td"} and self.cell is not None:
                if self.rows:
                    self.rows[-1].append((" ".join("".join(self.cell).split()), self.cell_header))
                self.cell = None
            elif tag == "table":
                self._write_table(self.rows)
                self.rows = None
            return
        if tag in {"h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "pre", "dd", "dt"}:
            self.paragraph = None
            self.fresh_item = False
        if tag in {"ul", "ol"} and self.lists:
            self.lists.pop()
        elif tag == "blockquote":
            self.quote = max(0, self.quote - 1)
        elif tag == "pre":
            self.pre = max(0, self.pre - 1)
        elif tag in {"strong", "b", "dt"}:
            self.bold = max(0, self.bold - 1)
        elif tag in {"em", "i"}:
            self.italic = max(0, self.italic - 1)
        elif tag in {"u", "ins"}:
            self.underline = max(0, self.underline - 1)
        elif tag == "code":
            self.code = max(0, self.code - 1)
        elif tag == "a":
            if self.href and self.paragraph is not None and not self.href.startswith("mailto:"):
                self.paragraph.add_run(f" ({self.href})")
            self.href = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)
            return
        if self.rows is not None:
            return
        if not self.pre:
            if not data.strip() and self.paragraph is None:
                return
            data = " ".join(data.split("\n"))
        if self.paragraph is None:
            if not data.strip():
                return
            self._new_paragraph()
            data = data.lstrip()
        if self.pre:
            lines = data.rstrip("\n").split("\n")
            for index, line in enumerate(lines):
                run = self.paragraph.add_run(line)
                run.font.name = "Courier New"
                if index < len(lines) - 1:
                    run.add_break()
            return
        run = self.paragraph.add_run(data)
        run.bold = bool(self.bold) or None
        run.italic = bool(self.italic) or None
        run.underline = bool(self.underline) or None
        if self.code:
            run.font.name = "Courier New"

    def _write_table(self, rows: list[list[tuple[str, bool]]]) -> None:
        rows = [row for row in rows if row]
        if not rows:
            return
        width = max(len(row) for row in rows)
        table = self.doc.add_table(rows=len(rows), cols=width)
        table.style = "Table Grid"
        for r, row in enumerate(rows):
            for c, (text, header) in enumerate(row):
                cell = table.cell(r, c)
                run = cell.paragraphs[0].add_run(text)
                if header:
                    run.bold = True
        self.paragraph = None


def markdown_to_docx(text: str, *, title: str, language: str = "") -> bytes:
    """A Word document: the title, then the Markdown text with Word's own styles."""
    # python-docx and WeasyPrint are heavy: loaded only when a note is exported or checked.
    from docx import Document

    document = Document()
    document.core_properties.title = title
    if language:
        document.core_properties.language = language
    document.add_heading(title, level=0)
    writer = _DocxWriter(document)
    writer.feed(markdown_to_html(text))
    writer.close()
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- PDF -----------------------------------------------------------------------------------------

PDF_CSS = """
@page { size: A4; margin: 2cm; @bottom-right { content: counter(page) " / " counter(pages); } }
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10.5pt; line-height: 1.4; }
h1 { font-size: 17pt; } h2 { font-size: 14pt; } h3 { font-size: 12pt; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #999; padding: 3pt 5pt; text-align: left; vertical-align: top; }
blockquote { border-left: 3px solid #999; margin-left: 0; padding-left: 10pt; color: #333; }
pre, code { font-family: "DejaVu Sans Mono", monospace; font-size: 9pt; }
"""


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> Any:
    # The sanitised HTML links nothing it would need to load; refuse any attempt all the same.
    raise ValueError(f"Refusing to fetch {url}")


def markdown_to_pdf(text: str, *, title: str, language: str = "") -> bytes:
    # WeasyPrint (and its Pango bindings) is heavy: loaded only when a PDF is made.
    from weasyprint import CSS, HTML

    page = (
        f'<!doctype html><html lang="{escape(language or "en")}"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head><body><h1>{escape(title)}</h1>"
        f"{markdown_to_html(text)}</body></html>"
    )
    pdf = HTML(string=page, url_fetcher=_no_fetch).write_pdf(stylesheets=[CSS(string=PDF_CSS)])
    assert pdf is not None
    return bytes(pdf)


# --- Uploaded Word files -------------------------------------------------------------------------


def docx_check(upload: File[Any]) -> None:
    """Refuse anything but a Word .docx file of reasonable size that python-docx can open."""
    # python-docx is heavy: loaded only when an uploaded Word file is checked.
    from docx import Document

    name = (upload.name or "").lower()
    if name.endswith((".doc", ".rtf", ".odt", ".pdf")):
        raise ValidationError(
            {"file": _("Only Word files in .docx format are accepted: save the file as .docx.")},
            code="not_docx",
        )
    if not name.endswith(".docx"):
        raise ValidationError(
            {"file": _("Only Word files in .docx format are accepted.")}, code="not_docx"
        )
    if upload.size is not None and upload.size > DOCX_MAX_BYTES:
        raise ValidationError(
            {
                "file": _("The file is too large (%(size)s MB); the limit is %(limit)s MB.")
                % {"size": round(upload.size / 1024 / 1024, 1), "limit": DOCX_MAX_BYTES // 2**20}
            },
            code="too_large",
        )
    upload.seek(0)

    def opens() -> None:
        Document(upload)

    try:
        # In a child process with memory and time limits: a zip bomb disguised as .docx
        # inflates there, not in the web worker.
        sandbox.run_bounded(opens)
    # python-docx raises a variety of exceptions (BadZipFile, KeyError, ValueError...) for a file
    # that is not a Word document; SandboxFailure when reading it ran out of memory or time.
    except Exception as error:
        raise ValidationError(
            {"file": _("This file cannot be opened as a Word (.docx) document.")},
            code="not_docx",
        ) from error
    finally:
        upload.seek(0)
