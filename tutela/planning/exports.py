"""Planning and funding tables as XLSX or CSV: a header row, an HXL hashtag row, then the rows,
and a note under them stating the counting rule (and the small-count rule where it applied).

Text that a spreadsheet would run as a formula is neutralised: in CSV a cell starting with =, +,
-, @, a tab or a carriage return gets a leading apostrophe (as the 5W exports do); in XLSX such
text is written as a text cell, never as a formula. Every export is written to the audit log.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill

from tutela.core.models import AuditEntry, Operation, User
from tutela.core.services.audit import audit_write
from tutela.core.spreadsheets import csv_safe, sheet_title
from tutela.core.views.common import download

FORMATS = ("xlsx", "csv")
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


@dataclass
class Column:
    header: str
    hxl: str


def _plain(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return value


def table_bytes(
    *,
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    fmt: str,
    title: str,
    notes: Sequence[str] = (),
) -> bytes:
    """The table as XLSX or CSV bytes."""
    lines = [[_plain(v) for v in row] for row in rows]
    headers = [c.header for c in columns]
    tags = [c.hxl for c in columns]
    if fmt == "csv":
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(headers)
        writer.writerow(tags)
        for line in lines:
            writer.writerow([csv_safe(v) for v in line])
        for note in notes:
            writer.writerow([csv_safe(note)])
        return text.getvalue().encode("utf-8-sig")
    if fmt != "xlsx":
        raise ValueError(f"Unknown export format: {fmt!r}")
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title(title) or "Sheet")

    def text_cell(value: Any, font: Font | None = None, fill: PatternFill | None = None) -> Any:
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        if font is not None:
            cell.font = font
        if fill is not None:
            cell.fill = fill
        return cell

    sheet.append([text_cell(h, Font(bold=True)) for h in headers])
    sheet.append(
        [
            text_cell(t, Font(italic=True, color="1F4E79"), PatternFill("solid", fgColor="DDEBF7"))
            for t in tags
        ]
    )
    for line in lines:
        # Strings are always written as text: openpyxl would take "=..." for a formula.
        sheet.append([text_cell(v) if isinstance(v, str) else v for v in line])
    for note in notes:
        sheet.append([text_cell(note, Font(italic=True))])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_response(
    *,
    operation: Operation,
    by: User,
    name: str,
    columns: Sequence[Column],
    rows: Sequence[Sequence[Any]],
    fmt: str,
    notes: Sequence[str] = (),
    entity_type: str = "",
    entity_id: str = "",
    request: HttpRequest | None = None,
) -> HttpResponse:
    """The table as a download, written to the audit log as an export."""
    content = table_bytes(columns=columns, rows=rows, fmt=fmt, title=name, notes=notes)
    filename = f"{operation.slug}-{name}-{timezone.localdate().isoformat()}.{fmt}"
    audit_write(
        actor=by,
        action=AuditEntry.Action.EXPORT,
        operation=operation,
        entity_type=entity_type,
        entity_id=entity_id,
        summary=f"Exported {name} ({len(rows)} rows) to {filename}",
        after={"format": fmt, "rows": len(rows)},
        request=request,
    )
    return download(content, filename, CONTENT_TYPES[fmt])


def suppression_note(threshold: int) -> str:
    return _(
        "Empty reached figures are hidden to protect people: fewer than %(n)s, or enough to work "
        "one out from the others."
    ) % {"n": threshold}


def framework_download(
    framework: Any, *, fmt: str, by: User, request: HttpRequest | None = None
) -> HttpResponse:
    """The plan's monitoring framework (reached against target per indicator)."""
    plan = framework.plan
    columns = [
        Column(_("Objective"), "#meta+objective+code"),
        Column(_("Indicator code"), "#indicator+code"),
        Column(_("Indicator"), "#indicator+name"),
        Column(_("Unit"), "#indicator+unit"),
        Column(_("Cluster / AoR"), "#sector+code"),
        Column(_("Baseline"), "#indicator+baseline"),
        Column(_("Target"), "#targeted"),
        Column(_("Reached"), "#reached"),
        Column(_("Reached (%)"), "#reached+pct"),
    ]
    rows = [
        [
            row.indicator.objective.code,
            row.indicator.code,
            row.indicator.name,
            row.indicator.get_unit_display(),
            row.indicator.body.code if row.indicator.body else "",
            row.indicator.baseline,
            row.indicator.target,
            row.reached,
            row.pct,
        ]
        for row in framework.rows
    ]
    notes = [framework.rule_text]
    if framework.suppressed:
        notes.append(suppression_note(framework.threshold))
    return export_response(
        operation=plan.operation,
        by=by,
        name=f"framework-{plan.year}",
        columns=columns,
        rows=rows,
        fmt=fmt,
        notes=notes,
        entity_type="planning.plan",
        entity_id=str(plan.pk),
        request=request,
    )


def coverage_rule(by: str) -> str:
    if by == "organisation":
        return _(
            "Requirements: the approved projects of the year. Funding: commitments and paid "
            "contributions of the year (pledges apart), by recipient organisation."
        )
    return _(
        "Requirements: the approved projects of the year. Funding: commitments and paid "
        "contributions of the year (pledges apart). A project's requirements and funding are "
        "spread over its locations (or activities) in equal shares; funding that names no "
        "project cannot be placed and is shown apart."
    )


def coverage_columns(by: str, level: int) -> list[Column]:
    first = {
        "organisation": [
            Column(_("Organisation (acronym)"), "#org+acronym+impl"),
            Column(_("Organisation"), "#org+name+impl"),
        ],
        "area": [
            Column(_("P-code"), f"#adm{level}+code"),
            Column(_("Admin area"), f"#adm{level}+name"),
        ],
        "activity": [
            Column(_("Activity code"), "#activity+code"),
            Column(_("Activity"), "#activity+name"),
        ],
    }[by]
    return [
        *first,
        Column(_("Projects"), "#activity+project+num"),
        Column(_("Requirements (USD)"), "#value+funding+required+usd"),
        Column(_("Funding received (USD)"), "#value+funding+total+usd"),
        Column(_("Funded (%)"), "#value+funding+pct"),
        Column(_("Pledged (USD)"), "#value+funding+pledged+usd"),
    ]


def coverage_lines(coverage: Any) -> list[list[Any]]:
    lines = [
        [
            row.code,
            row.label or _("No location or activity given"),
            row.projects,
            row.requirements,
            row.funded,
            row.pct_funded,
            row.pledged,
        ]
        for row in coverage.rows
    ]
    if coverage.unattributed.funded or coverage.unattributed.pledged:
        lines.append(
            [
                "",
                _("Not attributed"),
                "",
                None,
                coverage.unattributed.funded,
                None,
                coverage.unattributed.pledged,
            ]
        )
    total = coverage.total
    lines.append(
        [
            "",
            _("Total"),
            total.projects,
            total.requirements,
            total.funded,
            total.pct_funded,
            total.pledged,
        ]
    )
    return lines


def flow_columns() -> list[Column]:
    return [
        Column(_("FTS flow id"), "#activity+id+fts_internal"),
        Column(_("Year"), "#date+year"),
        Column(_("Donor"), "#org+name+funder"),
        Column(_("Recipient organisation"), "#org+acronym+impl"),
        Column(_("Project code"), "#activity+project+code+impl"),
        Column(_("Amount (USD)"), "#value+funding+total+usd"),
        Column(_("Status"), "#status+text"),
        Column(_("Decision date"), "#date+decision"),
        Column(_("Description"), "#description+notes"),
        Column(_("Source"), "#meta+source"),
    ]


def flow_lines(flows: Iterable[Any]) -> list[list[Any]]:
    return [
        [
            flow.fts_id,
            flow.year,
            flow.donor.name,
            flow.organisation.acronym if flow.organisation else flow.fts_destination,
            flow.project.code if flow.project else flow.fts_project_code,
            flow.amount_usd,
            flow.status,
            flow.decision_date,
            flow.description,
            flow.source,
        ]
        for flow in flows
    ]
