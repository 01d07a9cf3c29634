"""The CCPM report of a closed round as a Word document (editable before it is shared) and as a
PDF, in French or English (or Spanish): per body evaluated, the response rate and the banded
results by function and sub-function with the colours clusters use, the comparison with the
previous round, then the action plan with the state of its action points.

It is built from the same selectors as the results page, so a body under the minimum number of
answers shows no figure here either.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tutela.capacity import ccpm_scoring
from tutela.capacity.models import CcpmRound
from tutela.capacity.selectors import ccpm as selectors
from tutela.capacity.selectors import coordination_link

CSS_FILE = Path(__file__).resolve().parent / "templates" / "capacity" / "ccpm_report.css"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_MIME = "application/pdf"


@dataclass
class Line:
    level: int  # 1 function, 2 sub-function
    label: str
    median: str
    band: str
    band_code: str
    previous: str


@dataclass
class BodySection:
    name: str
    response_line: str
    shown: bool
    withheld_line: str
    coordinator_line: str
    lines: list[Line] = field(default_factory=list)


@dataclass
class ActionLine:
    action: str
    body: str
    subfunction: str
    owner: str
    due: str
    state: str


@dataclass
class Report:
    language: str
    title: str
    operation: str
    period: str
    generated: str
    method: list[str]
    bodies: list[BodySection]
    actions: list[ActionLine]


def _value(median: float | None) -> str:
    return f"{median:.2f}" if median is not None else "—"


def _band_label(band: ccpm_scoring.Band | None) -> str:
    return str(band.label) if band is not None else _("Not enough answers")


def build(round: CcpmRound, language: str) -> Report:
    with translation.override(language):
        tracking = {t.body.pk: t for t in selectors.round_tracking(round)}
        sections = []
        for result in selectors.round_results(round):
            track = tracking.get(result.body.pk)
            invited = track.invited if track else 0
            answered = track.answered if track else 0
            section = BodySection(
                name=result.body.name,
                response_line=_("%(answered)s of %(invited)s invited partners answered.")
                % {"answered": answered, "invited": invited},
                shown=result.shown,
                withheld_line=_(
                    "Fewer than %(n)s partners answered: no result is shown for this body, so "
                    "that nobody's answers can be recognised."
                )
                % {"n": round.minimum_responses},
                coordinator_line=(
                    _("The coordination team's own answers are included in the medians.")
                    if result.has_coordinator_answers
                    else _("The coordination team did not answer its questionnaire.")
                ),
            )
            for function in result.functions:
                section.lines.append(_line(1, f"{function.code}. {function.name}", function.score))
                for sub in function.subs:
                    section.lines.append(_line(2, f"{sub.code} {sub.name}", sub.score))
            sections.append(section)
        items = selectors.action_items(round)
        states = coordination_link.action_points_state(
            round.operation, [i.action_point_id for i in items if i.action_point_id]
        )
        actions = [
            ActionLine(
                action=item.action,
                body=item.body.name if item.body else "",
                subfunction=item.subfunction.code if item.subfunction else "",
                owner=item.owner_organisation.acronym if item.owner_organisation else "",
                due=item.due_date.isoformat() if item.due_date else "",
                state=(
                    states[item.action_point_id].status_label
                    if item.action_point_id in states
                    else _("not yet an action point")
                ),
            )
            for item in items
        ]
        return Report(
            language=language,
            title=_("Cluster coordination performance report — %(title)s") % {"title": round.title},
            operation=round.operation.name,
            period=f"{round.opens_on.isoformat()} – {round.closes_on.isoformat()}",
            generated=timezone.localtime().strftime("%Y-%m-%d %H:%M"),
            method=[
                _(
                    "Partners answered anonymously through personal links; the coordination "
                    "team answered its own questionnaire."
                ),
                _(
                    "Each answer scores between 0 and 1: yes 1, no 0; never 0, rarely 0.33, "
                    "fairly often 0.67, very regularly 1; “don't know” is left out."
                ),
                _(
                    "A function's or sub-function's performance is the median of its answers' "
                    "scores: Good above 0.75, Satisfactory 0.51–0.75, Unsatisfactory 0.26–0.50, "
                    "Weak 0.25 or less."
                ),
                _(
                    "Results are shown only for bodies with at least %(n)s partner answers, and "
                    "sub-functions with at least %(n)s partners' scored answers."
                )
                % {"n": round.minimum_responses},
            ],
            bodies=sections,
            actions=actions,
        )


def _line(level: int, label: str, score: selectors.Score) -> Line:
    previous = ""
    if score.previous_median is not None:
        previous = f"{_value(score.previous_median)} ({_band_label(score.previous_band)})"
    return Line(
        level=level,
        label=label,
        median=_value(score.median),
        band=_band_label(score.band),
        band_code=score.band.code if score.band else "none",
        previous=previous,
    )


# --- Word ----------------------------------------------------------------------------------------


def _shade(cell: object, colour: str) -> None:
    # heavy library, loaded only when this document is built
    from docx.oxml import OxmlElement

    # heavy library, loaded only when this document is built
    from docx.oxml.ns import qn

    properties = cell._tc.get_or_add_tcPr()  # type: ignore[attr-defined]
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), colour)
    properties.append(shading)


def report_docx(report: Report) -> bytes:
    # heavy library, loaded only when this document is built
    from docx import Document

    # heavy library, loaded only when this document is built
    from docx.shared import Cm, Pt

    colours = {band.code: ccpm_scoring.HEX[band.colour] for band in ccpm_scoring.BANDS}
    document = Document()
    document.core_properties.title = report.title
    document.core_properties.language = report.language
    section = document.sections[0]
    section.left_margin = section.right_margin = Cm(2)
    with translation.override(report.language):
        section.header.paragraphs[0].text = report.operation
        document.add_heading(report.title, level=0)
        meta = document.add_paragraph()
        meta.add_run(_("Survey period: ")).bold = True
        meta.add_run(report.period)
        meta.add_run("\n" + _("Generated: ")).bold = True
        meta.add_run(report.generated)
        for body in report.bodies:
            document.add_heading(body.name, level=1)
            document.add_paragraph(body.response_line)
            if not body.shown:
                document.add_paragraph(body.withheld_line).runs[0].italic = True
                continue
            document.add_paragraph(body.coordinator_line)
            table = document.add_table(rows=1, cols=4)
            table.style = "Table Grid"
            headers = [_("Function / sub-function"), _("Median"), _("Performance"), _("Previous")]
            for index, header in enumerate(headers):
                cell = table.rows[0].cells[index]
                cell.text = ""
                run = cell.paragraphs[0].add_run(header)
                run.bold = True
                run.font.size = Pt(9)
            for line in body.lines:
                cells = table.add_row().cells
                for index, value in enumerate([line.label, line.median, line.band, line.previous]):
                    run = cells[index].paragraphs[0].add_run(value)
                    run.font.size = Pt(9)
                    run.bold = line.level == 1
                if line.band_code in colours:
                    _shade(cells[2], colours[line.band_code])
        document.add_heading(_("Action plan"), level=1)
        if report.actions:
            table = document.add_table(rows=1, cols=6)
            table.style = "Table Grid"
            headers = [_("Action"), _("Body"), _("Sub-function"), _("Owner"), _("Due"), _("Status")]
            for index, header in enumerate(headers):
                table.rows[0].cells[index].text = header
            for action in report.actions:
                cells = table.add_row().cells
                values = [
                    action.action,
                    action.body,
                    action.subfunction,
                    action.owner,
                    action.due,
                    action.state,
                ]
                for index, value in enumerate(values):
                    cells[index].text = value
        else:
            document.add_paragraph(_("No action has been agreed yet."))
        document.add_heading(_("Method"), level=1)
        for paragraph in report.method:
            document.add_paragraph(paragraph, style="List Bullet")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- PDF -----------------------------------------------------------------------------------------


def report_html(report: Report) -> str:
    with translation.override(report.language):
        return render_to_string("capacity/ccpm_report.html", {"report": report})


def report_pdf(report: Report) -> bytes:
    # heavy library, loaded only when this document is built
    from weasyprint import CSS, HTML

    return bytes(
        HTML(string=report_html(report), base_url=str(CSS_FILE.parent)).write_pdf(
            stylesheets=[CSS(filename=str(CSS_FILE))]
        )
    )


def render(round: CcpmRound, fmt: str, language: str) -> tuple[bytes, str, str]:
    """(content, MIME type, file name) of the report as "docx" or "pdf"."""
    report = build(round, language)
    name = f"CCPM-{round.operation.slug}-{round.closes_on.isoformat()}-{language}"
    if fmt == "docx":
        return report_docx(report), DOCX_MIME, f"{name}.docx"
    if fmt == "pdf":
        return report_pdf(report), PDF_MIME, f"{name}.pdf"
    raise ValueError(f"unknown format {fmt!r}")
