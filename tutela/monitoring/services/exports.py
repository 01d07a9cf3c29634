"""CSV and XLSX exports of the monitoring aggregates, exactly as the user sees them (already
disclosure-controlled by the selectors: a hidden value is written as an empty cell with a note)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from tutela.core.models import Operation, User
from tutela.core.models.audit import AuditEntry
from tutela.core.services.audit import audit_write
from tutela.core.spreadsheets import csv_row, sheet_title, xlsx_row
from tutela.monitoring.selectors import Table

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _grid(table: Table) -> list[list[Any]]:
    header = [table.row_header or "", *table.col_labels]
    if table.additive_columns:
        header.append(_("Total"))
    rows: list[list[Any]] = [header]
    for _key, label, cells, total in table.rows():
        line: list[Any] = [label, *cells]
        if table.additive_columns:
            line.append(total)
        rows.append(line)
    if table.additive_columns:
        rows.append([_("Total"), *table.col_totals, table.grand_total])
    return rows


def _note(table: Table) -> str:
    if not table.controlled:
        return ""
    return _(
        "Empty cells are hidden to protect people (fewer than %(n)s, or enough to work one out). "
        "Small groups of incidents you may not see one by one are pooled or left out."
    ) % {"n": table.threshold}


def tables_export(
    *,
    by: User,
    operation: Operation,
    tables: Sequence[Table],
    fmt: str,
    name: str,
    request: Any = None,
) -> tuple[bytes, str, str]:
    """(content, file name, content type); the export is written to the audit log."""
    stamp = timezone.localdate().isoformat()
    filename = f"{operation.slug}-{name}-{stamp}.{fmt}"
    if fmt == "xlsx":
        workbook = Workbook()
        sheet = workbook.active
        assert sheet is not None
        workbook.remove(sheet)
        for table in tables:
            ws = workbook.create_sheet(title=sheet_title(table.title or name))
            ws.append(xlsx_row(ws, [table.title]))
            ws["A1"].font = Font(bold=True)
            for row in _grid(table):
                ws.append(xlsx_row(ws, ["" if v is None else v for v in row]))
            note = _note(table)
            if note:
                ws.append([])
                ws.append(xlsx_row(ws, [note]))
        buffer = io.BytesIO()
        workbook.save(buffer)
        content, content_type = buffer.getvalue(), XLSX_TYPE
    else:
        text = io.StringIO()
        writer = csv.writer(text)
        for index, table in enumerate(tables):
            if index:
                writer.writerow([])
            writer.writerow(csv_row([table.title]))
            for row in _grid(table):
                writer.writerow(csv_row("" if v is None else v for v in row))
            note = _note(table)
            if note:
                writer.writerow(csv_row([note]))
        content, content_type = text.getvalue().encode("utf-8-sig"), CSV_TYPE
    audit_write(
        actor=by,
        action=AuditEntry.Action.EXPORT,
        operation=operation,
        summary=f"monitoring analysis export {filename}",
        request=request,
        entity_type="monitoring.analysis",
        entity_id=name,
    )
    return content, filename, content_type
