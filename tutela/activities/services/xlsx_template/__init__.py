"""The per-organisation 5W Excel template: what a partner downloads, fills in and uploads back.

Sheets, in order:
- "Instructions" (in the user's language): how to fill the sheet, the counting rules, and what
  each column means.
- "5W", the data sheet: row 1 holds the column headers the importer recognises (the field names of
  `tutela.activities.models.fields`), row 2 the HXL hashtags (so the file is an HXL dataset as
  well), and data starts on row 3. Dropdowns (data validations) cover codes and places; admin
  area names cascade (choose a region: the cercle list shows only its cercles) through one named
  range per parent P-code on the hidden "Lists" sheet and INDIRECT(); the P-code columns fill
  themselves from the chosen names (INDEX/MATCH), or take a P-code typed over the formula.
- "Activities", a read-only reference: the codes with their names in the user's language.
- "Lists", hidden and protected: the lookup tables behind the dropdowns.

Mali has 701 communes: every list lives once on "Lists" and validations cover whole column ranges
(one validation per column, not per cell), so the file stays small and opens quickly in Excel and
LibreOffice.

Modules: layout (what the sheets share), lists (the hidden lookup lists), guide (instructions
and the activities reference), data_sheet (the sheet partners fill in).
"""

from __future__ import annotations

import datetime
import io
import re

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from openpyxl import Workbook
from openpyxl.packaging.custom import StringProperty

from tutela.activities.models import Activity, Indicator, ReportingRound
from tutela.activities.models.fields import REQUIRED
from tutela.activities.services.xlsx_template.data_sheet import (
    write_data_sheet,
)
from tutela.activities.services.xlsx_template.guide import (
    write_instructions,
    write_reference,
)
from tutela.activities.services.xlsx_template.layout import (
    DATA_ROWS,
    DATA_SHEET,
    FIRST_DATA_ROW,
    TEMPLATE_FIELDS,
    TEMPLATE_VERSION,
    _areas,
    _months,
)
from tutela.activities.services.xlsx_template.lists import (
    write_lists,
)
from tutela.core.models import Operation, Organisation, PopulationGroup
from tutela.core.spreadsheets import sheet_title

__all__ = [
    "DATA_ROWS",
    "DATA_SHEET",
    "FIRST_DATA_ROW",
    "TEMPLATE_FIELDS",
    "template_filename",
    "template_workbook",
]


def template_workbook(
    *,
    operation: Operation,
    organisation: Organisation,
    language: str,
    round: ReportingRound | None = None,
    data_rows: int = DATA_ROWS,
) -> bytes:
    """The 5W template for one organisation of the operation, in `language`, as .xlsx bytes.

    With `round`, the month list holds that round's month only; otherwise every open round's."""
    with override(language):
        return _template_workbook(
            operation=operation,
            organisation=organisation,
            language=language,
            round=round,
            data_rows=data_rows,
        )


def _template_workbook(
    *,
    operation: Operation,
    organisation: Organisation,
    language: str,
    round: ReportingRound | None,
    data_rows: int,
) -> bytes:
    activities = list(
        Activity.objects.filter(operation=operation, is_active=True)
        .select_related("body")
        .order_by("code")
    )
    indicators = list(
        Indicator.objects.filter(activity__in=activities).order_by("activity__code", "code")
    )
    groups = list(PopulationGroup.objects.filter(operation=operation).order_by("code"))
    months = _months(operation, round)
    areas = _areas(operation)
    has_level = {area.level for area in areas}
    required = set(REQUIRED)

    workbook = Workbook()
    instructions = workbook.active
    assert instructions is not None
    instructions.title = sheet_title(_("Instructions"))
    data = workbook.create_sheet(DATA_SHEET)
    reference = workbook.create_sheet(sheet_title(_("Activities")))
    lists = write_lists(
        workbook,
        operation=operation,
        organisation=organisation,
        activities=activities,
        indicators=indicators,
        groups=groups,
        months=months,
        areas=areas,
    )
    write_instructions(
        instructions,
        operation=operation,
        organisation=organisation,
        months=months,
        required=required,
    )
    write_data_sheet(
        data,
        operation=operation,
        lists=lists,
        months=months,
        required=required,
        data_rows=data_rows,
        has_level=has_level,
    )
    write_reference(reference, activities=activities, indicators=indicators, groups=groups)
    # Open on the data sheet.
    workbook.active = workbook.index(data)
    for sheet in workbook.worksheets:
        sheet.sheet_view.tabSelected = sheet is data

    properties = workbook.properties
    properties.title = f"{operation.name} — 5W — {organisation.acronym}"
    properties.subject = "5W"
    properties.creator = "Tutela"
    properties.keywords = "tutela 5w"
    properties.language = language
    # Read back by the importer to recognise its own template.
    for name, value in (
        ("tutela_template", "5w"),
        ("tutela_template_version", TEMPLATE_VERSION),
        ("tutela_operation", operation.slug),
        ("tutela_organisation", organisation.acronym),
        ("tutela_language", language),
    ):
        workbook.custom_doc_props.append(StringProperty(name=name, value=value))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_filename(
    operation: Operation, organisation: Organisation, *, month: datetime.date | None = None
) -> str:
    stamp = f"{month:%Y-%m}" if month else timezone.localdate().isoformat()
    acronym = re.sub(r"[^A-Za-z0-9_-]+", "-", organisation.acronym).strip("-") or "org"
    return f"{operation.slug}-5w-template-{acronym}-{stamp}.xlsx"
