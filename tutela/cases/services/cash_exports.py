"""The reconciliation export of cash for protection: planned against paid, per instalment and
delivery mechanism, for the finance team and the payment provider's statement.

It has its own permission (`cash_reconciliation` in tutela.cases.access.EXPORTS: the team's
supervisors). It carries no identifying information at all — case and cash codes, dates,
amounts, mechanism, status and the payment reference — so no consent is needed for any of its
columns; the Excel file is password-protected like the caseload export, and the CSV form comes
inside an AES-encrypted ZIP with the same password (pyzipper). Every export is audited.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from openpyxl import Workbook

from tutela.cases import access
from tutela.cases.selectors.cash import reconciliation_rows
from tutela.cases.services.exports import _check_password, encrypt_workbook
from tutela.core.models import AuditEntry, Operation, User
from tutela.core.services.audit import audit_write
from tutela.core.spreadsheets import csv_row, sheet_title, xlsx_row

FORMATS = ("xlsx", "csv")


def _header() -> list[str]:
    return [
        str(h)
        for h in (
            _("Cash code"),
            _("Case code"),
            _("Delivery mechanism"),
            _("Instalment"),
            _("Due on"),
            _("Currency"),
            _("Planned amount"),
            _("Status"),
            _("Paid on"),
            _("Amount paid"),
            _("Difference"),
            _("Payment reference"),
        )
    ]


def reconciliation_table(user: User, operation: Operation) -> tuple[list[str], list[list[Any]]]:
    rows: list[list[Any]] = []
    for item in reconciliation_rows(user, operation):
        record = item.assistance
        paid = item.paid_amount if item.paid_amount is not None else Decimal("0")
        rows.append(
            [
                record.code,
                record.case.code,
                record.get_mechanism_display(),
                item.number,
                item.due_on,
                record.currency,
                item.amount,
                item.get_status_display(),
                item.paid_on,
                item.paid_amount,
                paid - item.amount if item.status == item.Status.PAID else None,
                item.reference,
            ]
        )
    return _header(), rows


def _zip(name: str, content: bytes, password: str) -> bytes:
    # heavy library, loaded only when this export is built
    import pyzipper

    output = io.BytesIO()
    with pyzipper.AESZipFile(
        output, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES
    ) as archive:
        archive.setpassword(password.encode())
        archive.writestr(name, content)
    return output.getvalue()


def cash_reconciliation_export(
    *, operation: Operation, by: User, password: str, file_format: str = "xlsx"
) -> bytes:
    """The team's instalments, planned against paid (encrypted XLSX, or CSV in an encrypted
    ZIP)."""
    if not access.can_export(by, operation, "cash_reconciliation"):
        raise PermissionDenied
    if file_format not in FORMATS:
        raise ValidationError({"file_format": _("Choose Excel or CSV.")})
    _check_password(password)
    header, rows = reconciliation_table(by, operation)
    audit_write(
        actor=by,
        action=AuditEntry.Action.EXPORT,
        operation=operation,
        entity_type="cases.cash_reconciliation",
        entity_id=str(operation.pk),
        summary=f"cash reconciliation exported ({len(rows)} instalments, {file_format})",
    )
    if file_format == "csv":
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(header)
        writer.writerows(csv_row(row) for row in rows)
        return _zip("reconciliation.csv", ("\ufeff" + text.getvalue()).encode("utf-8"), password)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = sheet_title(str(_("Reconciliation")))
    sheet.append(header)
    for row in rows:
        sheet.append(xlsx_row(sheet, row))
    return encrypt_workbook(workbook, password)
