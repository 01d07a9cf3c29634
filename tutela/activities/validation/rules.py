"""Rules on a 5W row's figures that every path applies the same way: the grid's save, an uploaded
file's check, the partner's submit and the information management officer's validation.

A rule here is one function, so the paths cannot disagree (the grid used to accept figures by sex
and age for an indicator counted in sessions, which submit and validate then let through while the
analysis counted them as people).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from tutela.activities.models import Activity
from tutela.activities.models.fields import BY_NAME, SEX_AGE

SEX_AGE_NOT_PEOPLE = "sex_age_not_people"


def sex_age_refused(*, unit: str, bands: Iterable[int | None]) -> int | None:
    """The position (in SEX_AGE) of the first figure by sex and age given for an indicator whose
    unit is not people, or None when the row is acceptable. A people count (or a row without an
    indicator, which counts people) takes the bands; sessions, items, households... do not: a
    breakdown by sex and age of sessions means nothing, and the analysis would add it to people."""
    if unit == Activity.Unit.PEOPLE:
        return None
    return next((i for i, value in enumerate(bands) if value), None)


def unit_label(unit: str) -> str:
    """The unit as a user reads it in a sentence ("sessions"), in the active language."""
    try:
        return str(Activity.Unit(unit).label).lower()
    except ValueError:
        return unit


def sex_age_message() -> str:
    """The message of the refusal (translated; %(row)s, %(column)s, %(indicator)s, %(unit)s are
    filled in by the caller: the checker for a row being saved, `sex_age_problems` for stored
    rows)."""
    return _(
        "Row %(row)s, column “%(column)s”: the indicator %(indicator)s is counted in %(unit)s, "
        "not in people, so it takes no figures by sex and age; give the quantity only."
    )


def sex_age_problems(rows: Iterable[tuple[int, str, str, Iterable[int | None]]]) -> list[str]:
    """The refusals of stored rows, as messages: `rows` are (line number, indicator code, unit,
    bands in SEX_AGE order)."""
    messages = []
    for number, indicator, unit, bands in rows:
        position = sex_age_refused(unit=unit, bands=bands)
        if position is None:
            continue
        field = SEX_AGE[position]
        messages.append(
            sex_age_message()
            % {
                "row": number,
                "column": str(BY_NAME[field].label),
                "indicator": indicator,
                "unit": unit_label(unit),
            }
        )
    return messages
