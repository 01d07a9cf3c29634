"""The contact directory as an Excel workbook (.xlsx), in the user's language."""

from __future__ import annotations

import io
from collections.abc import Iterable

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from tutela.core.models import Contact, Operation
from tutela.core.spreadsheets import sheet_title, xlsx_text

CONTACTS_HXL = [
    "#contact+name",
    "#contact+title",
    "#org+acronym",
    "#org+name",
    "#contact+email",
    "#contact+phone",
    "#sector+code+list",
    "#status+active",
]


def contacts_workbook(contacts: Iterable[Contact], *, operation: Operation) -> bytes:
    """One sheet: bold header row and HXL row, frozen, with an autofilter, then one row per contact.

    Pass contacts with `organisation` selected and `bodies` prefetched."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = sheet_title(_("Contacts"))
    headers = [
        _("Name"),
        _("Title"),
        _("Organisation"),
        _("Organisation name"),
        _("E-mail"),
        _("Phone"),
        _("Coordination bodies"),
        _("Active"),
    ]
    widths = [len(header) for header in headers]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    # The HXL hashtag row (tutela.core.hxl), so HXL tools read the directory.
    sheet.append(CONTACTS_HXL)
    for cell in sheet[2]:
        cell.font = Font(italic=True, color="1F4E79")
    row_number = 2
    for contact in contacts:
        row_number += 1
        values = [
            contact.name,
            contact.title,
            contact.organisation.acronym,
            contact.organisation.name,
            contact.email,
            contact.phone,
            ", ".join(body.code or body.name for body in contact.bodies.all()),
            _("yes") if contact.is_active else _("no"),
        ]
        for column, value in enumerate(values, start=1):
            xlsx_text(sheet.cell(row=row_number, column=column), value)
            widths[column - 1] = max(widths[column - 1], len(value))
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = min(max(width + 2, 8), 60)
    sheet.freeze_panes = "A3"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{row_number}"
    workbook.properties.title = f"{operation.name} — {_('Contacts')}"
    workbook.properties.creator = "Tutela"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
