"""Reading the cells of one row of a monitoring-network file (text, dates, counts, yes/no, codes,
lists of codes), each problem reported by row and column; the location cells are `places`'."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from tutela.core.counts import max_count_text
from tutela.core.imports.matching import ColumnMatch
from tutela.core.imports.problems import ERROR, Problem, display_value
from tutela.core.imports.values import (
    SKIP,
    ParseError,
    ValueMap,
    is_blank,
    parse_count,
    parse_date,
    parse_month,
)
from tutela.core.imports.values import text as cell_text
from tutela.core.pcodes import name_key
from tutela.monitoring.imports import fields
from tutela.monitoring.imports.cells.places import PlaceCells
from tutela.monitoring.imports.columns import field_label
from tutela.monitoring.imports.fields import FieldSet
from tutela.monitoring.imports.vocabulary import (
    FALSE,
    FORMULA_START,
    NOT_GIVEN,
    SEPARATORS,
    TRUE,
    TYPOLOGY_KEY,
    Vocabulary,
)
from tutela.monitoring.incidents.data import References


def _not_given(value: Any) -> bool:
    """An "ND" (or "N/A"...) cell: nothing given."""
    return isinstance(value, str) and len(value) < 20 and name_key(value) in NOT_GIVEN


class SkipRow(Exception):
    """A value mapping says to leave the row out: `field` and `value` say which rule."""

    def __init__(self, field: str = "", value: Any = None) -> None:
        super().__init__(field, value)
        self.field = field
        self.value = "" if is_blank(value) else cell_text(value)


class CellReader(PlaceCells):
    """Reads the cells of a file's rows by field, reporting each problem by row and column
    (`rows.RowReader` builds the items from them)."""

    def __init__(
        self,
        *,
        refs: References,
        fieldset: FieldSet,
        match: ColumnMatch,
        values: Mapping[str, Any] | None,
    ) -> None:
        self.refs = refs
        self.fieldset = fieldset
        self.match = match
        values = values if isinstance(values, Mapping) else {}
        typology = values.get(TYPOLOGY_KEY)
        self.vocab = Vocabulary(refs, typology=typology if isinstance(typology, str) else "")
        self.maps = {
            name: ValueMap(table)
            for name, table in values.items()
            if isinstance(table, Mapping) and name in fieldset.by_name
        }
        self.headers = match.field_headers()
        self.index = {name: index for index, name in match.columns.items()}
        # Fields the file lacks but the mapping gives a default for.
        self.defaults = {
            name: vmap.default
            for name, vmap in self.maps.items()
            if vmap.has_default and vmap.default is not None and name not in self.index
        }
        self.problems: list[Problem] = []
        self.row = 0
        self.failed: set[str] = set()
        super().__init__()

    def column(self, name: str) -> str:
        return self.headers.get(name, "")

    def add(
        self,
        name: str,
        code: str,
        message: str,
        *,
        value: Any = None,
        severity: str = ERROR,
        suggestion: str = "",
        **params: Any,
    ) -> None:
        column = self.column(name)
        shown = display_value(cell_text(value)) if value is not None else ""
        body = message % {"value": shown, **params}
        if column:
            full = _("Row %(row)s, column “%(column)s”: %(message)s") % {
                "row": self.row,
                "column": display_value(column),
                "message": body,
            }
        else:
            full = _("Row %(row)s: %(message)s") % {"row": self.row, "message": body}
        self.problems.append(
            Problem(
                row=self.row,
                column=column,
                field=name,
                code=code,
                message=full,
                severity=severity,
                suggestion=suggestion,
                value=shown,
            )
        )
        if severity == ERROR:
            self.failed.add(name)

    # --- raw values ---

    def raw(self, cells: list[Any], name: str) -> Any:
        index = self.index.get(name)
        if index is None:
            return self.defaults.get(name)
        value = cells[index] if index < len(cells) else None
        vmap = self.maps.get(name)
        if vmap is not None and self.fieldset.by_name[name].kind != fields.MULTI:
            mapped = vmap.apply(value)
            if mapped is SKIP:
                raise SkipRow(name, value)
            value = mapped
        return None if _not_given(value) else value

    def text(self, cells: list[Any], name: str, *, limit: int = 0) -> str:
        value = self.raw(cells, name)
        if is_blank(value):
            return ""
        result = cell_text(value) if not isinstance(value, str) else value.strip()
        if result.startswith(FORMULA_START):
            self.add(
                name,
                "formula",
                _("“%(value)s” looks like a spreadsheet formula; formulas are not accepted."),
                value=result,
            )
            return ""
        limit = limit or self.fieldset.by_name[name].max_length
        if limit and len(result) > limit:
            self.add(
                name,
                "too_long",
                _("the text has more than %(max)s characters."),
                max=limit,
            )
            return ""
        return result

    def date(self, cells: list[Any], name: str, *, month: bool = False) -> datetime.date | None:
        value = self.raw(cells, name)
        try:
            return parse_month(value) if month else parse_date(value)
        except ParseError as error:
            message = {
                "no_year": _("“%(value)s” has no year (write e.g. 2026-03)."),
                "not_month": _("“%(value)s” is not a month (write e.g. 2026-03)."),
            }.get(error.code, _("“%(value)s” is not a date (write e.g. 2026-03-15)."))
            self.add(name, error.code, message, value=value)
            return None

    def count(self, cells: list[Any], name: str) -> int | None:
        value = self.raw(cells, name)
        try:
            return parse_count(value)
        except ParseError as error:
            message = {
                "negative": _("“%(value)s” is negative."),
                "not_whole": _("“%(value)s” is not a whole number."),
                "too_large": _("“%(value)s” is too large (at most %(max)s)."),
            }.get(error.code, _("“%(value)s” is not a number."))
            self.add(name, error.code, message, value=value, max=max_count_text())
            return None

    def boolean(self, cells: list[Any], name: str) -> bool | None:
        value = self.raw(cells, name)
        if is_blank(value):
            return None
        if isinstance(value, bool):
            return value
        key = name_key(cell_text(value))
        if key in TRUE:
            return True
        if key in FALSE:
            return False
        self.add(name, "not_yes_no", _("“%(value)s” is not yes or no."), value=value)
        return None

    def code(self, cells: list[Any], name: str) -> Any:
        value = self.raw(cells, name)
        if is_blank(value):
            return None
        ref = self.fieldset.by_name[name].ref
        found = self.vocab.lookup(ref, value)
        if found is None:
            self.unknown(name, ref, value)
        return found

    def unknown(self, name: str, ref: str, value: Any) -> None:
        self.add(
            name,
            "unknown_value",
            _(
                "“%(value)s” is not known for %(field)s. Use one of the operation's codes or "
                "say what it means in the column mapping."
            ),
            value=value,
            field=field_label(self.fieldset, name),
            suggestion=self.vocab.suggest(ref, value),
        )

    def tokens(self, cells: list[Any], name: str) -> list[Any]:
        """The values of a multiple-choice cell, each resolved (unknown ones reported)."""
        index = self.index.get(name)
        value = cells[index] if index is not None and index < len(cells) else None
        if index is None:
            value = self.defaults.get(name)
        if _not_given(value):
            value = None
        if is_blank(value):
            vmap = self.maps.get(name)
            if vmap is not None and vmap.has_default:
                mapped = vmap.apply(value)
                if mapped is SKIP:
                    raise SkipRow(name, value)
                value = mapped
            if is_blank(value):
                return []
        ref = self.fieldset.by_name[name].ref
        vmap = self.maps.get(name)
        raw = value if isinstance(value, str) else cell_text(value)

        def resolve(token: str) -> tuple[bool, Any]:
            if vmap is not None:
                mapped = vmap.apply(token)
                if mapped is SKIP:
                    raise SkipRow(name, token)
                token = mapped if isinstance(mapped, str) else cell_text(mapped)
            found = self.vocab.lookup(ref, token)
            return found is not None, found if found is not None else token

        whole = " ".join(raw.split())
        known, found = resolve(whole)
        if known:
            return [found]
        if SEPARATORS.search(raw):
            parts = [p for p in SEPARATORS.split(raw) if p.strip()]
        elif "," in raw:
            parts = [p for p in raw.split(",") if p.strip()]
        else:
            parts = whole.split()
        results: list[Any] = []
        for part in parts[:200]:
            part = " ".join(part.split())
            if _not_given(part):
                continue
            known, found = resolve(part)
            if known:
                if found not in results:
                    results.append(found)
            elif ref == "coping":
                results.append(part)
            else:
                self.unknown(name, ref, part)
        return results
