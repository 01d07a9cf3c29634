"""Reading the location cells of a row (P-codes, names by level, coordinates) into an area of the
operation's gazetteer: the part of `values.CellReader` that knows places."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from tutela.core.imports.place_aliases import place_suggestion_text
from tutela.core.imports.places import PointLocator, parse_coordinate
from tutela.core.imports.problems import ERROR, WARNING
from tutela.core.imports.values import is_blank
from tutela.core.imports.values import text as cell_text
from tutela.core.pcodes import AreaRef
from tutela.monitoring.imports import fields
from tutela.monitoring.incidents.data import References

# A location problem: (field, code, message with %(value)s, value, severity).
Issue = tuple[str, str, str, str, str]
# Positions of the P-code columns in LOCATION_FIELDS: a P-code given wins over coordinates.
_PCODE_POSITIONS = tuple(
    i for i, name in enumerate(fields.LOCATION_FIELDS) if name.endswith("pcode")
)


class PlaceCells:
    """Mixin of `CellReader`: the location of a row, with its problems (an area resolved once per
    distinct set of location cells)."""

    refs: References
    index: dict[str, int]

    def __init__(self) -> None:
        self._area_cache: dict[tuple[Any, ...], tuple[AreaRef | None, list[Issue]]] = {}
        # Built on the first row with coordinates (reading the boundaries takes a moment).
        self._locator: PointLocator | None = None
        # (field, place as written) -> the areas suggested for it ("ML0501 Bandiagara, ...").
        self._place_suggestions: dict[tuple[str, str], str] = {}

    # Reading a cell and reporting a problem: `CellReader` defines them.

    def raw(self, cells: list[Any], name: str) -> Any:
        raise NotImplementedError

    def add(self, name: str, code: str, message: str, **options: Any) -> None:
        raise NotImplementedError

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
        issues: list[Issue],
        raw: tuple[str, ...],
    ) -> tuple[AreaRef | None, list[Issue]]:
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
    ) -> tuple[AreaRef | None, list[Issue]]:
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

    def _resolve_location(self, raw: tuple[str, ...]) -> tuple[AreaRef | None, list[Issue]]:
        gazetteer = self.refs.gazetteer
        issues: list[Issue] = []
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
