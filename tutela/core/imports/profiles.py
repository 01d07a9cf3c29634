"""Import profiles: how to read a kind of file that clusters receive as it is (an ACLED export,
the HDX HXL 3W, Tutela's own templates), written as data rather than code.

A profile is a JSON document:

    {
      "format": "tutela-import-profile", "version": 1,
      "name": "acled", "importer": "monitoring.incidents",
      "title": {"en": "ACLED export", "fr": "Export ACLED"},
      "description": {"en": "..."},
      "recognise": ["event_id_cnty", "event_type"],        # headers that identify the file
      "columns": {"occurred_on": ["event_date"],            # field: headers, first present wins
                  "risks": ["sub_event_type", "event_type"],
                  "organisation": ["#org+acronym", "#org"]}, # or HXL tags (the file's tag may
                                                            # carry more attributes)
      "other_columns": "ignore",                            # or "match": the importer's own rules
      "constants": {"source": "secondary_source"},          # every row: this value
      "values": {"perpetrator": {"1": "state_forces"},      # {value in the file: code}
                 "risks": [{"value": "Agreement", "code": null, "why": "..."}]}
    }

A value mapped to null leaves the row out (counted, not an error). The list form of a value
table carries the reason of each choice, so that the reviewed table travels with the file.

The document is exchanged as is: exported from one operation (or Tutela) and imported into
another. Tutela's own profiles are files beside each importer; an operation's are ImportProfile
rows. `Profile.resolve(headers)` turns a profile into the {header: field} and {field: {value:
code}} tables of a saved mapping for one file, which the importer applies as it applies a
saved mapping.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from tutela.core.imports.readers import parse_hxl_tag
from tutela.core.pcodes import name_key

FORMAT = "tutela-import-profile"
VERSION = 1
# A profile file is a few kilobytes; this bounds what a user can make the server parse.
MAX_BYTES = 1_000_000
MAX_NAME = 100


class ProfileError(ValueError):
    """A document that is not a valid profile; `problems` says every reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Profile:
    name: str
    importer: str
    title: Mapping[str, str]
    description: Mapping[str, str]
    recognise: tuple[str, ...]
    columns: Mapping[str, tuple[str, ...]]
    ignore_others: bool
    constants: Mapping[str, Any]
    values: Mapping[str, Mapping[str, Any]]
    document: Mapping[str, Any] = field(repr=False)
    # "tutela" for a profile shipped with Tutela, "operation" for one an operation imported.
    origin: str = "tutela"

    def label(self) -> str:
        """The title in the current language (English, else the name, when not given)."""
        language = (translation.get_language() or "en").split("-")[0]
        return self.title.get(language) or self.title.get("en") or self.name

    def describe(self) -> str:
        language = (translation.get_language() or "en").split("-")[0]
        return self.description.get(language) or self.description.get("en") or ""

    def fits(self, headers: Iterable[str]) -> bool:
        """The file's headers include every header the profile recognises the file by."""
        keys = {name_key(str(h)) for h in headers}
        return bool(self.recognise) and all(name_key(h) in keys for h in self.recognise)

    def resolve(
        self, headers: Sequence[str], hxl_tags: Sequence[str] | None = None
    ) -> tuple[dict[str, str], dict[str, Any]]:
        """The {header: field or "" (ignored)} and {field: {value: code}} tables of a mapping for
        a file with `headers` (and its HXL row `hxl_tags`): each field takes the first of its
        candidates the file has, a header or a hashtag ("#org+acronym" finds the column tagged
        "#org+impl+acronym"); the profile's other candidates, and with "other_columns":
        "ignore" every other header, are ignored."""
        present = {name_key(str(h)): str(h) for h in headers if str(h).strip()}
        tagged = _tagged_headers(headers, hxl_tags)
        columns: dict[str, str] = {}
        for target, candidates in self.columns.items():
            found = [_find(c, present, tagged) for c in candidates]
            chosen = next((header for header in found if header and header not in columns), "")
            for header in found:
                if header is not None and header not in columns:
                    columns[header] = target if header == chosen else ""
        if self.ignore_others:
            for header in present.values():
                columns.setdefault(header, "")
        values: dict[str, Any] = {name: dict(table) for name, table in self.values.items()}
        for name, value in self.constants.items():
            table = values.setdefault(name, {})
            # Every row: blank cells, a missing column ("") and any other value ("*").
            table[""] = value
            table["*"] = value
        return columns, values

    def left_out(self) -> dict[str, list[str]]:
        """{field: values whose rows are left out}: what the profile leaves out by rule."""
        return {
            name: [value for value, code in table.items() if code is None]
            for name, table in self.values.items()
            if any(code is None for code in table.values())
        }


def _tagged_headers(
    headers: Sequence[str], hxl_tags: Sequence[str] | None
) -> list[tuple[str, frozenset[str], str]]:
    """[(hashtag, attributes, header)] of the file's tagged columns, in file order."""
    out = []
    for header, tag in zip(headers, hxl_tags or [], strict=False):
        parsed = parse_hxl_tag(str(tag or ""))
        if parsed is not None and str(header).strip():
            out.append((parsed[0], parsed[1], str(header)))
    return out


def _find(
    candidate: str, present: Mapping[str, str], tagged: list[tuple[str, frozenset[str], str]]
) -> str | None:
    """The file's header a candidate names: by header text, or by hashtag when it is one (the
    column tagged exactly so, else the first whose tag has the candidate's hashtag and at least
    its attributes: "#reached" finds "#reached" before "#reached+f+children")."""
    if not candidate.strip().startswith("#"):
        return present.get(name_key(candidate))
    wanted = parse_hxl_tag(candidate)
    if wanted is None:
        return None
    same = [header for hashtag, attributes, header in tagged if (hashtag, attributes) == wanted]
    if same:
        return same[0]
    for hashtag, attributes, header in tagged:
        if hashtag == wanted[0] and wanted[1] <= attributes:
            return header
    return None


def _texts(raw: Any, key: str, problems: list[str]) -> dict[str, str]:
    if raw is None:
        return {}
    if isinstance(raw, str):
        return {"en": raw}
    if isinstance(raw, Mapping) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in raw.items()
    ):
        return {k: v[:2000] for k, v in raw.items()}
    problems.append(_("“%(key)s” must be a text or {language: text}.") % {"key": key})
    return {}


def _value_table(name: str, raw: Any, problems: list[str]) -> dict[str, Any]:
    """{value: code or None} from the dict form or the documented list form."""
    table: dict[str, Any] = {}
    if isinstance(raw, Mapping):
        items = [{"value": k, "code": v} for k, v in raw.items()]
    elif isinstance(raw, list):
        items = raw
    else:
        problems.append(_("The values of “%(field)s” must be a table or a list.") % {"field": name})
        return table
    for item in items:
        if not isinstance(item, Mapping) or not isinstance(item.get("value"), str):
            problems.append(
                _("Each value of “%(field)s” needs a “value” (text) and a “code”.")
                % {"field": name}
            )
            continue
        code = item.get("code")
        if code is not None and not isinstance(code, str | int | float | bool):
            problems.append(
                _("The code of “%(value)s” (%(field)s) must be a text or null.")
                % {"value": item["value"], "field": name}
            )
            continue
        table[item["value"]] = code
    return table


def _document(raw: bytes | str | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(raw, bytes | str):
        if len(raw) > MAX_BYTES:
            raise ProfileError([_("The file is too big for a profile.")])
        try:
            document = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            raise ProfileError([_("Not a JSON file (%(error)s).") % {"error": exc}]) from None
    else:
        document = raw
    if not isinstance(document, Mapping):
        raise ProfileError([_("A profile is a JSON object.")])
    return document


def _identity(document: Mapping[str, Any], problems: list[str]) -> tuple[str, str]:
    """The profile's name and importer, once its format and version are checked."""
    if document.get("format") != FORMAT:
        problems.append(_("Not a Tutela import profile (“format” is not “%(f)s”).") % {"f": FORMAT})
    if document.get("version") != VERSION:
        problems.append(
            _("Profile version %(v)s is not supported.") % {"v": document.get("version")}
        )
    name = document.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
        problems.append(_("The profile needs a “name” (at most 100 characters)."))
        name = ""
    elif not all(c.isalnum() or c in "-_" for c in name):
        problems.append(_("The name may hold letters, digits, - and _ only."))
    importer = document.get("importer")
    if not isinstance(importer, str) or not importer:
        problems.append(_("The profile needs an “importer” (e.g. monitoring.incidents)."))
        importer = ""
    return name, importer


def _columns(document: Mapping[str, Any], problems: list[str]) -> dict[str, tuple[str, ...]]:
    columns: dict[str, tuple[str, ...]] = {}
    raw_columns = document.get("columns") or {}
    if not isinstance(raw_columns, Mapping):
        problems.append(_("“columns” must be {field: [headers]}."))
        raw_columns = {}
    for target, headers in raw_columns.items():
        if isinstance(headers, str):
            headers = [headers]
        if not isinstance(headers, list) or not all(isinstance(h, str) for h in headers):
            problems.append(
                _("The headers of “%(field)s” must be a list of texts.") % {"field": target}
            )
            continue
        columns[str(target)] = tuple(headers)
    return columns


def _recognise(document: Mapping[str, Any], problems: list[str]) -> list[str]:
    recognise = document.get("recognise") or []
    if not isinstance(recognise, list) or not all(isinstance(h, str) for h in recognise):
        problems.append(_("“recognise” must be a list of headers."))
        return []
    return recognise


def _constants(document: Mapping[str, Any], problems: list[str]) -> Mapping[str, Any]:
    constants = document.get("constants") or {}
    if not isinstance(constants, Mapping) or not all(
        isinstance(v, str | int | float) for v in constants.values()
    ):
        problems.append(_("“constants” must be {field: value}."))
        return {}
    return constants


def _values(document: Mapping[str, Any], problems: list[str]) -> dict[str, dict[str, Any]]:
    values: dict[str, dict[str, Any]] = {}
    raw_values = document.get("values") or {}
    if not isinstance(raw_values, Mapping):
        problems.append(_("“values” must be {field: table}."))
        raw_values = {}
    for target, table in raw_values.items():
        values[str(target)] = _value_table(str(target), table, problems)
    return values


def profile_parse(raw: bytes | str | Mapping[str, Any], *, origin: str = "operation") -> Profile:
    """A profile from its JSON document; ProfileError listing every problem otherwise."""
    document = _document(raw)
    problems: list[str] = []
    name, importer = _identity(document, problems)
    columns = _columns(document, problems)
    recognise = _recognise(document, problems)
    constants = _constants(document, problems)
    values = _values(document, problems)
    others = document.get("other_columns", "match")
    if others not in ("match", "ignore"):
        problems.append(_("“other_columns” must be “match” or “ignore”."))
    title = _texts(document.get("title"), "title", problems)
    description = _texts(document.get("description"), "description", problems)
    if problems:
        raise ProfileError(problems)
    return Profile(
        name=name,
        importer=importer,
        title=title,
        description=description,
        recognise=tuple(recognise),
        columns=columns,
        ignore_others=others == "ignore",
        constants=dict(constants),
        values=values,
        document=dict(document),
        origin=origin,
    )


def profile_dump(profile: Profile) -> bytes:
    """The profile's document as a JSON file (what `profile_parse` reads back)."""
    return (json.dumps(profile.document, ensure_ascii=False, indent=2) + "\n").encode()


def profiles_in(directory: Path) -> dict[str, Profile]:
    """The profiles shipped with Tutela in `directory` (*.json), by name. A broken shipped
    profile is a bug: its ProfileError is raised."""
    found: dict[str, Profile] = {}
    for path in sorted(directory.glob("*.json")):
        profile = profile_parse(path.read_bytes(), origin="tutela")
        found[profile.name] = profile
    return found
