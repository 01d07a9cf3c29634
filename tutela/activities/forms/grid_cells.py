"""The month grid's cells written in Python: one per column per line (23 × 52 lines), each with its
input, label and problems. Through the template engine they made the month grid the slowest page
under load (bench/bench_load.py: 45-49 % of the web workers' busy time for 6 % of the requests);
the markup is the one `_grid_line.html` wrote. Every value is escaped by `escaped` as the template
escapes it (Django's escape is html.escape; markup already safe is kept); plain f-strings instead
of format_html, whose lazy-string wrapper cost more than the escaping, on ~1,200 cells."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

if TYPE_CHECKING:
    from tutela.activities.forms.grid import GridCell

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


def _described(cell: GridCell, *, warnings_too: bool = True) -> str:
    if cell.errors:
        return f' aria-invalid="true" aria-describedby="{escaped(cell.input_id)}-problems"'
    if cell.warnings and warnings_too:
        return f' aria-describedby="{escaped(cell.input_id)}-problems"'
    return ""


def _input(cell: GridCell, *, line_index: int, urls: dict[str, str]) -> str:
    kind = cell.column.kind
    name = escaped(cell.column.name)
    named = f'name="{escaped(cell.input_name)}" id="{escaped(cell.input_id)}"'
    if kind == "select":
        cascade = ""
        if cell.column.name in CASCADES:
            url, target = CASCADES[cell.column.name]
            cascade = (
                f' hx-get="{escaped(urls[url])}" hx-trigger="change"'
                f' hx-target="#rows-{line_index}-{target}" hx-sync="this:replace"'
                ' hx-swap="innerHTML"'
            )
        return (
            f'<select {named} class="f-{name}"{_described(cell)}{cascade}>\n      '
            f"{escaped(cell.options_html)}</select>"
        )
    if kind == "number":
        sexage = " sexage" if cell.column.css == "sexage" else ""
        return (
            f'<input type="number" min="0" step="1" inputmode="numeric" {named}'
            f' value="{escaped(cell.value)}" class="f-{name}{sexage}"{_described(cell)}>'
        )
    if kind == "date":
        return (
            f'<input type="date" {named} value="{escaped(cell.value)}" class="f-{name}"'
            f"{_described(cell, warnings_too=False)}>"
        )
    return (
        f'<input type="text" {named} value="{escaped(cell.value)}" maxlength="200"'
        f' class="f-{name}"{_described(cell)}>'
    )


def grid_cell_html(
    cell: GridCell,
    *,
    line_index: int,
    editable: bool,
    urls: dict[str, str],
    label: str,
    line_text: str,
) -> SafeString:
    """One `<td>` of the month grid (see the module's docstring). `label`: the column's label,
    `line_text`: "line N", both translated once by the caller (not once per cell)."""
    state = " has-error" if cell.errors else (" has-warning" if cell.warnings else "")
    if cell.readonly:
        body = f'<span class="ro">{escaped(cell.display or "")}</span>'
        if editable:
            body += (
                f'<input type="hidden" name="{escaped(cell.input_name)}"'
                f' value="{escaped(cell.value)}">'
            )
    else:
        body = (
            f'<label for="{escaped(cell.input_id)}" class="visually-hidden">'
            f"{escaped(label)} — {escaped(line_text)}</label>\n    "
            + _input(cell, line_index=line_index, urls=urls)
        )
    problems = ""
    if cell.errors or cell.warnings:
        items = "".join(
            f'<li class="problem-error">{escaped(m)}</li>' for m in cell.errors
        ) + "".join(f'<li class="problem-warning">{escaped(m)}</li>' for m in cell.warnings)
        problems = (
            f'\n    <ul class="cell-problems" id="{escaped(cell.input_id)}-problems">{items}</ul>'
        )
    return mark_safe(  # noqa: S308 - every value escaped
        f'<td class="c-{escaped(cell.column.css)}{state}">\n    {body}{problems}\n  </td>'
    )
