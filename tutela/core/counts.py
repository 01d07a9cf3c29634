"""The largest count of people (or households, interviews, things) one figure may hold.

Forms, API serializers, importers and the services behind them refuse a larger count with a clear
message, and the models carry the same bound (`count_validators`) for every path that validates
a model. The bound is far above any real figure (no admin area counts a hundred million people)
and keeps sums safe: one record's counts fit a 32-bit column whatever the database, and the
summaries that add up records use 64-bit columns, which millions of records at the bound cannot
fill. Without it, a count of 2^63 - 1 accepted on SQLite made the next record of another
organisation added to the same summary row fail (OverflowError) and turned every total into
nonsense.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator
from django.utils.formats import number_format

MAX_COUNT = 100_000_000


def max_count_text() -> str:
    """The bound as users read numbers in their language ("100,000,000", "100 000 000")."""
    return number_format(MAX_COUNT, force_grouping=True)


def count_validators() -> list[MaxValueValidator]:
    """The bound, for a model field's `validators` (and so for its ModelForm field)."""
    return [MaxValueValidator(MAX_COUNT)]


# The largest amount of money (US dollars) one figure may hold: a budget line, a project's or
# proposal's requirements, a funding flow, a plan's requirements or an allocation's envelope.
# A trillion dollars is far above any humanitarian appeal, and sums of amounts at the bound fit
# the 16-digit amount columns (10^14) that the totals are kept in for a hundred of them; the
# services also refuse a total (the budget lines of one project) above the bound.
MAX_AMOUNT = Decimal("1000000000000")


def max_amount_text() -> str:
    """The money bound as users read numbers in their language ("1,000,000,000,000")."""
    return number_format(MAX_AMOUNT, decimal_pos=0, force_grouping=True)


def amount_validators() -> list[MaxValueValidator]:
    """The money bound, for a model field's `validators`."""
    return [MaxValueValidator(MAX_AMOUNT)]
