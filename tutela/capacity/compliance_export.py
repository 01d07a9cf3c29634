"""The reporting-compliance table (one row per organisation and round) as XLSX or CSV: a header
row, an HXL hashtag row, then the rows. Text never becomes a formula (tutela.core.spreadsheets).
Each export is written to the audit log."""

from __future__ import annotations

import csv
import io

from django.utils import timezone
from openpyxl import Workbook

from tutela.capacity.selectors import compliance
from tutela.core.models import AuditEntry, Operation, User
from tutela.core.services.audit import audit_write
from tutela.core.spreadsheets import csv_row, sheet_title, xlsx_row

FORMATS = ("xlsx", "csv")
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def table_bytes(board: compliance.Dashboard, fmt: str) -> tuple[bytes, int]:
    headers, tags = compliance.export_headers()
    rows = compliance.export_rows(board)
    if fmt == "csv":
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(csv_row(headers))
        writer.writerow(tags)
        for row in rows:
            writer.writerow(csv_row(row))
        return text.getvalue().encode("utf-8-sig"), len(rows)
    if fmt != "xlsx":
        raise ValueError(f"Unknown export format: {fmt!r}")
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title("5W compliance"))
    sheet.append(xlsx_row(sheet, headers))
    sheet.append(xlsx_row(sheet, tags))
    for row in rows:
        sheet.append(xlsx_row(sheet, row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), len(rows)


def compliance_export(*, operation: Operation, by: User, fmt: str) -> tuple[bytes, str]:
    """The table's bytes and file name; the export is audited."""
    board = compliance.dashboard(operation, by_organisation=True)
    content, count = table_bytes(board, fmt)
    filename = f"{operation.slug}-reporting-compliance-{timezone.localdate().isoformat()}.{fmt}"
    audit_write(
        actor=by,
        action=AuditEntry.Action.EXPORT,
        operation=operation,
        entity_type="capacity.compliance",
        summary=f"Exported reporting compliance ({count} rows) to {filename}",
        after={"format": fmt, "rows": count},
    )
    return content, filename
