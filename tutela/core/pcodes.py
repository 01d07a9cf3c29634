"""P-code and place-name lookup, used by every importer.

`GazetteerIndex` loads the admin areas of one or more countries once and answers lookups in
memory, so that an importer checking 100,000 rows makes no query per row:

    index = GazetteerIndex.for_countries(["ML"])
    index.by_pcode("ML0501")            -> AreaRef or None
    index.match_name("Segou", level=1)  -> [Match(area=ML04 Ségou, score=100.0), ...]

Names are compared on a key that ignores case, accents, punctuation and spacing ("Ségou",
"SEGOU", "segou" are the same), then by fuzzy similarity (rapidfuzz) for misspellings.

An operation's place aliases (`PlaceAlias`: old or misspelt names an IMO confirmed) are loaded
with `GazetteerIndex.for_operation` and answered by `by_alias`, which both importers call after an
exact P-code or name and before fuzzy suggestions, so the 5W and monitoring follow one rule.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from tutela.core.models import AdminArea, Operation, PlaceAlias

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def name_key(name: str) -> str:
    """'Ségou' -> 'segou'; "Bogotá, D.C." -> 'bogota d c'."""
    decomposed = unicodedata.normalize("NFKD", name)
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_ALNUM.sub(" ", ascii_only.lower()).strip()


@dataclass(frozen=True)
class AreaRef:
    id: int
    pcode: str
    name: str
    level: int
    parent_pcode: str | None
    country_pcode: str


@dataclass(frozen=True)
class Match:
    area: AreaRef
    score: float

    @property
    def exact(self) -> bool:
        return self.score >= 100.0


class GazetteerIndex:
    def __init__(self, areas: Iterable[AreaRef]) -> None:
        self._by_pcode: dict[str, AreaRef] = {}
        # (level, parent P-code or None) -> {name key: [areas]}
        self._names: dict[tuple[int, str | None], dict[str, list[AreaRef]]] = {}
        self._names_by_level: dict[int, dict[str, list[AreaRef]]] = {}
        for area in areas:
            self._by_pcode[area.pcode.upper()] = area
            key = name_key(area.name)
            self._names.setdefault((area.level, area.parent_pcode), {}).setdefault(key, []).append(
                area
            )
            self._names_by_level.setdefault(area.level, {}).setdefault(key, []).append(area)
        # (level or PlaceAlias.ANY_LEVEL, name key) -> P-code of the area the alias means.
        self._aliases: dict[tuple[int, str], str] = {}

    @classmethod
    def for_countries(cls, country_pcodes: Iterable[str]) -> GazetteerIndex:
        rows = AdminArea.objects.filter(country_pcode__in=list(country_pcodes)).values_list(
            "id", "pcode", "name", "level", "parent__pcode", "country_pcode"
        )
        return cls(AreaRef(*row) for row in rows)

    @classmethod
    def for_operation(cls, operation: Operation) -> GazetteerIndex:
        """The areas of the operation's countries, with the operation's place aliases."""
        countries = list(operation.countries.values_list("country_pcode", flat=True))
        index = cls.for_countries(countries)
        index.add_aliases(
            PlaceAlias.objects.filter(operation=operation).values_list(
                "level", "name_key", "area__pcode"
            )
        )
        return index

    def add_aliases(self, aliases: Iterable[tuple[int, str, str]]) -> None:
        """(level, name key, P-code) of each alias; level 0 holds at any level."""
        for level, key, pcode in aliases:
            self._aliases[(level, key)] = pcode.upper()

    def by_alias(self, name: str, *, level: int, parent: AreaRef | None = None) -> AreaRef | None:
        """The area an alias of the operation gives the name written at `level`: an alias made
        for that level first, then one for any level (whose area must be at `level`). An alias
        inside `parent` is preferred; one outside it still holds, since the IMO confirmed it
        (old boundaries put villages under another parent)."""
        key = name_key(name)
        if not key or not self._aliases:
            return None
        found: list[AreaRef] = []
        for alias_level in (level, PlaceAlias.ANY_LEVEL):
            pcode = self._aliases.get((alias_level, key))
            area = self._by_pcode.get(pcode) if pcode else None
            if area is not None and area.level == level:
                found.append(area)
        inside = [a for a in found if parent is None or self.is_within(a, parent.pcode)]
        chosen = inside or found
        return chosen[0] if chosen else None

    def __len__(self) -> int:
        return len(self._by_pcode)

    def by_pcode(self, pcode: str) -> AreaRef | None:
        return self._by_pcode.get(pcode.strip().upper())

    def is_within(self, area: AreaRef, ancestor_pcode: str) -> bool:
        """True when `area` is `ancestor_pcode` or lies inside it."""
        current: AreaRef | None = area
        while current is not None:
            if current.pcode == ancestor_pcode:
                return True
            current = self._by_pcode.get(current.parent_pcode) if current.parent_pcode else None
        return False

    def match_name(
        self,
        name: str,
        *,
        level: int | None = None,
        parent_pcode: str | None = None,
        limit: int = 3,
        cutoff: float = 80.0,
    ) -> list[Match]:
        """Areas whose name matches, best first. An exact (accent-insensitive) match scores 100.

        With `parent_pcode`, only areas inside that parent are considered; with `level`, only
        areas at that level.
        """
        key = name_key(name)
        if not key:
            return []
        if parent_pcode is not None and level is not None:
            pools = [self._names.get((level, parent_pcode.upper()), {})]
        elif level is not None:
            pools = [self._names_by_level.get(level, {})]
        else:
            pools = list(self._names_by_level.values())
        if parent_pcode is not None and level is None:
            parent = parent_pcode.upper()
            pools = [
                {k: [a for a in v if self._parent_chain_has(a, parent)] for k, v in pool.items()}
                for pool in pools
            ]
        exact = [a for pool in pools for a in pool.get(key, [])]
        if exact:
            return [Match(area=a, score=100.0) for a in exact[:limit]]
        choices = {k: v for pool in pools for k, v in pool.items() if v}
        found = process.extract(
            key, list(choices), scorer=fuzz.WRatio, limit=limit, score_cutoff=cutoff
        )
        results: list[Match] = []
        for candidate, score, _index in found:
            for area in choices[candidate]:
                # A fuzzy match is never reported as exact.
                results.append(Match(area=area, score=min(float(score), 99.0)))
        return results[:limit]

    def _parent_chain_has(self, area: AreaRef, ancestor: str) -> bool:
        return area.pcode != ancestor and self.is_within(area, ancestor)


def area_match_name(
    name: str, *, country_pcode: str, level: int | None = None, parent_pcode: str | None = None
) -> list[Match]:
    """One-off lookup; importers should build a GazetteerIndex once instead."""
    return GazetteerIndex.for_countries([country_pcode]).match_name(
        name, level=level, parent_pcode=parent_pcode
    )
