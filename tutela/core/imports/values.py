"""Reading the values people type into cells: months, dates and counts, in the forms seen in
real files ("2026-03", "03/2026", "mars 2026", "March 2026", "ene-26", "janv. 2026", "fevereiro
2026", Excel dates and serial numbers, "1 234", "12.0"), month names in English, French, Spanish
and Portuguese. Numeric dates are day first, with four or two digits for the year ("05/03/26" is
5 March 2026: two-digit years are 2000-2099). Pure functions; results are cached by the caller
per distinct value.
"""

from __future__ import annotations

import contextlib
import datetime
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

# The bound on counts (importers read it from here too).
from tutela.core.counts import MAX_COUNT as MAX_COUNT
from tutela.core.pcodes import name_key

MONTH_NAMES: dict[str, int] = {}
for _number, _names in enumerate(
    [
        "january jan janvier janv enero ene janeiro",
        "february feb fevrier fevr fev febrero fevereiro",
        "march mar mars marzo marco",
        "april apr avril avr abril abr",
        "may mai mayo maio",
        "june jun juin junio junho",
        "july jul juillet juil julio julho",
        "august aug aout agosto ago",
        "september sep sept septembre septiembre set setiembre setembro",
        "october oct octobre octubre outubro out",
        "november nov novembre noviembre novembro",
        "december dec decembre diciembre dic dezembro dez",
    ],
    start=1,
):
    for _name in _names.split():
        MONTH_NAMES[_name] = _number

_EXCEL_EPOCH = datetime.date(1899, 12, 30)
_YEAR_MONTH = re.compile(r"^(\d{4})[-/.](\d{1,2})(?:[-/.](\d{1,2}))?(?:[ t].*)?$", re.IGNORECASE)
_MONTH_YEAR = re.compile(r"^(\d{1,2})[-/.](\d{4})$")
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})(?:\s.*)?$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+$")
_DECIMAL = re.compile(r"^[+-]?\d+[.,]\d+$")
# Spaces used as thousands separators: ordinary, no-break, narrow no-break; and apostrophes.
_SEPARATORS = str.maketrans("", "", " \u00a0\u202f\u2009'’")


class ParseError(ValueError):
    """`code`: not_number, not_whole, negative, too_large, not_month, not_date, no_year."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value: Any) -> str:
    """A cell as text: numbers without a trailing .0, dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return str(int(value))
        return str(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return " ".join(str(value).split())


def _excel_serial(value: float) -> datetime.date | None:
    # Serial numbers of dates between 1954 and 2119: a plain number outside that range is not a
    # date typed into a cell formatted as a number.
    if 20_000 <= value <= 80_000 and float(value).is_integer():
        return _EXCEL_EPOCH + datetime.timedelta(days=int(value))
    return None


def parse_count(value: Any) -> int | None:
    """A count of people or things: None when blank; ParseError otherwise when not a whole,
    non-negative number."""
    if is_blank(value):
        return None
    if isinstance(value, (bool, datetime.date | datetime.time | datetime.timedelta)):
        raise ParseError("not_number")
    number: int
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ParseError("not_number")
        if not value.is_integer():
            raise ParseError("negative" if value < 0 else "not_whole")
        number = int(value)
    else:
        raw = str(value).strip().translate(_SEPARATORS)
        if _GROUPED.match(raw):
            raw = raw.replace(",", "")
        if _INTEGER.match(raw):
            number = int(raw)
        elif _DECIMAL.match(raw):
            decimal = float(raw.replace(",", "."))
            if not decimal.is_integer():
                raise ParseError("negative" if decimal < 0 else "not_whole")
            number = int(decimal)
        else:
            raise ParseError("not_number")
    if number < 0:
        raise ParseError("negative")
    if number > MAX_COUNT:
        raise ParseError("too_large")
    return number


def _year(digits: str) -> int:
    """A year written with four digits, or two (2000-2099: "26" is 2026)."""
    return int(digits) + (2000 if len(digits) == 2 else 0)


def _valid(year: int, month: int, day: int = 1) -> datetime.date:
    if not 1900 <= year <= 2200:
        raise ParseError("not_date")
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise ParseError("not_date") from None


def parse_month(value: Any) -> datetime.date | None:
    """The first day of the month a cell names; None when blank."""
    if is_blank(value):
        return None
    if isinstance(value, datetime.datetime):
        return value.date().replace(day=1)
    if isinstance(value, datetime.date):
        return value.replace(day=1)
    if isinstance(value, bool):
        raise ParseError("not_month")
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise ParseError("not_month")
        serial = _excel_serial(float(value))
        if serial is not None:
            return serial.replace(day=1)
        # 202603
        number = int(value) if float(value).is_integer() else -1
        if 190001 <= number <= 220012 and 1 <= number % 100 <= 12:
            return _valid(number // 100, number % 100)
        raise ParseError("not_month")
    raw = str(value).strip()
    try:
        found = _YEAR_MONTH.match(raw)
        if found:
            return _valid(int(found.group(1)), int(found.group(2)))
        found = _MONTH_YEAR.match(raw)
        if found:
            return _valid(int(found.group(2)), int(found.group(1)))
        found = _DAY_MONTH_YEAR.match(raw)
        if found:
            return _valid(_year(found.group(3)), int(found.group(2)), int(found.group(1))).replace(
                day=1
            )
    except ParseError:
        raise ParseError("not_month") from None
    month = year = None
    for token in name_key(raw).split():
        if token in MONTH_NAMES and month is None:
            month = MONTH_NAMES[token]
        elif token.isdigit() and len(token) == 4 and year is None:
            year = int(token)
        elif token.isdigit() and len(token) == 2 and year is None and month is not None:
            year = 2000 + int(token)
        elif token not in {"de", "of", "del"}:
            raise ParseError("not_month")
    if month is None:
        raise ParseError("not_month")
    if year is None:
        raise ParseError("no_year")
    try:
        return _valid(year, month)
    except ParseError:
        raise ParseError("not_month") from None


def parse_date(value: Any) -> datetime.date | None:
    """A day; None when blank. Numeric dates are read day first (05/03/2026 is 5 March)."""
    if is_blank(value):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, bool):
        raise ParseError("not_date")
    if isinstance(value, int | float):
        serial = _excel_serial(float(value)) if math.isfinite(float(value)) else None
        if serial is None:
            raise ParseError("not_date")
        return serial
    raw = str(value).strip()
    found = _YEAR_MONTH.match(raw)
    if found and found.group(3):
        return _valid(int(found.group(1)), int(found.group(2)), int(found.group(3)))
    found = _DAY_MONTH_YEAR.match(raw)
    if found:
        return _valid(_year(found.group(3)), int(found.group(2)), int(found.group(1)))
    tokens = name_key(raw).split()
    day = month = year = None
    for token in tokens:
        if token in MONTH_NAMES and month is None:
            month = MONTH_NAMES[token]
        elif token.isdigit() and len(token) == 4 and year is None:
            year = int(token)
        elif token.isdigit() and len(token) <= 2 and day is None:
            day = int(token)
        elif token not in {"de", "of", "del", "er", "st", "nd", "rd", "th"}:
            raise ParseError("not_date")
    if day is None or month is None or year is None:
        raise ParseError("not_date")
    return _valid(year, month, day)


def sum_counts(values: Sequence[Any]) -> Any:
    """The cells of several columns added into one count (a file's age bands 0-3 + 4-11 +
    12-17): None when all are blank, their sum otherwise. A cell that is not a count is returned
    as it is, for the row checks to report."""
    total = 0
    blank = True
    for value in values:
        if is_blank(value):
            continue
        blank = False
        try:
            number = parse_count(value)
        except ParseError:
            return value
        total += number or 0
    return None if blank else total


def month_end(month: datetime.date) -> datetime.date:
    following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


# --- value mappings ------------------------------------------------------------------------------

# What a value mapping returns for a value it leaves out (its row is skipped).
SKIP = object()


class ValueMap:
    """Compiled `ColumnMapping.values` for one field."""

    def __init__(self, table: Mapping[str, Any]) -> None:
        self.exact = {str(k).strip(): v for k, v in table.items() if k not in ("", "*")}
        self.keyed = {name_key(str(k)): v for k, v in table.items() if name_key(str(k))}
        self.has_default = "" in table
        self.default = table.get("")
        self.has_other = "*" in table
        self.other = table.get("*")
        self._cache: dict[Any, Any] = {}

    def apply(self, raw: Any) -> Any:
        """The mapped value, the raw value when not mapped, or SKIP."""
        key = (type(raw), raw)
        try:
            return self._cache[key]
        except (KeyError, TypeError):
            pass
        result = self._apply(raw)
        with contextlib.suppress(TypeError):
            self._cache[key] = result
        return result

    def _apply(self, raw: Any) -> Any:
        if is_blank(raw):
            found = self.default if self.has_default else raw
        else:
            value = text(raw)
            if value in self.exact:
                found = self.exact[value]
            elif name_key(value) and name_key(value) in self.keyed:
                found = self.keyed[name_key(value)]
            elif self.has_other:
                found = self.other
            else:
                return raw
        return SKIP if found is None and (not is_blank(raw) or self.has_default) else found
