"""The Protection Analysis Update as a Word document (.docx, editable for clearance) and as a PDF
(WeasyPrint, from an HTML template and a CSS file), in French or English.

    data = pau_docx(update, language="fr")            # bytes
    data = pau_pdf(update, version=version, language="en")

Both are built from one `PauDocument`: the title block (period, scope, version, status), the key
figures, then the Protection Analytical Framework's sections, each with its narrative (Markdown,
rendered to paragraphs and bullets) followed by its tables, charts and the hot-spot map. Every
figure comes from the version's snapshot, already disclosure-controlled (pau_figures); hidden
counts print as "–". Drafts carry a status line (and a watermark in the PDF).
"""

from __future__ import annotations

import base64
import datetime
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import markdown as markdown_lib
import nh3
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from tutela.core.models import AdminArea
from tutela.monitoring.models import AnalysisUpdate, AnalysisUpdateVersion
from tutela.monitoring.pau.figures import label, parse_period
from tutela.monitoring.services.pau import SECTION_KEYS, latest_version, section_titles

CSS_FILE = Path(__file__).resolve().parent / "templates" / "monitoring" / "pau" / "pau_print.css"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_MIME = "application/pdf"
HIDDEN = "–"


@dataclass
class Table:
    caption: str
    headers: list[str]
    rows: list[list[str]]
    # Index of the columns holding numbers (right-aligned).
    numeric: set[int] = field(default_factory=set)
    note: str = ""


@dataclass
class Image:
    caption: str
    png: bytes
    # Width in the page, in centimetres.
    width_cm: float = 15.0

    @property
    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


@dataclass
class Section:
    key: str
    title: str
    markdown: str
    tables: list[Table] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)

    @property
    def html(self) -> str:
        return markdown_html(self.markdown)


@dataclass
class PauDocument:
    language: str
    title: str
    operation: str
    period: str
    period_dates: str
    scope: str
    version: int
    status: str
    status_label: str
    is_final: bool
    status_line: str
    generated: str
    key_figures: Table
    sections: list[Section]
    method_note: str


# --- numbers -------------------------------------------------------------------------------------


def num(value: int | float | None) -> str:
    if value is None:
        return HIDDEN
    return formats.number_format(value, use_l10n=True, force_grouping=True)


def pct(value: float | None) -> str:
    if value is None:
        return ""
    sign = "+" if value > 0 else ""
    return f"{sign}{formats.number_format(value, decimal_pos=1, use_l10n=True)} %"


# --- charts and map ------------------------------------------------------------------------------


def _figure(width_in: float = 8.0, height_in: float = 3.6) -> tuple[Any, Any]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width_in, height_in), dpi=110)
    FigureCanvasAgg(figure)
    return figure, figure.add_subplot(1, 1, 1)


def _png(figure: Any) -> bytes:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", facecolor="white")
    return buffer.getvalue()


def line_chart(title: str, labels: Sequence[str], values: Sequence[int | None]) -> bytes:
    """Monthly incidents; hidden months are gaps in the line. The analysis pages' chart when
    it is there (same look in pages and products)."""
    try:
        from tutela.monitoring.analysis.charts import line_chart_png
    except ImportError:
        pass
    else:
        return line_chart_png(
            list(labels), {_("Incidents"): [None if v is None else float(v) for v in values]}, title
        )
    figure, ax = _figure()
    xs = list(range(len(labels)))
    ys = [float("nan") if v is None else v for v in values]
    ax.plot(xs, ys, marker="o", color="#2c7fb8", linewidth=2)
    ax.set_xticks(xs, labels, rotation=0, fontsize=8)
    ax.set_ylim(bottom=0)
    ax.set_title(title, fontsize=11, loc="left")
    ax.grid(axis="y", color="#dddddd")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return _png(figure)


def bar_chart(
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[int | None]]],
) -> bytes:
    """Horizontal grouped bars (one group per category); hidden values are left out."""
    figure, ax = _figure(8.0, max(2.4, 0.42 * len(categories) + 1.2))
    height = 0.8 / max(len(series), 1)
    colors = ["#2c7fb8", "#a1dab4", "#253494"]
    positions = list(range(len(categories)))
    for index, (name, values) in enumerate(series):
        ys = [p + (len(series) - 1 - index) * height for p in positions]
        ax.barh(
            ys,
            [v or 0 for v in values],
            height=height,
            label=name,
            color=colors[index % len(colors)],
        )
    short = [c if len(c) <= 48 else c[:47] + "…" for c in categories]
    ax.set_yticks([p + height * (len(series) - 1) / 2 for p in positions], short, fontsize=8)
    ax.invert_yaxis()
    ax.set_title(title, fontsize=11, loc="left")
    ax.grid(axis="x", color="#dddddd")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if len(series) > 1:
        ax.legend(fontsize=8, frameon=False)
    return _png(figure)


def hotspot_map(figures: dict[str, Any], language: str) -> bytes | None:
    """Choropleth of incidents per area in the period (per 10,000 people where every shown area
    has a population), hidden counts in grey."""
    from dataclasses import replace

    from tutela.core.maps import auto_scale, render_choropleth_png

    rows = figures["by_area"]
    if not rows:
        return None
    geometries = dict(
        AdminArea.objects.filter(pcode__in=[r["pcode"] for r in rows]).values_list(
            "pcode", "geometry"
        )
    )
    with translation.override(language):
        use_rate = any(r["population"] for r in rows) and all(
            r["population"] for r in rows if r["current"]
        )
        if use_rate:
            values = {r["pcode"]: r["rate"] for r in rows}
            legend = _("Incidents per 10,000 people")
        else:
            values = {r["pcode"]: r["current"] for r in rows}
            legend = _("Incidents")
        scale = replace(
            auto_scale([v for v in values.values() if v is not None]),
            no_data_label=lambda: _("Not shown (small numbers)"),
        )
        title = _("Hot spots: incidents by area")
        subtitle = parse_period(figures["period"]).label()
    return render_choropleth_png(
        areas={p: g for p, g in geometries.items() if g},
        values=values,
        title=title,
        subtitle=subtitle,
        legend_label=legend,
        language=language,
        scale=scale,
        width_px=900,
    )


# --- the document --------------------------------------------------------------------------------


def _month_label(code: str, fmt: str = "M Y") -> str:
    year, month = code.split("-")
    return date_format(datetime.date(int(year), int(month), 1), fmt)


def build_document(
    update: AnalysisUpdate,
    version: AnalysisUpdateVersion | None = None,
    *,
    language: str | None = None,
    with_images: bool = True,
) -> PauDocument:
    """Everything the .docx and the PDF show, in `language` (default: the PAU's)."""
    version = version or latest_version(update)
    language = (language or update.language or "en")[:2]
    sections_text = version.sections if version else {}
    figures = version.figures if version else {}
    with translation.override(language):
        period = parse_period(update.period)
        previous = parse_period(figures.get("previous_period") or update.period).label()
        current = period.label()
        titles = section_titles()
        sections = {
            key: Section(key, titles[key], sections_text.get(key, "")) for key in SECTION_KEYS
        }
        key_table = Table(
            caption=_("Key figures"),
            headers=[_("Figure"), current, previous, _("Change")],
            rows=[],
            numeric={1, 2, 3},
        )
        names = {
            "incidents": _("Protection incidents"),
            "people": _("People affected"),
            "displacement": _("Incidents causing displacement"),
            "households": _("Households displaced"),
        }
        for row in figures.get("key_figures", []):
            key_table.rows.append(
                [
                    names.get(row["key"], row["key"]),
                    num(row["current"]),
                    num(row["previous"]),
                    pct(row["change"]),
                ]
            )
        if figures:
            _fill(sections, figures, language, current, previous, with_images)
        status = AnalysisUpdate.Status(update.status)
        is_final = status == AnalysisUpdate.Status.PUBLISHED
        status_line = (
            "" if is_final else _("%(status)s — not for distribution") % {"status": status.label}
        )
        threshold = figures.get("threshold", 5)
        method_note = " ".join(
            [
                _(
                    "Source: protection incidents reported by the monitoring partners; merged "
                    "duplicates are counted once."
                ),
                _(
                    "GBV incidents are included only for the organisations that agreed to share "
                    "them in aggregate (information-sharing protocol)."
                ),
                _(
                    "Counts below %(threshold)s, and those that would reveal them, are not "
                    "shown (–)."
                )
                % {"threshold": threshold},
            ]
        )
        return PauDocument(
            language=language,
            title=update.title,
            operation=update.operation.name,
            period=current,
            period_dates=_("%(start)s to %(end)s")
            % {
                "start": date_format(period.start, "j F Y"),
                "end": date_format(period.end, "j F Y"),
            },
            scope=update.scope.name if update.scope_id and update.scope else _("Whole operation"),
            version=version.number if version else 0,
            status=update.status,
            status_label=str(status.label),
            is_final=is_final,
            status_line=status_line,
            generated=date_format(
                datetime.datetime.fromisoformat(figures["generated_at"]).date()
                if figures.get("generated_at")
                else timezone.localdate(),
                "j F Y",
            ),
            key_figures=key_table,
            sections=list(sections.values()),
            method_note=method_note,
        )


def _fill(
    sections: dict[str, Section],
    figures: dict[str, Any],
    language: str,
    current: str,
    previous: str,
    with_images: bool,
) -> None:
    # Context: the monthly trend over both periods.
    months = figures["by_month"]
    if months:
        if with_images:
            sections["context"].images.append(
                Image(
                    _("Incidents per month"),
                    line_chart(
                        _("Incidents per month"),
                        [_month_label(m["month"]) for m in months],
                        [m["count"] for m in months],
                    ),
                )
            )
        sections["context"].tables.append(
            Table(
                caption=_("Incidents per month"),
                headers=[_("Month"), _("Incidents")],
                rows=[[_month_label(m["month"], "F Y"), num(m["count"])] for m in months],
                numeric={1},
            )
        )
    # Threats: by risk, by area (with the map), by perpetrator category.
    risks = figures["by_risk"]
    threats = sections["threats"]
    if risks:
        if with_images:
            threats.images.append(
                Image(
                    _("Incidents by protection risk"),
                    bar_chart(
                        _("Incidents by protection risk"),
                        [label(r, language) for r in risks],
                        [
                            (current, [r["current"] for r in risks]),
                            (previous, [r["previous"] for r in risks]),
                        ],
                    ),
                )
            )
        totals = figures.get("by_risk_totals") or {}
        threats.tables.append(
            Table(
                caption=_("Incidents by main protection risk"),
                headers=[_("Protection risk"), current, previous, _("Change")],
                rows=[
                    [label(r, language), num(r["current"]), num(r["previous"]), pct(r["change"])]
                    for r in risks
                ]
                + [[_("Total"), num(totals.get("current")), num(totals.get("previous")), ""]],
                numeric={1, 2, 3},
            )
        )
    areas = figures["by_area"]
    if areas:
        if with_images:
            png = hotspot_map(figures, language)
            if png:
                threats.images.append(Image(_("Hot spots: incidents by area"), png, 14.0))
        threats.tables.append(
            Table(
                caption=_("Incidents by area"),
                headers=[
                    _("Area"),
                    _("P-code"),
                    current,
                    previous,
                    _("Per 10,000 people"),
                ],
                rows=[
                    [
                        a["name"],
                        a["pcode"],
                        num(a["current"]),
                        num(a["previous"]),
                        formats.number_format(a["rate"], decimal_pos=2, use_l10n=True)
                        if a["rate"] is not None
                        else "",
                    ]
                    for a in areas
                ],
                numeric={2, 3, 4},
            )
        )
    perpetrators = figures["perpetrators"]
    if perpetrators:
        threats.tables.append(
            Table(
                caption=_("Incidents by alleged perpetrator category"),
                headers=[_("Alleged perpetrator category"), current, previous],
                rows=[
                    [label(p, language), num(p["current"]), num(p["previous"])]
                    for p in perpetrators
                ],
                numeric={1, 2},
            )
        )
    # Effects: people by sex × age band, population groups, community monitoring.
    people = figures["people"]
    effects = sections["effects"]
    if people.get("age_bands"):
        bands = people["age_bands"]
        rows = []
        for s, sex in enumerate(people["sexes"]):
            rows.append(
                [label(sex, language)]
                + [num(v) for v in people["cells"][s]]
                + [num(people["row_totals"][s])]
            )
        rows.append([_("Total")] + [num(v) for v in people["col_totals"]] + [num(people["total"])])
        effects.tables.append(
            Table(
                caption=_("People affected by sex and age"),
                headers=[_("Sex")] + [label(b, language) for b in bands] + [_("Total")],
                rows=rows,
                numeric=set(range(1, len(bands) + 2)),
                note=_("People with a disability: %(n)s") % {"n": num(people["with_disability"])},
            )
        )
        if with_images and people.get("total"):
            effects.images.append(
                Image(
                    _("People affected by sex and age"),
                    bar_chart(
                        _("People affected by sex and age"),
                        [label(b, language) for b in bands],
                        [
                            (label(sex, language), people["cells"][s])
                            for s, sex in enumerate(people["sexes"])
                        ],
                    ),
                    12.0,
                )
            )
    if people.get("by_group"):
        effects.tables.append(
            Table(
                caption=_("People affected by population group"),
                headers=[_("Population group"), _("People")],
                rows=[[label(g, language), num(g["people"])] for g in people["by_group"]],
                numeric={1},
            )
        )
    community = figures["community"]
    if community.get("risks"):
        # Figures made before community reports were counted (by the selectors) counted
        # distinct communities.
        by_reports = community.get("unit") == "reports"
        unit = "reports" if by_reports else "communities"
        effects.tables.append(
            Table(
                caption=_("Community reports mentioning each risk (community monitoring)")
                if by_reports
                else _("Communities reporting each risk (community monitoring)"),
                headers=[
                    _("Protection risk"),
                    _("Reports") if by_reports else _("Communities"),
                    _("Share"),
                ],
                rows=[
                    [
                        label(r, language),
                        num(r[unit]),
                        (formats.number_format(r["share"], decimal_pos=1, use_l10n=True) + " %")
                        if r["share"] is not None
                        else HIDDEN,
                    ]
                    for r in community["risks"]
                ],
                numeric={1, 2},
                note=(
                    _("Community reports (one per community, month and type of respondent): %(n)s")
                    if by_reports
                    else _("Communities interviewed: %(n)s")
                )
                % {"n": num(community[unit])},
            )
        )
    # Capacities: partners present (5W) and referrals.
    capacities = figures["capacities"]
    cap = sections["capacities"]
    if capacities.get("available"):
        cap.tables.append(
            Table(
                caption=_("Protection partners present (5W)"),
                headers=[_("Area"), _("P-code"), _("Partners")],
                rows=[[a["name"], a["pcode"], num(a["partners"])] for a in capacities["areas"]],
                numeric={2},
            )
        )
    if figures["services"]:
        cap.tables.append(
            Table(
                caption=_("Incidents with a referral, by service"),
                headers=[_("Service"), _("Incidents")],
                rows=[[label(s, language), num(s["incidents"])] for s in figures["services"]],
                numeric={1},
            )
        )


# --- Markdown ------------------------------------------------------------------------------------

_ALLOWED_TAGS = {
    "p",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "b",
    "i",
    "h3",
    "h4",
    "br",
    "code",
    "blockquote",
}


def markdown_html(text: str) -> str:
    html = markdown_lib.markdown(text or "", output_format="html")
    # Headings inside a section are sub-headings of it.
    html = re.sub(r"<(/?)h[1-2]>", r"<\1h3>", html)
    return mark_safe(nh3.clean(html, tags=_ALLOWED_TAGS, attributes={}))  # noqa: S308 - cleaned


_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+(.*)$")
_HEADING = re.compile(r"^\s*#{1,6}\s+(.*)$")
_INLINE = re.compile(r"(\*\*[^*]+\*\*|__[^_]+__|\*[^*]+\*|_[^_]+_|`[^`]+`)")


def markdown_blocks(text: str) -> list[tuple[str, str]]:
    """("heading" | "bullet" | "number" | "paragraph", text) from the Markdown the editors write
    (paragraphs, lists, headings, emphasis): enough for a report, without HTML."""
    blocks: list[tuple[str, str]] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append(("paragraph", " ".join(p.strip() for p in paragraph)))
            paragraph.clear()

    for line in (text or "").replace("\r\n", "\n").split("\n"):
        if not line.strip():
            flush()
            continue
        for kind, pattern in (("heading", _HEADING), ("bullet", _BULLET), ("number", _NUMBERED)):
            match = pattern.match(line)
            if match:
                flush()
                blocks.append((kind, match[1].strip()))
                break
        else:
            if blocks and blocks[-1][0] in {"bullet", "number"} and line.startswith((" ", "\t")):
                kind, previous = blocks[-1]
                blocks[-1] = (kind, previous + " " + line.strip())
            else:
                paragraph.append(line)
    flush()
    return blocks


def inline_runs(text: str) -> list[tuple[str, bool, bool]]:
    """(text, bold, italic) runs of one line of Markdown."""
    runs = []
    for part in _INLINE.split(text):
        if not part:
            continue
        if (part.startswith("**") and part.endswith("**")) or (
            part.startswith("__") and part.endswith("__")
        ):
            runs.append((part[2:-2], True, False))
        elif len(part) > 1 and part[0] in "*_" and part[-1] == part[0]:
            runs.append((part[1:-1], False, True))
        elif part.startswith("`") and part.endswith("`"):
            runs.append((part[1:-1], False, False))
        else:
            runs.append((part, False, False))
    return runs


# --- Word ----------------------------------------------------------------------------------------


def _docx_paragraph(document: Any, text: str, style: str | None = None) -> None:
    paragraph = document.add_paragraph(style=style)
    for run_text, bold, italic in inline_runs(text):
        run = paragraph.add_run(run_text)
        run.bold = bold or None
        run.italic = italic or None


def _docx_table(document: Any, table: Table) -> None:
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
