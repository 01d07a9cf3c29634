"""Matching a file's columns to target fields.

In order of precedence, a column is matched by:
1. the saved mapping ({header as in the file: field}; a header mapped to "" is ignored);
2. its header being a field's name ("admin1_pcode");
3. its HXL hashtag (attributes in any order: "#adm1+code" = "#adm1 +code"; a more specific tag
   such as "#adm1+code+v_pcode" also matches when only one field fits);
4. its header being a synonym or the translated label of a field, compared without case, accents,
   punctuation or line breaks (`name_key`), or the first line of a long header ("CLUSTER\n(Choisir
   dans la liste)" is compared as "cluster").

Each field is matched by one column at most; a second column for a field already matched is
reported in `duplicates` and ignored, except where a saved mapping names several columns for a
field the importer declares `summable` (counts: the file's age bands 0-3, 4-11 and 12-17 added
into one field): those are kept in `summed` and the importer adds them up.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings
from django.utils import translation

from tutela.core.imports.readers import parse_hxl_tag
from tutela.core.pcodes import name_key


class Target(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def hxl(self) -> str: ...

    @property
    def synonyms(self) -> tuple[str, ...]: ...


MAPPING = "mapping"
NAME = "name"
HXL = "hxl"
SYNONYM = "synonym"


@dataclass
class ColumnMatch:
    headers: list[str]
    # column index -> target field name
    columns: dict[int, str] = field(default_factory=dict)
    # column index -> how it was matched (MAPPING, NAME, HXL, SYNONYM)
    how: dict[int, str] = field(default_factory=dict)
    # headers matched to nothing (non-empty ones)
    unmatched: list[str] = field(default_factory=list)
    # headers the mapping says to ignore
    ignored: list[str] = field(default_factory=list)
    # (header, field, header of the column that already holds the field)
    duplicates: list[tuple[str, str, str]] = field(default_factory=list)
    # mapping entries naming a header the file does not have
    mapping_missing: list[str] = field(default_factory=list)
    # target field -> the indexes of the further columns added into it (the first is in
    # `columns`), for the summable fields a saved mapping gives several columns
    summed: dict[str, list[int]] = field(default_factory=dict)

    @property
    def fields(self) -> set[str]:
        return set(self.columns.values())

    def index_for(self, target: str) -> int | None:
        for index, name in self.columns.items():
            if name == target:
                return index
        return None

    def header_for(self, target: str) -> str:
        index = self.index_for(target)
        return self.headers[index] if index is not None else ""

    def field_headers(self) -> dict[str, str]:
        """{field: header as in the file} for the matched fields (the first column of a sum)."""
        return {name: self.headers[index] for index, name in self.columns.items()}

    def summed_headers(self, target: str) -> list[str]:
        """The headers of every column added into `target` (one when it is not a sum)."""
        first = self.index_for(target)
        indexes = ([first] if first is not None else []) + self.summed.get(target, [])
        return [self.headers[i] for i in indexes]

    def missing(self, required: Iterable[str]) -> list[str]:
        return [name for name in required if name not in self.fields]


# A bracketed note ("(Choisir dans la liste)", "(S)") is left out of the short form.
_PAREN = re.compile(r"\([^)]*\)?")


def header_keys(header: str) -> list[str]:
    """Keys a header is compared on: the whole of it, then its first line without brackets."""
    whole = name_key(header)
    keys = [whole] if whole else []
    first = name_key(_PAREN.sub("", header.strip().splitlines()[0] if header.strip() else ""))
    if first and first not in keys:
        keys.append(first)
    return keys


def _target_keys(targets: Sequence[Any], languages: Iterable[str]) -> dict[str, str]:
    """{comparison key: field name}; the first target claiming a key keeps it."""
    keys: dict[str, str] = {}

    def claim(text: str, target: str) -> None:
        key = name_key(text)
        if key and key not in keys:
            keys[key] = target

    for target in targets:
        claim(target.name, target.name)
        claim(target.name.replace("_", " "), target.name)
    for target in targets:
        for synonym in getattr(target, "synonyms", ()) or ():
            claim(synonym, target.name)
    label_targets = [t for t in targets if getattr(t, "label", None)]
    for language in languages:
        with translation.override(language):
            for target in label_targets:
                claim(str(target.label), target.name)
    return keys


def _hxl_index(targets: Sequence[Any]) -> list[tuple[str, frozenset[str], str]]:
    parsed = []
    for target in targets:
        tag = parse_hxl_tag(getattr(target, "hxl", "") or "")
        if tag is not None:
            parsed.append((tag[0], tag[1], target.name))
    return parsed


def _by_hxl(spec: str, index: list[tuple[str, frozenset[str], str]]) -> str | None:
    tag = parse_hxl_tag(spec)
    if tag is None:
        return None
    name, attributes = tag
    exact = [t for n, a, t in index if n == name and a == attributes]
    if exact:
        return exact[0]
    # The file's tag is more specific than the field's ("#adm1+code+v_pcode"): accept when only
    # one field fits.
    wider = [t for n, a, t in index if n == name and a <= attributes and a]
    return wider[0] if len(wider) == 1 else None


def _mapping_lookup(mapping: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    exact = {str(k).strip(): v for k, v in mapping.items()}
    keyed = {name_key(str(k)): v for k, v in mapping.items() if name_key(str(k))}
    return exact, keyed


class _Matcher:
    """One matching of headers to fields: each pass takes the columns it can and leaves the
    others pending for the next."""

    def __init__(
        self,
        headers: Sequence[str],
        hxl_tags: Sequence[str] | None,
        targets: Sequence[Any],
        summable: Collection[str],
    ) -> None:
        self.headers = headers
        self.hxl_tags = hxl_tags
        self.targets = targets
        self.known = {t.name for t in targets}
        self.summable = summable
        self.result = ColumnMatch(headers=list(headers))
        self.taken: dict[str, int] = {}
        self.pending = [i for i, h in enumerate(headers) if h or (hxl_tags and hxl_tags[i])]

    def assign(self, index: int, target: str, how: str) -> None:
        result, headers = self.result, self.headers
        if target in self.taken and how == MAPPING and target in self.summable:
            result.summed.setdefault(target, []).append(index)
            result.how[index] = "summed"
            return
        if target in self.taken:
            result.duplicates.append((headers[index], target, headers[self.taken[target]]))
            result.how[index] = "duplicate"
            return
        self.taken[target] = index
        result.columns[index] = target
        result.how[index] = how

    def by_mapping(self, mapping: Mapping[str, Any]) -> None:
        exact, keyed = _mapping_lookup(mapping)
        used: set[str] = set()
        still = []
        for index in self.pending:
            header = self.headers[index].strip()
            if header in exact:
                target, key = exact[header], header
            elif name_key(header) and name_key(header) in keyed:
                target, key = keyed[name_key(header)], name_key(header)
            else:
                still.append(index)
                continue
            used.add(key)
            if not target:
                self.result.ignored.append(self.headers[index])
                self.result.how[index] = "ignored"
            elif target in self.known:
                self.assign(index, str(target), MAPPING)
            else:
                still.append(index)
        self.pending = still
        for header in mapping:
            text = str(header).strip()
            if text not in used and name_key(text) not in used:
                self.result.mapping_missing.append(str(header))

    def by_name(self) -> None:
        rest = []
        for index in self.pending:
            header = self.headers[index].strip()
            if header in self.known:
                self.assign(index, header, NAME)
            else:
                rest.append(index)
        self.pending = rest

    def by_hxl(self, hxl_tags: Sequence[str]) -> None:
        hxl_targets = _hxl_index(self.targets)
        rest = []
        for index in self.pending:
            target = _by_hxl(hxl_tags[index], hxl_targets) if index < len(hxl_tags) else None
            if target is not None and target not in self.taken:
                self.assign(index, target, HXL)
            else:
                rest.append(index)
        self.pending = rest

    def by_synonym(self, languages: Iterable[str]) -> None:
        keys = _target_keys(self.targets, languages)
        rest = []
        for index in self.pending:
            for key in header_keys(self.headers[index]):
                target = keys.get(key)
                if target is not None:
                    self.assign(index, target, SYNONYM)
                    break
            else:
                rest.append(index)
        self.pending = rest


def match_columns(
    headers: Sequence[str],
    hxl_tags: Sequence[str] | None = None,
    *,
    targets: Sequence[Any],
    mapping: Mapping[str, Any] | None = None,
    auto: bool = True,
    languages: Iterable[str] | None = None,
    summable: Collection[str] = (),
) -> ColumnMatch:
    """Match `headers` (and their hashtags) to `targets` (objects with name, hxl, synonyms and
    optionally label). `auto=False` uses the mapping only. `summable`: fields whose columns the
    mapping may name several of (`ColumnMatch.summed`)."""
    matcher = _Matcher(headers, hxl_tags, targets, summable)
    if mapping:
        matcher.by_mapping(mapping)
    if auto:
        # Exact field names first, then hashtags, then synonyms: a precise match wins a field.
        matcher.by_name()
        if hxl_tags:
            matcher.by_hxl(hxl_tags)
        matcher.by_synonym(languages or [code for code, _name in settings.LANGUAGES])
    result = matcher.result
    result.unmatched = [headers[i] or (hxl_tags[i] if hxl_tags else "") for i in matcher.pending]
    return result


def match_score(
    headers: Sequence[str], hxl_tags: Sequence[str] | None, *, targets: Sequence[Any]
) -> float:
    """How well a sheet's columns fit the targets (number of fields matched): used to pick the
    sheet of a workbook that holds the data."""
    return float(len(match_columns(headers, hxl_tags, targets=targets).columns))
