"""Resolving a row's admin 1, 2 and 3 P-codes and place names against the gazetteer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from rapidfuzz import fuzz

from tutela.activities.validation.problems import CheckerBase
from tutela.core.imports.problems import ERROR, WARNING
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
        gazetteer = self.c.gazetteer
        raw = tuple("" if is_blank(v) else text(v) for v in cells)

        def issue(
            target: str,
            code: str,
            message: str,
            value: str,
            severity: str = ERROR,
            suggestion: str = "",
            **params: Any,
        ) -> None:
            self.add(
                target,
                code,
                message,
                value=value,
                severity=severity,
                suggestion=suggestion,
                **params,
            )

        parent: AreaRef | None = None
        failed = False
        levels = ((1, raw[0], raw[1]), (2, raw[2], raw[3]), (3, raw[4], raw[5]))
        for level, pcode, place in levels:
            pfield, nfield = f"admin{level}_pcode", f"admin{level}_name"
            area: AreaRef | None = None
            if pcode:
                area = gazetteer.by_pcode(pcode)
                if area is None:
                    issue(
                        pfield,
                        "unknown_pcode",
                        _(
                            "Row %(row)s, column “%(column)s”: “%(value)s” is not a P-code of "
                            "this operation's countries."
                        ),
                        pcode,
                    )
                elif area.level != level:
                    issue(
                        pfield,
                        "wrong_level",
                        _(
                            "Row %(row)s, column “%(column)s”: %(value)s (%(name)s) is an admin "
                            "%(level)s area, not admin %(expected)s."
                        ),
                        pcode,
                        name=area.name,
                        level=area.level,
                        expected=level,
                    )
                    area = None
                elif parent is not None and not gazetteer.is_within(area, parent.pcode):
                    issue(
                        pfield,
                        "outside_parent",
                        _(
                            "Row %(row)s, column “%(column)s”: %(value)s (%(name)s) is not "
                            "inside %(parent)s (%(parent_name)s)."
                        ),
                        pcode,
                        name=area.name,
                        parent=parent.pcode,
                        parent_name=parent.name,
                    )
                    area = None
                elif (
                    place
                    and name_key(place) != name_key(area.name)
                    and fuzz.ratio(name_key(place), name_key(area.name)) < 90
                ):
                    matches = [m for m in self._match(place, level, parent) if m.area != area]
                    suggestion = (
                        f"{matches[0].area.pcode} {matches[0].area.name}" if matches else ""
                    )
                    message = _(
                        "Row %(row)s, column “%(column)s”: “%(value)s” does not match the "
                        "P-code %(pcode)s, which is %(name)s."
                    )
                    if suggestion:
                        message += " " + _("Did you mean %(suggestion_text)s?")
                    issue(
                        nfield,
                        "name_mismatch",
                        message,
                        place,
                        severity=WARNING,
                        suggestion=suggestion,
                        suggestion_text=suggestion,
                        pcode=area.pcode,
                        name=area.name,
                    )
            elif place:
                matches = self._match(place, level, parent)
                exact = [m for m in matches if m.exact]
                alias = None if exact else gazetteer.by_alias(place, level=level, parent=parent)
                if alias is not None:
                    # An alias of the operation (a suggestion confirmed before): no question.
                    area = alias
                elif len(exact) == 1:
                    area = exact[0].area
                elif len(exact) > 1:
                    choices = ", ".join(f"{m.area.pcode} {m.area.name}" for m in exact)
                    issue(
                        nfield,
                        "ambiguous_name",
                        _(
                            "Row %(row)s, column “%(column)s”: “%(value)s” could be several "
                            "places (%(choices)s); give the P-code."
                        ),
                        place,
                        suggestion=choices,
                        choices=choices,
                    )
                elif (
                    matches
                    and matches[0].score >= 90
                    and (len(matches) == 1 or matches[1].score < matches[0].score)
                ):
                    area = matches[0].area
                    issue(
                        nfield,
                        "fuzzy_name",
                        _(
                            "Row %(row)s, column “%(column)s”: “%(value)s” was read as "
                            "%(name)s (%(pcode)s)."
                        ),
                        place,
                        severity=WARNING,
                        suggestion=f"{area.pcode} {area.name}",
                        name=area.name,
                        pcode=area.pcode,
                    )
                else:
                    suggestion = ", ".join(f"{m.area.pcode} {m.area.name}" for m in matches[:3])
                    message = _(
                        "Row %(row)s, column “%(column)s”: “%(value)s” is not a known place name "
                        "at this level."
                    )
                    if suggestion:
                        message += " " + _("Did you mean %(suggestion_text)s?")
                    issue(
                        nfield,
                        "unknown_name",
                        message,
                        place,
                        suggestion=suggestion,
                        suggestion_text=suggestion,
                    )
            if area is not None:
                parent = area
            elif pcode or place:
                failed = True
        if failed:
            return None
        if parent is None:
            issue(
                "admin1_pcode",
                "no_location",
                _("Row %(row)s, column “%(column)s”: the location is missing (give a P-code)."),
                "",
            )
            return None
        ancestors: list[int | None] = [None, None, None]
        current: AreaRef | None = parent
        while current is not None:
            if 1 <= current.level <= 3:
                ancestors[current.level - 1] = current.id
            current = gazetteer.by_pcode(current.parent_pcode) if current.parent_pcode else None
        return parent, ancestors
