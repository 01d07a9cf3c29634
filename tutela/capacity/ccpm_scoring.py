"""How CCPM answers become scores and bands (no database, no side effects).

Each answer is a score between 0 and 1: yes 1, no 0; never 0, rarely 1/3, fairly often 2/3,
very regularly 1. "Don't know" has no score and is left out. The performance of a sub-function
(and of a function) is the median of the scores of every answer to its questions, partners' and
coordination team's together, as the CCPM guidance computes it, banded:

    Good            median > 0.75            green
    Satisfactory    0.50 < median ≤ 0.75     yellow
    Unsatisfactory  0.25 < median ≤ 0.50     orange
    Weak            median ≤ 0.25            red

(The guidance writes the bands as >0.75, 0.51-0.75, 0.26-0.50, ≤0.25; a median can fall between
them, e.g. 0.505, so the bounds are taken as "above 0.50" and "above 0.25".)
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

DONT_KNOW = "dont_know"
THIRD = Decimal(1) / Decimal(3)

SCALES: dict[str, list[tuple[str, Promise, Decimal | None]]] = {
    "yes_no": [
        ("yes", _("Yes"), Decimal(1)),
        ("no", _("No"), Decimal(0)),
        (DONT_KNOW, _("Don't know"), None),
    ],
    "frequency": [
        ("never", _("Never"), Decimal(0)),
        ("rarely", _("Rarely"), THIRD),
        ("fairly_often", _("Fairly often"), 2 * THIRD),
        ("very_regularly", _("Very regularly"), Decimal(1)),
        (DONT_KNOW, _("Don't know"), None),
    ],
}


def choices(scale: str) -> list[tuple[str, Promise]]:
    return [(code, label) for code, label, _score in SCALES[scale]]


def score(scale: str, choice: str) -> Decimal | None:
    """The score of a choice; ValueError for a choice the scale does not have."""
    for code, _label, value in SCALES[scale]:
        if code == choice:
            return value.quantize(Decimal("0.0001")) if value is not None else None
    raise ValueError(f"{choice!r} is not an answer of the {scale!r} scale")


@dataclass(frozen=True)
class Band:
    code: str
    label: Promise
    colour: str


GOOD = Band("good", _("Good"), "green")
SATISFACTORY = Band("satisfactory", _("Satisfactory"), "yellow")
UNSATISFACTORY = Band("unsatisfactory", _("Unsatisfactory"), "orange")
WEAK = Band("weak", _("Weak"), "red")
BANDS = [GOOD, SATISFACTORY, UNSATISFACTORY, WEAK]
# The colours as the report prints them (hex), close to those clusters use.
HEX = {"green": "2E7D32", "yellow": "F9D71C", "orange": "F28C28", "red": "C62828"}


def band(median: float) -> Band:
    if median > 0.75:
        return GOOD
    if median > 0.50:
        return SATISFACTORY
    if median > 0.25:
        return UNSATISFACTORY
    return WEAK


def median(scores: Iterable[Decimal | float | None]) -> float | None:
    values = [float(s) for s in scores if s is not None]
    return round(statistics.median(values), 4) if values else None
