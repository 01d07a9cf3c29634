"""What every sheet of the 5W template shares: sheet names and rows, styles, Excel's limits, the
named ranges of the lookup lists and the data validations built on them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from tutela.activities.models import ReportingRound
from tutela.activities.models.fields import FIELDS, Field
from tutela.core.models import AdminArea, Operation

DATA_SHEET = "5W"
LISTS_SHEET = "Lists"
HEADER_ROW = 1
HXL_ROW = 2
FIRST_DATA_ROW = 3
# Rows prepared with dropdowns and P-code formulas; partners who need more copy the last row down.
DATA_ROWS = 1000
TEMPLATE_VERSION = "1"

# The template's columns: every 5W field except the reporting organisation, which is the one the
# template was made for (the upload says who reports).
TEMPLATE_FIELDS: tuple[Field, ...] = tuple(f for f in FIELDS if f.name != "organisation")

_HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
_HXL_FILL = PatternFill("solid", fgColor="DDEBF7")
_REQUIRED_FILL = PatternFill("solid", fgColor="C00000")
_PROBLEM_FILL = PatternFill("solid", fgColor="F8CBAD")
_SECTION_FONT = Font(bold=True, size=12, color="1F4E79")
_NOT_A_NAME = re.compile(r"[^A-Za-z0-9_]")

# Excel's limits on data-validation messages.
_TITLE_MAX = 32
_MESSAGE_MAX = 255


@dataclass
class _Lists:
    """Where each lookup list sits on the hidden Lists sheet, as named ranges."""

    names: dict[str, str]

    def has(self, name: str) -> bool:
        return name in self.names


def name_for(prefix: str, code: str) -> str:
    """A defined name for a code: "L_" + "ML05" -> "L_ML05". Codes are made of letters, digits,
    dashes and spaces in practice; anything else becomes "_" (the sheet formula does the same
    for dashes, spaces and dots)."""
    return prefix + _NOT_A_NAME.sub("_", code)


def _excel_name_expr(prefix: str, ref: str) -> str:
    """The sheet formula building the same name as `name_for` from the code in cell `ref`."""
    inner = ref
    for char in ("-", " ", "."):
        inner = f'SUBSTITUTE({inner},"{char}","_")'
    return f'INDIRECT("{prefix}"&{inner})'


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _validation(
    *,
    kind: str,
    title: str,
    prompt: str,
    error: str,
    formula1: str | None = None,
    formula2: str | None = None,
    operator: str | None = None,
    stop: bool = True,
) -> DataValidation:
    return DataValidation(
        type=kind,
        formula1=formula1,
        formula2=formula2,
        operator=operator,
        allow_blank=True,
        showInputMessage=True,
        showErrorMessage=True,
        errorStyle="stop" if stop else "warning",
        promptTitle=_short(title, _TITLE_MAX),
        prompt=_short(prompt, _MESSAGE_MAX),
        errorTitle=_short(title, _TITLE_MAX),
        error=_short(error, _MESSAGE_MAX),
    )


def _level_label(operation: Operation, level: int) -> str:
    labels = operation.admin_level_labels or {}
    return str(labels.get(str(level)) or _("Admin %(level)s") % {"level": level})


def _field_title(field: Field, operation: Operation) -> str:
    title = str(field.label)
    match = re.match(r"admin(\d)_", field.name)
    if match:
        title = f"{title} ({_level_label(operation, int(match.group(1)))})"
    return title


def _months(operation: Operation, round: ReportingRound | None) -> list[str]:
    if round is not None:
        return [f"{round.month:%Y-%m}"]
    months = ReportingRound.objects.filter(
        operation=operation, status=ReportingRound.Status.OPEN
    ).values_list("month", flat=True)
    return sorted(f"{month:%Y-%m}" for month in months)


def _areas(operation: Operation) -> list[AdminArea]:
    countries = list(operation.countries.values_list("pcode", flat=True))
    areas = AdminArea.objects.filter(country_pcode__in=countries, level__in=(1, 2, 3)).only(
        "id", "pcode", "name", "name_key", "level", "parent_id"
    )
    return list(areas)
