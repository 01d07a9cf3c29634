"""The month grid's cells written in Python: one per column per line (23 × 52 lines), each with its
input, label and problems. Through the template engine they made the month grid the slowest page
under load (bench/bench_load.py: 45-49 % of the web workers' busy time for 6 % of the requests);
the markup is the one the template wrote. Every value is escaped by `escaped` as the template
escapes it (Django's escape is html.escape; markup already safe is kept); plain f-strings instead
of format_html, whose lazy-string wrapper cost more than the escaping, on ~1,200 cells."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

if TYPE_CHECKING:
    from tutela.activities.forms.grid import GridCell, GridColumn

# The selects whose choice fills the next select's options (htmx): column -> (url key, target).
CASCADES = {
    "activity": ("indicator", "indicator"),
    "admin1_pcode": ("area", "admin2_pcode"),
    "admin2_pcode": ("area", "admin3_pcode"),
}


def escaped(value: Any) -> str:
    """Escaped as the template's autoescape does (conditional_escape)."""
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value))


def grid_line_text(index: int) -> str:
    """ "line N" of a line's labels, in the request's language."""
    return gettext("line %(number)s") % {"number": index + 1}


def _described(ident: str, cell: GridCell, *, warnings_too: bool = True) -> str:
    if cell.errors:
        return f' aria-invalid="true" aria-describedby="{ident}-problems"'
    if cell.warnings and warnings_too:
        return f' aria-describedby="{ident}-problems"'
    return ""


@dataclass(frozen=True)
class ColumnMarkup:
    """What a column's cells share, escaped once per page instead of once per cell: its name,
    css class, translated label, and a select's htmx cascade."""

    name: str
    css: str
    label: str
    cascade: str

    @classmethod
    def of(cls, column: GridColumn, *, label: str, urls: dict[str, str]) -> ColumnMarkup:
        cascade = ""
        if column.name in CASCADES:
            url, target = CASCADES[column.name]
            cascade = (
                f' hx-get="{escaped(urls[url])}" hx-trigger="change"'
                f' hx-target="#rows-{{line}}-{target}" hx-sync="this:replace"'
                ' hx-swap="innerHTML"'
            )
        return cls(
            name=escaped(column.name),
            css=escaped(column.css),
            label=escaped(label),
            cascade=cascade,
        )


def _input(cell: GridCell, ident: str, shared: ColumnMarkup, line_index: int) -> str:
    kind = cell.column.kind
    name = shared.name
    named = f'name="{ident}" id="{ident}"'
    if kind == "select":
        cascade = shared.cascade.replace("{line}", str(line_index))
        return (
            f'<select {named} class="f-{name}"{_described(ident, cell)}{cascade}>\n      '
            f"{escaped(cell.options_html)}</select>"
        )
    if kind == "number":
        sexage = " sexage" if cell.column.css == "sexage" else ""
        return (
            f'<input type="number" min="0" step="1" inputmode="numeric" {named}'
            f' value="{escaped(cell.value)}" class="f-{name}{sexage}"{_described(ident, cell)}>'
        )
    if kind == "date":
        return (
            f'<input type="date" {named} value="{escaped(cell.value)}" class="f-{name}"'
            f"{_described(ident, cell, warnings_too=False)}>"
        )
    return (
        f'<input type="text" {named} value="{escaped(cell.value)}" maxlength="200"'
        f' class="f-{name}"{_described(ident, cell)}>'
    )


def grid_cell_html(
    cell: GridCell, *, line_index: int, editable: bool, shared: ColumnMarkup, line_text: str
) -> str:
    """One `<td>` of the month grid (see the module's docstring), as markup whose every value is
    escaped. `shared`: the column's escaped parts; `line_text`: "line N", translated and escaped
    once per line by the caller."""
    # The input's name and id are made of the line's number and the column's code name.
    ident = escaped(cell.input_id)
    state = " has-error" if cell.errors else (" has-warning" if cell.warnings else "")
    if cell.readonly:
        body = f'<span class="ro">{escaped(cell.display or "")}</span>'
        if editable:
            body += f'<input type="hidden" name="{ident}" value="{escaped(cell.value)}">'
    else:
        body = (
            f'<label for="{ident}" class="visually-hidden">{shared.label} — {line_text}</label>'
            "\n    " + _input(cell, ident, shared, line_index)
        )
    problems = ""
    if cell.errors or cell.warnings:
        items = "".join(
            f'<li class="problem-error">{escaped(m)}</li>' for m in cell.errors
        ) + "".join(f'<li class="problem-warning">{escaped(m)}</li>' for m in cell.warnings)
        problems = f'\n    <ul class="cell-problems" id="{ident}-problems">{items}</ul>'
    return f'<td class="c-{shared.css}{state}">\n    {body}{problems}\n  </td>'


def grid_cells_html(cells: list[str]) -> SafeString:
    """A line's cells as one piece of markup for the template (one variable to render per line,
    not one per cell: 23 × 238 template lookups and escapes were a third of a large grid's time).
    Every part was escaped by grid_cell_html."""
    return mark_safe("".join(cells))  # noqa: S308 - every value escaped by grid_cell_html
