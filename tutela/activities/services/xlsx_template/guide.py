"""The sheets of the 5W template people read: "Instructions" (how to fill the data sheet, the
counting rules, what each column means) and the "Activities" reference."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from tutela.activities.models import Activity, ActivityReport, Indicator
from tutela.activities.services.xlsx_template.layout import (
    _HEADER_FILL,
    _SECTION_FONT,
    DATA_SHEET,
    TEMPLATE_FIELDS,
    _field_title,
)
from tutela.core.models import Operation, Organisation, PopulationGroup
from tutela.core.spreadsheets import xlsx_text


def column_descriptions() -> dict[str, str]:
    """What to write in each column, for the Instructions sheet and the input messages."""
    return {
        "month": _("Month reported on, as YYYY-MM (e.g. 2026-03)."),
        "implementing_partner": _(
            "Acronym of the organisation that carried out the activity, if not yours "
            "(e.g. a local partner). Leave empty when you implemented it yourselves."
        ),
        "activity": _(
            "Activity code from the list (see the Activities sheet for the names and what "
            "each activity covers)."
        ),
        "indicator": _(
            "Indicator code of the chosen activity (the list shows only that activity's "
            "indicators)."
        ),
        "admin1_pcode": _(
            "Filled in automatically from the name; you may type the P-code instead."
        ),
        "admin1_name": _(
            "Choose the area from the list. Every row needs a place: at least this level."
        ),
        "admin2_pcode": _(
            "Filled in automatically from the name; you may type the P-code instead."
        ),
        "admin2_name": _(
            "Choose the area from the list: it shows only the areas of the one chosen to the left."
        ),
        "admin3_pcode": _(
            "Filled in automatically from the name; you may type the P-code instead."
        ),
        "admin3_name": _(
            "Choose the area from the list: it shows only the areas of the one chosen to the left."
        ),
        "site": _("Site, village or locality (optional). Never the name of a person."),
        "population_group": _("Population group code from the list (e.g. IDP, REF, HST)."),
        "status": _("Status of the activity in the month: planned, ongoing or completed."),
        "modality": _("How the activity was delivered (optional)."),
        "start_date": _("Date the activity started (optional), as a date."),
        "end_date": _("Date the activity ended or will end (optional), as a date."),
        "girls": _("Number of girls (0-17) reached in the month, counted once."),
        "boys": _("Number of boys (0-17) reached in the month, counted once."),
        "women": _("Number of women (18-59) reached in the month, counted once."),
        "men": _("Number of men (18-59) reached in the month, counted once."),
        "older_women": _("Number of older women (60+) reached in the month, counted once."),
        "older_men": _("Number of older men (60+) reached in the month, counted once."),
        "total": _(
            "People reached in the month, counted once. Equal to the sum of the six "
            "sex and age columns when they are filled in."
        ),
        "with_disability": _(
            "Of the people reached, how many have a disability (not more than the total)."
        ),
        "quantity": _(
            "For indicators counted in other units (sessions, items, structures...): the "
            "number. Leave empty for people."
        ),
        "project_code": _("Response plan or project code (optional)."),
    }


def _counting_rules() -> list[str]:
    return [
        _("One row per activity, place (the most precise known), month and population group."),
        _(
            "Count people, not services: a person who received the same activity several "
            "times in the month is counted once."
        ),
        _(
            "Report monthly figures: the people reached during the month. Do not add up "
            "previous months; the cluster computes cumulative figures."
        ),
        _(
            "Girls + boys + women + men + older women + older men = total. If you do not know "
            "the breakdown, fill in the total only."
        ),
        _("Persons with disability are part of the total, not added to it."),
        _(
            "No names, telephone numbers or other personal data anywhere in this file: only "
            "numbers of people."
        ),
        _(
            "Sending the file again for the same month updates your rows (same activity, "
            "place, month and population group) instead of adding new ones."
        ),
    ]


def write_instructions(
    sheet: Worksheet,
    *,
    operation: Operation,
    organisation: Organisation,
    months: list[str],
    required: set[str],
) -> None:
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 24
    sheet.column_dimensions["C"].width = 90
    row = 1

    def line(text: str, *, font: Font | None = None, column: int = 1) -> None:
        nonlocal row
        cell = sheet.cell(row=row, column=column)
        xlsx_text(cell, text)
        cell.alignment = Alignment(wrap_text=False, vertical="top")
        if font is not None:
            cell.font = font
        row += 1

    line(_("5W reporting template"), font=Font(bold=True, size=16, color="1F4E79"))
    line(f"{operation.name}", font=Font(bold=True, size=12))
    line(
        _("Organisation: %(acronym)s — %(name)s")
        % {"acronym": organisation.acronym, "name": organisation.name}
    )
    if months:
        line(_("Months open for reporting: %(months)s") % {"months": ", ".join(months)})
    line(
        _("Made on %(date)s. Download a new template each month: lists change.")
        % {"date": timezone.localdate().isoformat()}
    )
    row += 1
    line(_("How to fill it in"), font=_SECTION_FONT)
    steps = [
        _(
            "Fill in the “%(sheet)s” sheet from row 3, one row per activity, place, month and "
            "population group. Do not change rows 1 and 2 (column names and HXL hashtags)."
        )
        % {"sheet": DATA_SHEET},
        _(
            "Choose codes and places from the dropdown lists. Choose the areas from left to "
            "right: the list of each level shows only the areas of the one chosen before."
        ),
        _(
            "The P-code columns fill themselves from the names. If you know the P-code, you "
            "may type it instead."
        ),
        _("Columns in red are required. The Activities sheet explains the codes."),
        _(
            "Upload the file on the 5W import page of the operation. Every problem is reported "
            "by row and column; nothing is saved until the whole file is correct."
        ),
    ]
    for number, step in enumerate(steps, start=1):
        line(f"{number}. {step}")
    row += 1
    line(_("Counting rules"), font=_SECTION_FONT)
    for rule in _counting_rules():
        line(f"• {rule}")
    row += 1
    line(_("Columns"), font=_SECTION_FONT)
    for column, title in enumerate((_("Column"), _("HXL hashtag"), _("What to write")), start=1):
        cell = sheet.cell(row=row, column=column)
        xlsx_text(cell, title)
        cell.font = Font(bold=True)
    row += 1
    descriptions = column_descriptions()
    for field in TEMPLATE_FIELDS:
        title = _field_title(field, operation)
        if field.name in required:
            title = f"{title} *"
        # The header as in row 1 of the data sheet, in the user's language.
        xlsx_text(sheet.cell(row=row, column=1), title)
        xlsx_text(sheet.cell(row=row, column=2), field.hxl)
        description = descriptions.get(field.name) or str(field.help)
        cell = sheet.cell(row=row, column=3)
        xlsx_text(cell, description)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        row += 1
    row += 1
    line(_("* required"))
    sheet.sheet_view.showGridLines = False
    sheet.protection.sheet = True


def write_reference(
    sheet: Worksheet,
    *,
    activities: list[Activity],
    indicators: list[Indicator],
    groups: list[PopulationGroup],
) -> None:
    widths = {"A": 16, "B": 60, "C": 18, "D": 60, "E": 14, "F": 14, "G": 40}
    for letter, width in widths.items():
        sheet.column_dimensions[letter].width = width
    row = 1

    def header(*titles: str) -> None:
        nonlocal row
        for column, title in enumerate(titles, start=1):
            cell = sheet.cell(row=row, column=column)
            xlsx_text(cell, title)
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = _HEADER_FILL
        row += 1

    def values(*items: str) -> None:
        nonlocal row
        for column, item in enumerate(items, start=1):
            cell = sheet.cell(row=row, column=column)
            xlsx_text(cell, item)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        row += 1

    units = dict(Activity.Unit.choices)
    by_activity: dict[int, list[Indicator]] = {}
    for indicator in indicators:
        by_activity.setdefault(indicator.activity_id, []).append(indicator)
    header(
        _("Activity code"),
        _("Activity"),
        _("Indicator code"),
        _("Indicator"),
        _("Unit"),
        _("Cluster / AoR"),
        _("Sensitive"),
    )
    for activity in activities:
        sensitive = (
            _("yes: small numbers are not shown outside your organisation")
            if activity.is_sensitive
            else ""
        )
        body = activity.body.code or activity.body.name
        children = by_activity.get(activity.pk) or []
        if not children:
            values(activity.code, activity.name, "", "", "", body, sensitive)
        for indicator in children:
            values(
                activity.code,
                activity.name,
                indicator.code,
                indicator.name,
                str(units.get(indicator.unit, indicator.unit)),
                body,
                sensitive,
            )
    row += 1
    header(_("Population group code"), _("Population group"))
    for group in groups:
        values(group.code, group.name)
    row += 1
    header(_("Status code"), _("Status"))
    for code, label in ActivityReport.Status.choices:
        values(code, str(label))
    row += 1
    header(_("Modality code"), _("Modality"))
    for code, label in ActivityReport.Modality.choices:
        values(code, str(label))
    sheet.freeze_panes = "A2"
    sheet.protection.sheet = True
