"""CSV and XLSX exports of the monitoring aggregates, exactly as the user sees them (already
disclosure-controlled by the selectors: a hidden value is written as an empty cell with a note).

Each table has a header row and an HXL hashtag row (tutela.core.hxl) so HXL tools read it: in the
XLSX one sheet a table (title above the header); in CSV one table a file, since an HXL CSV holds
one table: a page with several tables downloads as a ZIP of CSV files."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from tutela.core.hxl import attribute as hxl_attribute
from tutela.core.models import Operation, User
from tutela.core.models.audit import AuditEntry
from tutela.core.services.audit import audit_write
from tutela.core.spreadsheets import csv_row, sheet_title, xlsx_row
from tutela.monitoring.selectors import Table

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIP_TYPE = "application/zip"


def hxl_tags(table: Table) -> list[str]:
    """The HXL row of `table`: its row label tag, one count tag a column, then the total's."""
    if len(table.col_keys) == 1:
        columns = [table.value_hxl]
    else:
        columns = [f"{table.value_hxl}+{hxl_attribute(label)}" for label in table.col_labels]
    tags = [table.row_hxl, *columns]
    if table.additive_columns:
        tags.append(f"{table.value_hxl}+total")
    return tags


def _grid(table: Table, *, with_totals: bool = True) -> list[list[Any]]:
    header = [table.row_header or "", *table.col_labels]
    if table.additive_columns:
        header.append(_("Total"))
    rows: list[list[Any]] = [header, hxl_tags(table)]
    for _key, label, cells, total in table.rows():
        line: list[Any] = [label, *cells]
        if table.additive_columns:
            line.append(total)
        rows.append(line)
    if table.additive_columns and with_totals:
        rows.append([_("Total"), *table.col_totals, table.grand_total])
    return rows


def _note(table: Table) -> str:
    if not table.controlled:
        return ""
    return _(
        "Empty cells are hidden to protect people (fewer than %(n)s, or enough to work one out). "
        "Small groups of incidents you may not see one by one are pooled or left out."
    ) % {"n": table.threshold}


def _csv(table: Table) -> bytes:
    """One table as an HXL CSV: its title and protection note above the header (HXL readers skip
    what is above the header), header, hashtags, rows. No totals row: a program adding up a
    column would count everything twice (the XLSX, for people, has it)."""
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(csv_row([table.title]))
    note = _note(table)
    if note:
        writer.writerow(csv_row([note]))
    for row in _grid(table, with_totals=False):
        writer.writerow(csv_row("" if v is None else v for v in row))
    return text.getvalue().encode("utf-8-sig")


def tables_export(
    *,
    by: User,
    operation: Operation,
    tables: Sequence[Table],
    fmt: str,
    name: str,
    request: HttpRequest | None = None,
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
            # Above the header, where HXL readers do not take it for a row of data.
            note = _note(table)
            if note:
                ws.append(xlsx_row(ws, [note]))
            for row in _grid(table):
                ws.append(xlsx_row(ws, ["" if v is None else v for v in row]))
        buffer = io.BytesIO()
        workbook.save(buffer)
        content, content_type = buffer.getvalue(), XLSX_TYPE
    elif len(tables) == 1:
        content, content_type = _csv(tables[0]), CSV_TYPE
    else:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for index, table in enumerate(tables, start=1):
                archive.writestr(f"{index:02d}-{hxl_attribute(table.title)}.csv", _csv(table))
        filename = f"{operation.slug}-{name}-{stamp}.zip"
        content, content_type = buffer.getvalue(), ZIP_TYPE
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
