"""The value-mapping part of every importer's mapping page (5W, monitoring): every distinct value
of a coded column with how many rows hold it, keyed by the value itself, with a suggestion, and
shown a page at a time.

Each value is one form field whose name comes from a stable hash of the field and the value
(`value_field_name`), never from its position: the same value keeps its field whatever the order
of the file or the page shown. Every value has its field in the form; the page shown renders
the values of the current page as selects and the others as hidden inputs, so the choices made
on other pages travel with the form and nothing is saved until the mapping is. Searching,
paging and "accept the suggestions" post the form back (no JavaScript needed); the view renders
only one page of selects, so a column of thousands of distinct values stays quick.
"""

from __future__ import annotations

import copy
import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.paginator import Page, Paginator
from django.forms.utils import ErrorDict
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from rapidfuzz import fuzz, process

from tutela.core.imports.values import is_blank, text
from tutela.core.pcodes import name_key

# Values shown (as selects) per page of the value mapping.
VALUES_PAGE_SIZE = 50
# How close (0-100, rapidfuzz's ratio of the normalised names) a code or name must be to a value
# of the file to be suggested for it.
SUGGESTION_CUTOFF = 80


def value_field_name(field: str, value: str) -> str:
    """The form field of `value` of `field`: the same on every page, every upload, every order."""
    digest = hashlib.blake2s(f"{field}\0{value}".encode(), digest_size=8).hexdigest()
    return f"val_{field}_{digest}"


def distinct_counts(cells: Iterable[Any]) -> list[tuple[str, int]]:
    """Every distinct non-blank value of a column (as text, whole: "Violence against civilians"
    stays one value) with the number of rows holding it; the most frequent first."""
    counts: Counter[str] = Counter()
    for cell in cells:
        if is_blank(cell):
            continue
        counts[cell if isinstance(cell, str) and cell == cell.strip() else text(cell)] += 1
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


class Suggester:
    """Suggests a code for a value from the codes and names of the field's choices: the code
    whose code or label is closest to the value (normalised: case, accents, punctuation)."""

    def __init__(self, choices: Sequence[tuple[str, str]]) -> None:
        self.by_key: dict[str, str] = {}
        for code, label in choices:
            for key in (name_key(code), name_key(label), name_key(label.partition(" — ")[2])):
                if key and key not in self.by_key:
                    self.by_key[key] = code
        self.keys = list(self.by_key)

    def suggest(self, value: str) -> str:
        key = name_key(value)
        if not key:
            return ""
        if key in self.by_key:
            return self.by_key[key]
        close = process.extractOne(
            key, self.keys, scorer=fuzz.ratio, score_cutoff=SUGGESTION_CUTOFF
        )
        return self.by_key[close[0]] if close else ""


@dataclass
class ValueRow:
    """One distinct value of a coded column on the mapping page."""

    field: str
    field_label: str
    value: str
    count: int
    key: str
    suggestion: str
    suggestion_label: str


def add_value_fields(
    form: forms.Form,
    *,
    unknown: Mapping[str, Sequence[tuple[str, int]]],
    choices: Mapping[str, Sequence[tuple[str, str]]],
    blank_choices: Sequence[tuple[str, Any]],
    initial: Mapping[str, Any] | None,
    field_labels: Mapping[str, str],
    initial_for: Any = None,
) -> list[ValueRow]:
    """One ChoiceField per distinct value of `unknown` ({field: [(value, count)]}) on `form`,
    named by `value_field_name`, with `blank_choices` then the field's `choices`; its initial
    choice from the saved mapping's values (`initial`, {field: {value: code}}), through
    `initial_for(saved)` when given. Returns the rows, in the order given."""
    rows: list[ValueRow] = []
    initial = initial or {}
    for name, values in unknown.items():
        options = [*blank_choices, *choices.get(name, [])]
        labels = dict(options)
        suggester = Suggester(choices.get(name, []))
        saved_table = initial.get(name) or {}
        # One field built, the others copied from it: hundreds of values share the same
        # options (and widget, which nothing changes), without normalising them every time.
        prototype = forms.ChoiceField(choices=options, required=False)
        for value, count in values:
            key = value_field_name(name, value)
            saved = saved_table.get(value, "") if isinstance(saved_table, dict) else ""
            field = copy.copy(prototype)
            field.label = value
            field.initial = initial_for(saved) if initial_for else saved
            form.fields[key] = field
            suggestion = suggester.suggest(value)
            rows.append(
                ValueRow(
                    field=name,
                    field_label=str(field_labels.get(name, name)),
                    value=value,
                    count=count,
                    key=key,
                    suggestion=suggestion,
                    suggestion_label=str(labels.get(suggestion, suggestion)),
                )
            )
    return rows


@dataclass
class ValuesView:
    """What the value mapping shows: the page of rows, and the rows whose fields are hidden."""

    page: Page[ValueRow] | None
    hidden: list[ValueRow]
    query: str
    field: str
    total: int
    accepted: int = 0


def _matches(row: ValueRow, query: str, field: str) -> bool:
    if field and row.field != field:
        return False
    return not query or name_key(query) in name_key(row.value)


def values_view(
    rows: Sequence[ValueRow], data: Mapping[str, Any], *, size: int = VALUES_PAGE_SIZE
) -> ValuesView:
    """The page of `rows` asked for by `data` (the GET or POST of the mapping page: `vq` the
    search, `vfield` one field, `vpage` the page number); the other rows are hidden inputs."""
    query = str(data.get("vq", "") or "").strip()[:200]
    field = str(data.get("vfield", "") or "")
    shown = [r for r in rows if _matches(r, query, field)]
    if not rows:
        return ValuesView(page=None, hidden=[], query=query, field=field, total=0)
    paginator = Paginator(shown, size, allow_empty_first_page=True)
    page = paginator.get_page(data.get("vpage") or 1)
    visible = {r.key for r in page.object_list}
    return ValuesView(
        page=page,
        hidden=[r for r in rows if r.key not in visible],
        query=query,
        field=field,
        total=len(shown),
    )


def accept_suggestions(data: Any, rows: Iterable[ValueRow]) -> tuple[Any, int]:
    """A copy of the posted `data` with the suggestion chosen for every value of `rows` that has
    one and no choice yet; the copy and how many were accepted."""
    data = data.copy()
    accepted = 0
    for row in rows:
        if row.suggestion and not data.get(row.key):
            data[row.key] = row.suggestion
            accepted += 1
    return data, accepted


def accept_scope(data: Mapping[str, Any], rows: Sequence[ValueRow]) -> list[ValueRow] | None:
    """The rows whose suggestions the user accepts ("accept" = "all": every value; "page": the
    page shown), None when not asked."""
    asked = data.get("accept")
    if asked == "all":
        return list(rows)
    if asked == "page":
        view = values_view(rows, data)
        return list(view.page.object_list) if view.page is not None else []
    return None


def posted_values(
    cleaned: Mapping[str, Any],
    rows: Iterable[ValueRow],
    existing: Mapping[str, Any] | None,
    store: Any = None,
) -> dict[str, Any]:
    """The value tables of a mapping: `existing` (the saved mapping's, so that values met in
    earlier files are remembered) updated with the choices of `rows` (a choice left empty
    removes the value's entry), each through `store(choice)` when given."""
    values: dict[str, Any] = {
        k: dict(v) if isinstance(v, dict) else v for k, v in (existing or {}).items()
    }
    for row in rows:
        chosen = cleaned.get(row.key, "")
        table = values.setdefault(row.field, {})
        if chosen:
            table[row.value] = store(chosen) if store else chosen
        else:
            table.pop(row.value, None)
    return {k: v for k, v in values.items() if v or not isinstance(v, dict)}


def values_navigation(request: Any) -> bool:
    """The mapping page was posted to search, page or accept suggestions (re-shown, not saved)."""
    return request.method == "POST" and any(
        key in request.POST for key in ("vnav", "vpage", "accept")
    )


def values_context(
    form: forms.Form, rows: Sequence[ValueRow], data: Mapping[str, Any], accepted: int = 0
) -> dict[str, Any]:
    """The template context of the value mapping (core/imports/_values.html)."""
    view = values_view(rows, data)
    fields: dict[str, str] = {}
    for row in rows:
        fields.setdefault(row.field, row.field_label)
    return {
        "values_view": view,
        "values_shown": [(r, form[r.key]) for r in view.page.object_list] if view.page else [],
        "values_hidden": hidden_inputs(form, view.hidden),
        "values_fields": sorted(fields.items(), key=lambda item: item[1]),
        "values_suggested": sum(1 for r in rows if r.suggestion),
        "values_accepted": accepted,
    }


def unchecked(form: forms.Form) -> None:
    """Searching or paging the values is not saving: the form is shown with what was posted
    but without the errors of a save (a required field not chosen yet)."""
    form.full_clean()
    form._errors = ErrorDict()  # type: ignore[attr-defined]  # noqa: SLF001 (no public way)


def hidden_inputs(form: forms.Form, rows: Iterable[ValueRow]) -> SafeString:
    """The values of the other pages as hidden inputs, written directly: hundreds of them
    through Django's widget templates would take most of the page's time."""
    pairs = []
    for row in rows:
        value = form[row.key].value()
        if value not in (None, ""):
            pairs.append((form.add_prefix(row.key), value))
    return format_html_join("", '<input type="hidden" name="{}" value="{}">', pairs)
