"""Reading the cells of one row of a monitoring-network file (text, dates, counts, yes/no, codes,
lists of codes, locations), each problem reported by row and column. `imports.rows` builds the
incident or community item from them."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from tutela.core.counts import max_count_text
from tutela.core.imports.matching import ColumnMatch
from tutela.core.imports.place_aliases import place_suggestion_text
from tutela.core.imports.places import PointLocator, parse_coordinate
from tutela.core.imports.problems import ERROR, WARNING, Problem, display_value
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
from tutela.core.pcodes import AreaRef, name_key
from tutela.monitoring.imports import fields
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
from tutela.monitoring.incidents.data import (
    References,
)

# A location problem: (field, code, message with %(value)s, value, severity).
_Issue = tuple[str, str, str, str, str]
# Positions of the P-code columns in LOCATION_FIELDS: a P-code given wins over coordinates.
_PCODE_POSITIONS = tuple(
    i for i, name in enumerate(fields.LOCATION_FIELDS) if name.endswith("pcode")
)


def _not_given(value: Any) -> bool:
    """An "ND" (or "N/A"...) cell: nothing given."""
    return isinstance(value, str) and len(value) < 20 and name_key(value) in NOT_GIVEN


class SkipRow(Exception):
    """A value mapping says to leave the row out: `field` and `value` say which rule."""

    def __init__(self, field: str = "", value: Any = None) -> None:
        super().__init__(field, value)
        self.field = field
        self.value = "" if is_blank(value) else cell_text(value)


class CellReader:
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
        self._area_cache: dict[tuple[Any, ...], tuple[AreaRef | None, list[_Issue]]] = {}
        # Built on the first row with coordinates (reading the boundaries takes a moment).
        self._locator: PointLocator | None = None
        # (field, place as written) -> the areas suggested for it ("ML0501 Bandiagara, ...").
        self._place_suggestions: dict[tuple[str, str], str] = {}

    # --- reporting ---

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

    # --- location ---

    def location(self, cells: list[Any]) -> AreaRef | None:
        raw = tuple(
            "" if is_blank(v) else cell_text(v)
            for v in (self.raw(cells, name) for name in fields.LOCATION_FIELDS)
        )
        point = self.coordinates(cells)
        key = (*raw, *(point or ()))
        if key not in self._area_cache:
            area, issues = self._resolve_location(raw)
            if point is not None and not any(raw[i] for i in _PCODE_POSITIONS):
                area, issues = self._place_by_point(point, area, issues, raw)
            self._area_cache[key] = (area, issues)
        area, issues = self._area_cache[key]
        for name, code, message, value, severity in issues:
            suggestion = self._place_suggestions.get((name, value), "")
            self.add(name, code, message, value=value, severity=severity, suggestion=suggestion)
        return area

    def coordinates(self, cells: list[Any]) -> tuple[float, float] | None:
        """The row's (latitude, longitude), None when not given or not valid (a warning: the
        place is then found by its names)."""
        if "latitude" not in self.index or "longitude" not in self.index:
            return None
        found: list[float] = []
        for name, limit in (("latitude", 90.0), ("longitude", 180.0)):
            value = self.raw(cells, name)
            try:
                number = parse_coordinate(value, limit=limit)
            except ValueError:
                self.add(
                    name,
                    "not_coordinate",
                    _(
                        "“%(value)s” is not a coordinate in decimal degrees; the place is found by "
                        "its names."
                    ),
                    value=value,
                    severity=WARNING,
                )
                return None
            if number is None:
                return None
            found.append(number)
        return found[0], found[1]

    def _place_by_point(
        self,
        point: tuple[float, float],
        named: AreaRef | None,
        issues: list[_Issue],
        raw: tuple[str, ...],
    ) -> tuple[AreaRef | None, list[_Issue]]:
        """The area holding the point, compared with the area the names give: the deeper of two
        that agree; the point's when they disagree or the names are not known (a warning)."""
        if self._locator is None:
            countries = self.refs.operation.countries.values_list("country_pcode", flat=True)
            self._locator = PointLocator.for_countries(countries)
        if not len(self._locator):
            # No boundaries loaded: the names alone place the row.
            return named, issues
        found = self._locator.locate(*point)
        column = next((n for n in reversed(fields.LOCATION_FIELDS) if n in self.index), "latitude")
        shown = f"{point[0]}, {point[1]}"
        if found is None:
            if named is None and not issues:
                issues = [
                    (
                        "latitude",
                        "outside",
                        _("the coordinates %(value)s fall outside the operation's boundaries."),
                        shown,
                        ERROR,
                    )
                ]
            return named, issues
        gazetteer = self.refs.gazetteer
        if named is not None and gazetteer.is_within(named, found.pcode):
            return named, issues
        if named is not None and gazetteer.is_within(found, named.pcode):
            return found, issues
        warnings = [issue for issue in issues if issue[4] == WARNING]
        written = " / ".join(v for v in raw if v)
        if named is None and written:
            message = _(
                "“%(value)s” was not found by name; placed by its coordinates in %(name)s "
                "(%(pcode)s)."
            )
        elif named is not None:
            message = _(
                "“%(value)s” is %(named)s by name, but its coordinates fall in %(name)s "
                "(%(pcode)s): placed by the coordinates."
            ).replace("%(named)s", f"{named.name} ({named.pcode})".replace("%", "%%"))
        else:
            return found, warnings
        warnings.append(
            (
                column,
                "placed_by_coordinates",
                message.replace("%(name)s", found.name.replace("%", "%%")).replace(
                    "%(pcode)s", found.pcode
                ),
                written,
                WARNING,
            )
        )
        return found, warnings

    def _by_name(
        self, place: str, level: int, parent: AreaRef | None, nfield: str
    ) -> tuple[AreaRef | None, list[_Issue]]:
        """The area called `place` at `level` under `parent`; else, when `parent` is given, the
        only area of that name at the level anywhere (old boundaries put places under another
        parent: a warning), else the only one at any level."""
        gazetteer = self.refs.gazetteer
        matches = gazetteer.match_name(
            place[:200],
            level=level,
            parent_pcode=parent.pcode if parent is not None and parent.level == level - 1 else None,
            limit=3,
        )
        exact = [m for m in matches if m.exact]
        if len(exact) == 1:
            return exact[0].area, []
        if len(exact) > 1:
            message = _("several places are called “%(value)s”; give the P-code.")
            return None, [(nfield, "ambiguous_name", message, place, ERROR)]
        # An alias of the operation (a suggestion confirmed before): no question.
        alias = gazetteer.by_alias(place[:200], level=level, parent=parent)
        if alias is not None:
            return alias, []
        elsewhere: list[Any] = []
        if parent is not None:
            elsewhere = [m for m in gazetteer.match_name(place[:200], level=level) if m.exact]
        if not elsewhere:
            elsewhere = [
                m
                for m in gazetteer.match_name(place[:200], level=None, limit=10)
                if m.exact and m.area.level >= 1
            ]
            if len({m.area.level for m in elsewhere}) > 1:
                # The same name at several levels (a region, its chief town's cercle and
                # commune): the deepest level below the parent's is meant least; take the
                # shallowest one.
                top = min(m.area.level for m in elsewhere)
                elsewhere = [m for m in elsewhere if m.area.level == top]
        if len(elsewhere) == 1:
            area = elsewhere[0].area
            if parent is not None and not gazetteer.is_within(area, parent.pcode):
                message = _("“%(value)s” found as %(pcode)s, not under %(parent)s.") % {
                    "value": "%(value)s",
                    "pcode": area.pcode,
                    "parent": parent.name.replace("%", "%%"),
                }
                self._place_suggestions[(nfield, place)] = place_suggestion_text([area])
                return area, [(nfield, "other_parent", message, place, WARNING)]
            return area, []
        hint = ""
        if not matches:
            matches = gazetteer.match_name(place[:200], level=level, limit=3)
        if matches:
            hint = f" ({matches[0].area.name}, {matches[0].area.pcode}?)".replace("%", "%%")
            # Offered on the check page, where accepting one makes a place alias.
            self._place_suggestions[(nfield, place)] = place_suggestion_text(
                m.area for m in matches
            )
        message = _("“%(value)s” is not a known place name.") + hint
        return None, [(nfield, "unknown_name", message, place, ERROR)]

    def _resolve_location(self, raw: tuple[str, ...]) -> tuple[AreaRef | None, list[_Issue]]:
        gazetteer = self.refs.gazetteer
        issues: list[_Issue] = []
        values = dict(zip(fields.LOCATION_FIELDS, raw, strict=True))
        parent: AreaRef | None = None
        for level in (1, 2, 3):
            pcode, place = values[f"admin{level}_pcode"], values[f"admin{level}_name"]
            pfield, nfield = f"admin{level}_pcode", f"admin{level}_name"
            area: AreaRef | None = None
            if pcode:
                area = gazetteer.by_pcode(pcode[:50])
                if area is None:
                    message = _("“%(value)s” is not a P-code of this operation's countries.")
                    return None, [*issues, (pfield, "unknown_pcode", message, pcode, ERROR)]
                if area.level != level or (
                    parent is not None and not gazetteer.is_within(area, parent.pcode)
                ):
                    message = _("“%(value)s” does not fit the other location columns.")
                    return None, [*issues, (pfield, "wrong_pcode", message, pcode, ERROR)]
            elif place:
                area, found = self._by_name(place, level, parent, nfield)
                issues.extend(found)
                if area is None:
                    return None, issues
            if area is not None:
                parent = area
        pcode = values["area_pcode"]
        if pcode:
            area = gazetteer.by_pcode(pcode[:50])
            if area is None:
                message = _("“%(value)s” is not a P-code of this operation's countries.")
                return None, [*issues, ("area_pcode", "unknown_pcode", message, pcode, ERROR)]
            if parent is not None and not (
                gazetteer.is_within(area, parent.pcode) or gazetteer.is_within(parent, area.pcode)
            ):
                message = _("“%(value)s” does not fit the other location columns.")
                return None, [*issues, ("area_pcode", "wrong_pcode", message, pcode, ERROR)]
            if parent is None or area.level > parent.level:
                parent = area
        if parent is not None and parent.level < 1:
            name = next(n for n in fields.LOCATION_FIELDS if values[n])
            message = _("“%(value)s” is a whole country: give at least the admin 1 area.")
            return None, [*issues, (name, "too_broad", message, values[name], ERROR)]
        return parent, issues

    def location_column(self) -> str:
        for name in (
            "area_pcode",
            "admin3_pcode",
            "admin3_name",
            "admin2_pcode",
            "admin2_name",
            "admin1_pcode",
            "admin1_name",
        ):
            if name in self.index:
                return name
        return ""
