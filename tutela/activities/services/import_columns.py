"""The columns of a 5W upload checked before anything is written: the counts a mapping may add up
from several columns (`SUMMABLE`), columns of numbers left out (warned about, never dropped
silently), a percentage or rate mapped to a count, an HXL hashtag that contradicts its label, and
mapped columns nearly empty. Pure functions of the table read and the column match."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from tutela.activities.models.fields import BY_NAME, FIELDS
from tutela.core.imports.matching import ColumnMatch
from tutela.core.imports.problems import WARNING, Problem
from tutela.core.imports.readers import Table, parse_hxl_tag
from tutela.core.imports.values import ParseError, is_blank, parse_count
from tutela.core.pcodes import name_key


def field_label(name: str) -> str:
    spec = BY_NAME.get(name)
    return str(spec.label) if spec else name


# Counts: a mapping may add several columns into one of these.
SUMMABLE = frozenset(f.name for f in FIELDS if f.kind == "int")


# Columns left out on purpose (the mapping says "ignore") or already warned about (a second
# column for a field).
IGNORED_HOW = ("ignored", "duplicate")
# Rows looked at to tell whether an unused column holds numbers.
NUMERIC_SAMPLE = 200


def numeric_columns(table: Table, indexes: Iterable[int]) -> list[int]:
    """The columns among `indexes` whose filled cells (in the first rows) are nearly all counts."""
    found = []
    for index in indexes:
        filled = numbers = 0
        for _number, cells in table.rows[:NUMERIC_SAMPLE]:
            value = cells[index] if index < len(cells) else None
            if is_blank(value):
                continue
            filled += 1
            try:
                parse_count(value)
            except ParseError:
                continue
            numbers += 1
        if filled and numbers >= 0.9 * filled:
            found.append(index)
    return found


# Words of a header that says the column is a share, not a count.
_RATE_WORDS = frozenset({"tasa", "taux", "rate", "ratio", "pourcentage", "porcentaje", "percent"})
_FEMALE_WORDS = frozenset(
    {"mujeres", "mujer", "ninas", "femmes", "filles", "women", "girls", "female", "f"}
)
_MALE_WORDS = frozenset(
    {"hombres", "hombre", "ninos", "hommes", "garcons", "men", "boys", "male", "m"}
)
# A mapped column filled in fewer than this share of the rows (of at least NEARLY_EMPTY_ROWS).
NEARLY_EMPTY = 0.05
NEARLY_EMPTY_ROWS = 20


def _looks_like_rate(header: str, cells: list[Any]) -> bool:
    """A percentage or rate: "%" or a rate word in the header, values written with "%", or
    every filled value a fraction between 0 and 1."""
    if "%" in header or _RATE_WORDS & set(name_key(header).split()):
        return True
    filled = [c for c in cells if not is_blank(c)]
    if not filled:
        return False
    if any(isinstance(c, str) and c.strip().endswith("%") for c in filled):
        return True
    return all(
        isinstance(c, float) and 0 < c < 1 or (isinstance(c, int | float) and c in (0, 1))
        for c in filled
    ) and any(isinstance(c, float) and 0 < c < 1 for c in filled)


def _sex_of(words: set[str]) -> str:
    female, male = bool(words & _FEMALE_WORDS), bool(words & _MALE_WORDS)
    return "f" if female and not male else "m" if male and not female else ""


def mapped_column_problems(table: Table, match: ColumnMatch) -> list[Problem]:
    """Before anything is written, for every column the import reads: a percentage or rate
    mapped to a count (an error: it would be added up as people), an HXL hashtag that says the
    other sex than the label ("#affected+m" over "Mujeres 18-59"), and a column nearly empty
    (warnings)."""
    problems: list[Problem] = []
    columns = [(i, name) for i, name in match.columns.items()]
    columns += [(i, name) for name, extra in match.summed.items() for i in extra]
    sample = table.rows[:NUMERIC_SAMPLE]
    for index, name in sorted(columns):
        header = table.headers[index]
        shown = " ".join(header.split()) or f"#{index + 1}"
        cells = [cells[index] if index < len(cells) else None for _n, cells in sample]
        if name in SUMMABLE and _looks_like_rate(header, cells):
            problems.append(
                Problem(
                    row=None,
                    column=header,
                    field=name,
                    code="rate_as_count",
                    message=_(
                        "Column “%(header)s” looks like a percentage or a rate; it cannot give "
                        "%(field)s, a number of people. Map it to nothing (“ignore”)."
                    )
                    % {"header": shown, "field": field_label(name)},
                )
            )
        tag = (table.hxl_tags or [""] * (index + 1))[index] if table.hxl_tags else ""
        tagged = parse_hxl_tag(tag) if tag else None
        if tagged is not None:
            said = _sex_of(set(tagged[1]))
            labelled = _sex_of(set(name_key(header).split()))
            if said and labelled and said != labelled:
                problems.append(
                    Problem(
                        row=None,
                        column=header,
                        field=name,
                        code="hxl_contradicts_label",
                        message=_(
                            "Column “%(header)s”: its HXL hashtag %(tag)s says the other sex "
                            "than its label. Check which of the two is right before importing."
                        )
                        % {"header": shown, "tag": tag},
                        severity=WARNING,
                    )
                )
        if len(table.rows) >= NEARLY_EMPTY_ROWS:
            filled = _filled(table.rows, index, enough=NEARLY_EMPTY * len(table.rows))
            if filled < NEARLY_EMPTY * len(table.rows):
                problems.append(
                    Problem(
                        row=None,
                        column=header,
                        field=name,
                        code="nearly_empty",
                        message=_(
                            "Column “%(header)s” (for %(field)s) is nearly empty: %(filled)s of "
                            "%(rows)s rows. Check that it is the right column."
                        )
                        % {
                            "header": shown,
                            "field": field_label(name),
                            "filled": filled,
                            "rows": len(table.rows),
                        },
                        severity=WARNING,
                    )
                )
    return problems


def _filled(rows: list[tuple[int, list[Any]]], index: int, *, enough: float) -> int:
    """The number of rows with a value in column `index`, counted until `enough` (a full column
    of 100,000 rows is not read to the end: 18 columns of it took ~0.6 s of an import)."""
    filled = 0
    for _number, cells in rows:
        if index < len(cells):
            value = cells[index]
            if value is not None and not (isinstance(value, str) and not value.strip()):
                filled += 1
                if filled >= enough:
                    break
    return filled


def unused_numbers_problems(table: Table, match: ColumnMatch) -> list[Problem]:
    """A warning for every column of numbers the import leaves out (neither matched, summed nor
    ignored by the mapping): people counted in it would be lost without a word."""
    used = set(match.columns) | {i for extra in match.summed.values() for i in extra}
    ignored = {h for h in match.ignored}
    candidates = [
        i
        for i, header in enumerate(table.headers)
        if i not in used and header not in ignored and match.how.get(i) not in IGNORED_HOW
    ]
    return [
        Problem(
            row=None,
            column=table.headers[index],
            field="",
            code="unused_numbers",
            message=_(
                "Column “%(header)s” holds numbers but is not imported. Map it to a field "
                "(several columns can be added into one, e.g. age bands into girls), or set it "
                "to “ignore” in the column mapping."
            )
            % {"header": " ".join(table.headers[index].split()) or f"#{index + 1}"},
            severity=WARNING,
        )
        for index in numeric_columns(table, candidates)
    ]
