"""The web grid of 5W rows: not a Django form but a table of lines whose inputs are named
`rows-<line>-<field>` after tutela/activities/models/fields.py, parsed by `grid_lines_from_post`
and handed to the import engine's `report_rows_save`, which validates rows the same way for the
grid, the Excel template and uploaded files. The option lists come from selectors.grid."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from tutela.activities.forms.grid_cells import (
    ColumnMarkup,
    escaped,
    grid_cell_html,
    grid_cells_html,
    grid_line_text,
)
from tutela.activities.models import ActivityReport
from tutela.activities.models import fields as fivew
from tutela.activities.selectors.grid import (
    grid_area_children,
    grid_area_children_of,
    grid_indicator_options,
    grid_options,
)
from tutela.activities.selectors.revisions import RowChange
from tutela.core.models import Operation

__all__ = [
    "GRID_COLUMNS",
    "GRID_EMPTY_LINES",
    "GRID_EMPTY_LINES_AFTER_ERROR",
    "GRID_MAX_LINES",
    "GridCatalogue",
    "GridLine",
    "grid_area_children",
    "grid_attach_problems",
    "grid_indicator_options",
    "grid_line_from_row",
    "grid_lines_from_post",
    "grid_pad",
    "grid_rows_for_save",
    "grid_unplaced_problems",
]

# --- the web grid --------------------------------------------------------------------------------

# Empty lines shown under the existing rows, and after a rejected save.
GRID_EMPTY_LINES = 5
GRID_EMPTY_LINES_AFTER_ERROR = 2
GRID_MAX_LINES = 2000
_GRID_NAME = re.compile(r"^rows-(\d{1,5})-([a-z0-9_]+)$")


@dataclass(frozen=True)
class GridColumn:
    name: str
    kind: str  # select, text, number, date
    short: Any  # column header
    css: str = ""

    @property
    def label(self) -> Any:
        return fivew.BY_NAME[self.name].label


GRID_COLUMNS: tuple[GridColumn, ...] = (
    GridColumn("activity", "select", _("Activity"), "wide"),
    GridColumn("indicator", "select", _("Indicator"), "wide"),
    GridColumn("admin1_pcode", "select", _("Admin 1"), "area"),
    GridColumn("admin2_pcode", "select", _("Admin 2"), "area"),
    GridColumn("admin3_pcode", "select", _("Admin 3"), "area"),
    GridColumn("site", "text", _("Site"), "mid"),
    GridColumn("population_group", "select", _("Population group"), "mid"),
    GridColumn("status", "select", _("Status"), "mid"),
    GridColumn("modality", "select", _("Modality"), "mid"),
    GridColumn("girls", "number", _("Girls"), "sexage"),
    GridColumn("boys", "number", _("Boys"), "sexage"),
    GridColumn("women", "number", _("Women"), "sexage"),
    GridColumn("men", "number", _("Men"), "sexage"),
    GridColumn("older_women", "number", _("Older women"), "sexage"),
    GridColumn("older_men", "number", _("Older men"), "sexage"),
    GridColumn("total", "number", _("Total"), "total"),
    GridColumn("with_disability", "number", _("With disability"), "count"),
    GridColumn("quantity", "number", _("Quantity"), "count"),
    GridColumn("start_date", "date", _("Start"), "date"),
    GridColumn("end_date", "date", _("End"), "date"),
    GridColumn("implementing_partner", "select", _("Implementing partner"), "mid"),
    GridColumn("project_code", "text", _("Project code"), "mid"),
)
GRID_FIELDS = tuple(c.name for c in GRID_COLUMNS)
# Key fields of an existing row are shown, not edited: changing one would be another row (the
# natural key is organisation × activity × location × month × population group × site); delete
# the row and enter it again instead.
GRID_KEY_FIELDS = frozenset(
    {"activity", "admin1_pcode", "admin2_pcode", "admin3_pcode", "population_group", "site"}
)
# A line whose only values are these is empty (the status select starts on "ongoing").
_GRID_DEFAULTED = frozenset({"status"})


@dataclass
class GridCell:
    column: GridColumn
    input_name: str
    input_id: str
    value: str
    options: list[tuple[str, str]]
    errors: list[str]
    warnings: list[str]
    readonly: bool
    display: str = ""
    # A select's <option>s, written by GridCatalogue.fill (see GridCatalogue._select_options).
    options_html: str = ""
    # The whole <td>, written by GridCatalogue.fill (grid_cells.grid_cell_html).
    html: str = ""

    @property
    def option_values(self) -> set[str]:
        return {value for value, _label in self.options}


@dataclass
class GridLine:
    index: int
    values: dict[str, str] = field(default_factory=dict)
    row_id: int | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)
    warnings: dict[str, list[str]] = field(default_factory=dict)
    line_errors: list[str] = field(default_factory=list)
    line_warnings: list[str] = field(default_factory=list)
    cells: list[GridCell] = field(default_factory=list)
    # The cells' <td>s as one piece of markup (GridCatalogue.fill).
    cells_html: str = ""
    # When and by whom a stored row was changed after its report was submitted (None: it was not).
    changed: RowChange | None = None

    @property
    def number(self) -> int:
        return self.index + 1

    @property
    def is_blank(self) -> bool:
        return not any(v for k, v in self.values.items() if k not in _GRID_DEFAULTED)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors or self.line_errors)


def grid_line_from_row(index: int, row: ActivityReport) -> GridLine:
    """An existing 5W row as a grid line (field name -> text, as a user would type it)."""

    def text(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime.date):
            return value.isoformat()
        return str(value)

    values = {
        "activity": row.activity.code,
        "indicator": row.indicator.code if row.indicator_id and row.indicator else "",
        "admin1_pcode": row.admin1.pcode if row.admin1_id and row.admin1 else "",
        "admin2_pcode": row.admin2.pcode if row.admin2_id and row.admin2 else "",
        "admin3_pcode": row.admin3.pcode if row.admin3_id and row.admin3 else "",
        "site": row.site,
        "population_group": row.population_group.code,
        "status": row.status,
        "modality": row.modality,
        "start_date": text(row.start_date),
        "end_date": text(row.end_date),
        "implementing_partner": row.implementing_partner.acronym
        if row.implementing_partner_id and row.implementing_partner
        else "",
        "project_code": row.project_code,
        "quantity": text(row.quantity),
    }
    for name in (*fivew.SEX_AGE, "total", "with_disability"):
        values[name] = text(getattr(row, name))
    # The most precise area may sit below level 3 or be a level the ancestors do not cover.
    level_key = f"admin{row.area.level}_pcode" if row.area_id and row.area else ""
    if level_key in values and not values[level_key]:
        values[level_key] = row.area.pcode
    return GridLine(index=index, values=values, row_id=row.pk)


def grid_lines_from_post(data: Any, existing: list[ActivityReport]) -> list[GridLine]:
    """The lines of a posted grid, in line order. Existing rows keep their key fields from the
    database whatever was posted (they are shown read-only)."""
    by_index: dict[int, GridLine] = {}
    for key in data:
        match = _GRID_NAME.match(key)
        if not match:
            continue
        index, name = int(match.group(1)), match.group(2)
        if index >= GRID_MAX_LINES:
            continue
        line = by_index.setdefault(index, GridLine(index=index))
        if name == "id":
            raw = (data.get(key) or "").strip()
            line.row_id = int(raw) if raw.isdigit() else None
        elif name in GRID_FIELDS:
            line.values[name] = (data.get(key) or "").strip()[:300]
    rows = {row.pk: row for row in existing}
    for line in by_index.values():
        row = rows.get(line.row_id) if line.row_id else None
        if row is None:
            line.row_id = None
            continue
        stored = grid_line_from_row(line.index, row)
        for name in GRID_KEY_FIELDS:
            line.values[name] = stored.values[name]
    return [by_index[i] for i in sorted(by_index)]


def grid_rows_for_save(
    lines: list[GridLine], *, month: str, organisation: str
) -> list[dict[str, Any]]:
    """The filled lines as rows for `report_rows_save`: field name -> raw value, plus `_row`, the
    line number shown in the grid (problems come back with it)."""
    rows = []
    for line in lines:
        if line.is_blank:
            continue
        row: dict[str, Any] = {name: line.values.get(name, "") for name in GRID_FIELDS}
        row.update({"month": month, "organisation": organisation, "_row": line.number})
        rows.append(row)
    return rows


def grid_attach_problems(lines: list[GridLine], problems: list[Any]) -> int:
    """Put each problem on its line and cell (by field); problems of a field the grid does not
    show (an admin name, the organisation) go to the line itself. Returns the number of errors."""
    by_number = {line.number: line for line in lines}
    errors = 0
    for problem in problems:
        is_error = getattr(problem, "severity", "error") == "error"
        errors += is_error
        line = by_number.get(problem.row) if problem.row is not None else None
        message = str(problem.message)
        if getattr(problem, "suggestion", ""):
            message = f"{message} ({problem.suggestion})"
        if line is None:
            continue
        target = problem.field if problem.field in GRID_FIELDS else ""
        if target:
            bucket = line.errors if is_error else line.warnings
            bucket.setdefault(target, []).append(message)
        else:
            (line.line_errors if is_error else line.line_warnings).append(message)
    return errors


def grid_unplaced_problems(lines: list[GridLine], problems: list[Any]) -> list[Any]:
    """Problems that belong to no line (about the whole file or submission)."""
    numbers = {line.number for line in lines}
    return [p for p in problems if p.row is None or p.row not in numbers]


def grid_pad(lines: list[GridLine], empty: int) -> list[GridLine]:
    """Add `empty` blank lines after the last one."""
    start = (lines[-1].index + 1) if lines else 0
    return lines + [GridLine(index=start + i) for i in range(empty)]


EMPTY_OPTION = '<option value="">—</option>'


class GridCatalogue:
    """The option lists of the grid's selects (read once per request by selectors.grid), and the
    cells of the grid's lines built from them."""

    def __init__(self, operation: Operation) -> None:
        self.operation = operation
        options = grid_options(operation)
        self.activities = options.activities
        self.sexage = options.sexage
        self.indicators = options.indicators
        self.groups = options.groups
        self.statuses = [(str(v), str(label)) for v, label in ActivityReport.Status.choices]
        self.modalities = [(str(v), str(label)) for v, label in ActivityReport.Modality.choices]
        self.partners = options.partners
        self.countries = options.countries
        self.regions = options.regions
        # id(option list) -> (the list, each option's markup, value -> position): every line
        # shares the same few lists.
        self._markup: dict[int, tuple[list[tuple[str, str]], list[str], dict[str, int]]] = {}

    def indicator_options(self, activity_code: str) -> list[tuple[str, str]]:
        return self.indicators.get(activity_code.strip().upper(), [])

    def children(self, parents: set[str]) -> dict[str, list[tuple[str, str]]]:
        """P-code -> its direct children as options, for every P-code in `parents` (one query)."""
        return grid_area_children_of(self.countries, parents)

    def fill(self, lines: list[GridLine], *, editable: bool) -> None:
        """Give every line its cells: values, option lists (cascading from what the line holds),
        problems."""
        parents = {
            line.values[key]
            for line in lines
            for key in ("admin1_pcode", "admin2_pcode")
            if line.values.get(key)
        }
        children = self.children(parents)
        names = dict(self.activities + self.groups)
        urls = {
            "indicator": reverse("activities:indicator_options", args=[self.operation.slug]),
            "area": reverse("activities:area_options", args=[self.operation.slug]),
        }
        shared = {
            column.name: ColumnMarkup.of(column, label=str(column.label), urls=urls)
            for column in GRID_COLUMNS
        }
        for line in lines:
            line.cells = []
            line_text = escaped(grid_line_text(line.index))
            markup = []
            for column in GRID_COLUMNS:
                value = line.values.get(column.name, "")
                if not value and column.name == "status" and line.row_id is None:
                    value = ActivityReport.Status.ONGOING
                options = self._options(column.name, line, children)
                readonly = not editable or (
                    line.row_id is not None and column.name in GRID_KEY_FIELDS
                )
                display = value
                if readonly and value:
                    display = dict(options).get(value, names.get(value, value))
                cell = GridCell(
                    column=column,
                    input_name=f"rows-{line.index}-{column.name}",
                    input_id=f"rows-{line.index}-{column.name}",
                    value=value,
                    options=options,
                    errors=line.errors.get(column.name, []),
                    warnings=line.warnings.get(column.name, []),
                    readonly=readonly,
                    display=display,
                    options_html=(
                        self._select_options(options, value)
                        if column.kind == "select" and not readonly
                        else ""
                    ),
                )
                cell.html = grid_cell_html(
                    cell,
                    line_index=line.index,
                    editable=editable,
                    shared=shared[column.name],
                    line_text=line_text,
                )
                markup.append(cell.html)
                line.cells.append(cell)
            line.cells_html = grid_cells_html(markup)

    def _select_options(self, options: list[tuple[str, str]], value: str) -> SafeString:
        """The <option>s of a select, `value` selected (kept as an extra option when the list
        lacks it). Written in Python from markup made once per list: through the template, one
        rendering per option made the month grid of 52 lines (~4,700 options) the slowest page
        under load (bench/bench_load.py)."""
        found = self._markup.get(id(options))
        if found is None or found[0] is not options:
            parts = [
                f'<option value="{escaped(v)}">{escaped(label)}</option>' for v, label in options
            ]
            positions: dict[str, int] = {}
            for position, (v, _label) in enumerate(options):
                positions.setdefault(str(v), position)
            found = (options, parts, positions)
            self._markup[id(options)] = found
        _list, parts, positions = found
        chosen = positions.get(str(value)) if value else None
        if chosen is None:
            extra = (
                f'<option value="{escaped(value)}" selected>{escaped(value)}</option>'
                if value
                else ""
            )
            return mark_safe(EMPTY_OPTION + "".join(parts) + extra)  # noqa: S308 - escaped
        v, label = options[chosen]
        selected = f'<option value="{escaped(v)}" selected>{escaped(label)}</option>'
        return mark_safe(  # noqa: S308 - every part escaped
            EMPTY_OPTION + "".join(parts[:chosen]) + selected + "".join(parts[chosen + 1 :])
        )

    def _options(
        self, name: str, line: GridLine, children: dict[str, list[tuple[str, str]]]
    ) -> list[tuple[str, str]]:
        if name == "activity":
            return self.activities
        if name == "indicator":
            return self.indicator_options(line.values.get("activity", ""))
        if name == "admin1_pcode":
            return self.regions
        if name == "admin2_pcode":
            return children.get(line.values.get("admin1_pcode", ""), [])
        if name == "admin3_pcode":
            return children.get(line.values.get("admin2_pcode", ""), [])
        if name == "population_group":
            return self.groups
        if name == "status":
            return self.statuses
        if name == "modality":
            return self.modalities
        if name == "implementing_partner":
            return self.partners
        return []
