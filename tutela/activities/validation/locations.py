"""Resolving a row's admin 1, 2 and 3 P-codes and place names against the gazetteer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from rapidfuzz import fuzz

from tutela.activities.validation.problems import CheckerBase
from tutela.core.imports.problems import WARNING
from tutela.core.imports.values import is_blank, text
from tutela.core.pcodes import AreaRef, name_key


class LocationChecks(CheckerBase):
    """The location of a row, checked and resolved."""

    def location(self, row: Mapping[str, Any]) -> tuple[AreaRef, list[int | None]] | None:
        g = row.get
        raw = (
            g("admin1_pcode"),
            g("admin1_name"),
            g("admin2_pcode"),
            g("admin2_name"),
            g("admin3_pcode"),
            g("admin3_name"),
        )
        return self.memo("location", raw, self._resolve_location, raw)

    def _match(self, name: str, level: int, parent: AreaRef | None) -> list[Any]:
        gazetteer = self.c.gazetteer
        if parent is None:
            return gazetteer.match_name(name, level=level, limit=5)
        if parent.level == level - 1:
            return gazetteer.match_name(name, level=level, parent_pcode=parent.pcode, limit=5)
        found = gazetteer.match_name(name, level=level, limit=20, cutoff=80.0)
        return [m for m in found if gazetteer.is_within(m.area, parent.pcode)][:5]

    def _resolve_location(self, cells: tuple[Any, ...]) -> tuple[AreaRef, list[int | None]] | None:
        """The row's deepest area, given by P-code or by name at each admin level, each inside
        the one above; None (with the problems added) when a level is not found or none is
        given."""
        raw = tuple("" if is_blank(v) else text(v) for v in cells)
        parent: AreaRef | None = None
        failed = False
        for level in (1, 2, 3):
            pcode, place = raw[2 * level - 2], raw[2 * level - 1]
            area: AreaRef | None = None
            if pcode:
                area = self._area_by_pcode(level, pcode, place, parent)
            elif place:
                area = self._area_by_name(level, place, parent)
            if area is not None:
                parent = area
            elif pcode or place:
                failed = True
        if failed:
            return None
        if parent is None:
            self.add(
                "admin1_pcode",
                "no_location",
                _("Row %(row)s, column “%(column)s”: the location is missing (give a P-code)."),
                value="",
            )
            return None
        return parent, self._ancestors(parent)

    def _area_by_pcode(
        self, level: int, pcode: str, place: str, parent: AreaRef | None
    ) -> AreaRef | None:
        """The area of the P-code given at `level`, if it is one at that level inside `parent`
        (else an error); a warning when the place name written beside it names another place."""
        gazetteer = self.c.gazetteer
        pfield = f"admin{level}_pcode"
        area = gazetteer.by_pcode(pcode)
        if area is None:
            self.add(
                pfield,
                "unknown_pcode",
                _(
                    "Row %(row)s, column “%(column)s”: “%(value)s” is not a P-code of "
                    "this operation's countries."
                ),
                value=pcode,
            )
            return None
        if area.level != level:
            self.add(
                pfield,
                "wrong_level",
                _(
                    "Row %(row)s, column “%(column)s”: %(value)s (%(name)s) is an admin "
                    "%(level)s area, not admin %(expected)s."
                ),
                value=pcode,
                name=area.name,
                level=area.level,
                expected=level,
            )
            return None
        if parent is not None and not gazetteer.is_within(area, parent.pcode):
            self.add(
                pfield,
                "outside_parent",
                _(
                    "Row %(row)s, column “%(column)s”: %(value)s (%(name)s) is not "
                    "inside %(parent)s (%(parent_name)s)."
                ),
                value=pcode,
                name=area.name,
                parent=parent.pcode,
                parent_name=parent.name,
            )
            return None
        if (
            place
            and name_key(place) != name_key(area.name)
            and fuzz.ratio(name_key(place), name_key(area.name)) < 90
        ):
            self._name_mismatch(level, place, area, parent)
        return area

    def _name_mismatch(self, level: int, place: str, area: AreaRef, parent: AreaRef | None) -> None:
        """A warning: the place name written beside a P-code is not that P-code's name."""
        matches = [m for m in self._match(place, level, parent) if m.area != area]
        suggestion = f"{matches[0].area.pcode} {matches[0].area.name}" if matches else ""
        message = _(
            "Row %(row)s, column “%(column)s”: “%(value)s” does not match the "
            "P-code %(pcode)s, which is %(name)s."
        )
        if suggestion:
            message += " " + _("Did you mean %(suggestion_text)s?")
        self.add(
            f"admin{level}_name",
            "name_mismatch",
            message,
            value=place,
            severity=WARNING,
            suggestion=suggestion,
            suggestion_text=suggestion,
            pcode=area.pcode,
            name=area.name,
        )

    def _area_by_name(self, level: int, place: str, parent: AreaRef | None) -> AreaRef | None:
        """The area called `place` at `level` (under `parent` when given): an alias of the
        operation, the one exact match, or one close enough (a warning); else an error with the
        nearest names."""
        nfield = f"admin{level}_name"
        matches = self._match(place, level, parent)
        exact = [m for m in matches if m.exact]
        alias = None if exact else self.c.gazetteer.by_alias(place, level=level, parent=parent)
        if alias is not None:
            # An alias of the operation (a suggestion confirmed before): no question.
            return alias
        if len(exact) == 1:
            return exact[0].area
        if len(exact) > 1:
            choices = ", ".join(f"{m.area.pcode} {m.area.name}" for m in exact)
            self.add(
                nfield,
                "ambiguous_name",
                _(
                    "Row %(row)s, column “%(column)s”: “%(value)s” could be several "
                    "places (%(choices)s); give the P-code."
                ),
                value=place,
                suggestion=choices,
                choices=choices,
            )
            return None
        if (
            matches
            and matches[0].score >= 90
            and (len(matches) == 1 or matches[1].score < matches[0].score)
        ):
            area = matches[0].area
            self.add(
                nfield,
                "fuzzy_name",
                _(
                    "Row %(row)s, column “%(column)s”: “%(value)s” was read as "
                    "%(name)s (%(pcode)s)."
                ),
                value=place,
                severity=WARNING,
                suggestion=f"{area.pcode} {area.name}",
                name=area.name,
                pcode=area.pcode,
            )
            return area
        suggestion = ", ".join(f"{m.area.pcode} {m.area.name}" for m in matches[:3])
        message = _(
            "Row %(row)s, column “%(column)s”: “%(value)s” is not a known place name at this level."
        )
        if suggestion:
            message += " " + _("Did you mean %(suggestion_text)s?")
        self.add(
            nfield,
            "unknown_name",
            message,
            value=place,
            suggestion=suggestion,
            suggestion_text=suggestion,
        )
        return None

    def _ancestors(self, area: AreaRef) -> list[int | None]:
        """The ids of the admin 1, 2 and 3 areas holding `area` (itself included)."""
        gazetteer = self.c.gazetteer
        ancestors: list[int | None] = [None, None, None]
        current: AreaRef | None = area
        while current is not None:
            if 1 <= current.level <= 3:
                ancestors[current.level - 1] = current.id
            current = gazetteer.by_pcode(current.parent_pcode) if current.parent_pcode else None
        return ancestors
