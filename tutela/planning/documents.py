"""The review committee's recommendation to the fund, as an Excel workbook (openpyxl) and a Word
document (python-docx), in French or English.

Only the chair and the fund managers export it, and each gets only the scores they may see: a
proposal whose scores the person is recused from is listed without any figure or justification.
Every export is written to the audit log.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from tutela.core.models import AuditEntry, User
from tutela.core.services.audit import audit_write
from tutela.core.spreadsheets import FORMULA_START
from tutela.planning import access
from tutela.planning.models import Allocation
from tutela.planning.selectors import reviews as selectors

FORMATS = ("xlsx", "docx")
LANGUAGES = ("fr", "en")
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _yes_no(value: bool | None) -> str:
    if value is None:
        return "—"
    return str(_("Recommended")) if value else str(_("Not recommended"))


def _money(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def _text(value: Any) -> Any:
    """Text for a cell: never read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _rows(ranking: selectors.Ranking, layout: list[Any]) -> tuple[list[str], list[list[Any]]]:
    headers = [
        _("Rank"),
        _("Organisation"),
        _("Proposal"),
        _("Requested (USD)"),
        _("Consensus score (/100)"),
        *[f"{category.code} ({category.weight:g})" for category, _q in layout],
        _("Recommendation"),
        _("Justification"),
    ]
    lines = []
    for row in ranking.rows:
        proposal = row.proposal
        if not row.visible or row.sheet is None:
            lines.append(
                [
                    "",
                    proposal.organisation.acronym,
                    proposal.title,
                    float(proposal.requested_usd),
                    _("Recused: scores not shown"),
                    *["" for _c in layout],
                    "",
                    "",
                ]
            )
            continue
        points = [c.points for c in row.sheet.categories]
        lines.append(
            [
                row.rank,
                proposal.organisation.acronym,
                proposal.title,
                float(proposal.requested_usd),
                float(row.total) if row.total is not None else None,
                *[float(p) if p is not None else None for p in points],
                _yes_no(row.recommended),
                proposal.justification,
            ]
        )
    return [str(h) for h in headers], lines


def _xlsx(allocation: Allocation, ranking: selectors.Ranking, by: User) -> bytes:
    show_conflicts = access.can_see_conflicts(by, allocation)
    layout = selectors.structure(selectors.scorecard_of(allocation))
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = str(_("Recommendation"))[:31]
    sheet.append([_text(f"{allocation.fund_name} — {allocation.name}")])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(
        [
            str(_("Envelope (USD)")),
            float(allocation.envelope_usd),
            str(_("Minimum score")),
            float(allocation.min_score),
        ]
    )
    sheet.append([])
    headers, lines = _rows(ranking, layout)
    sheet.append(headers)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for line in lines:
        sheet.append([_text(v) for v in line])
        sheet.cell(row=sheet.max_row, column=len(line)).alignment = Alignment(wrap_text=True)
    sheet.column_dimensions["C"].width = 40
    sheet.column_dimensions[chr(ord("A") + len(headers) - 1)].width = 80
    card = workbook.create_sheet(str(_("Scorecard"))[:31])
    card.append(
        [str(_("Category")), str(_("Weight (%)")), str(_("Question")), str(_("Highest score"))]
    )
    for category, questions in layout:
        for question in questions:
            card.append(
                [
                    _text(f"{category.code} {category.name}"),
                    float(category.weight),
                    _text(f"{question.code} {question.name}"),
                    question.max_score,
                ]
            )
    if show_conflicts:
        record = workbook.create_sheet(str(_("Conflicts of interest"))[:31])
        record.append([str(_("Reviewer")), str(_("Proposal")), str(_("Reason"))])
        for item in selectors.conflict_record(user=by, allocation=allocation):
            reasons = "; ".join(r.label for r in item.reasons) or str(_("Declared no conflict"))
            record.append(
                [_text(item.reviewer.user.full_name), _text(item.proposal.title), _text(reasons)]
            )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _docx(allocation: Allocation, ranking: selectors.Ranking, by: User) -> bytes:
    show_conflicts = access.can_see_conflicts(by, allocation)
    # heavy library, loaded only when this document is built
    from docx import Document

    layout = selectors.structure(selectors.scorecard_of(allocation))
    document = Document()
    document.core_properties.title = f"{allocation.fund_name} — {allocation.name}"
    document.add_heading(str(_("Recommendation of the review committee")), level=0)
    document.add_paragraph(f"{allocation.fund_name} — {allocation.name}")
    document.add_paragraph(
        _("Envelope: USD %(envelope)s. Minimum score: %(minimum)s/100.")
        % {"envelope": _money(allocation.envelope_usd), "minimum": allocation.min_score}
    )
    if allocation.strategy:
        document.add_heading(str(_("Allocation strategy")), level=1)
        document.add_paragraph(allocation.strategy)
    document.add_heading(str(_("Ranking")), level=1)
    table = document.add_table(rows=1, cols=5)
    table.style = "Table Grid"
    for cell, text in zip(
        table.rows[0].cells,
        [_("Rank"), _("Proposal"), _("Requested (USD)"), _("Score (/100)"), _("Recommendation")],
        strict=True,
    ):
        cell.paragraphs[0].add_run(str(text)).bold = True
    for row in ranking.rows:
        proposal = row.proposal
        cells = table.add_row().cells
        cells[0].text = str(row.rank or "")
        cells[1].text = f"{proposal.organisation.acronym} — {proposal.title}"
        cells[2].text = _money(proposal.requested_usd)
        if row.visible:
            cells[3].text = "—" if row.total is None else f"{row.total}"
            cells[4].text = _yes_no(row.recommended)
        else:
            cells[3].text = str(_("Recused: scores not shown"))
    document.add_heading(str(_("Justifications")), level=1)
    for row in ranking.rows:
        if not row.visible or row.sheet is None:
            continue
        proposal = row.proposal
        document.add_heading(f"{row.rank}. {proposal.organisation.acronym} — {proposal.title}", 2)
        shares = ", ".join(
            f"{c.category.name}: {c.points if c.points is not None else '—'}/{c.category.weight:g}"
            for c in row.sheet.categories
        )
        document.add_paragraph(shares)
        document.add_paragraph(proposal.justification or "—")
    document.add_heading(str(_("Scorecard")), level=1)
    for category, questions in layout:
        document.add_paragraph(f"{category.code} {category.name} ({category.weight:g} %)")
        for question in questions:
            document.add_paragraph(
                f"{question.code} {question.name} (0-{question.max_score})", style="List Bullet"
            )
    if show_conflicts:
        document.add_heading(str(_("Conflicts of interest")), level=1)
        for item in selectors.conflict_record(user=by, allocation=allocation):
            reasons = "; ".join(r.label for r in item.reasons) or str(_("Declared no conflict"))
            document.add_paragraph(
                f"{item.reviewer.user.full_name} — {item.proposal.title}: {reasons}",
                style="List Bullet",
            )
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def recommendation_file(
    *, allocation: Allocation, by: User, fmt: str, language: str, request: HttpRequest | None
) -> tuple[bytes, str, str]:
    """(content, file name, content type) of the recommendation as `by` may see it."""
    if not access.can_export_recommendation(by, allocation):
        raise PermissionDenied
    ranking = selectors.ranking(user=by, allocation=allocation)
    with translation.override(language):
        content = (_xlsx if fmt == "xlsx" else _docx)(allocation, ranking, by)
    filename = (
        f"{allocation.operation.slug}-recommendation-{allocation.pk}-{language}-"
        f"{timezone.localdate().isoformat()}.{fmt}"
    )
    audit_write(
        actor=by,
        action=AuditEntry.Action.EXPORT,
        instance=allocation,
        operation=allocation.operation,
        summary=f"Recommendation exported ({fmt}, {language}): {allocation.name}",
        after={
            "format": fmt,
            "language": language,
            "proposals_with_scores": sum(1 for r in ranking.rows if r.visible),
            "proposals_without": sum(1 for r in ranking.rows if not r.visible),
        },
        request=request,
    )
    return content, filename, CONTENT_TYPES[fmt]
