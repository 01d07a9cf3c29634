"""Months as each language writes them on charts and in tables ("janv. 2026", "févr. 2026";
"Jan 2026"), from CLDR through Babel: Django's "M" format abbreviates June and July to "Jui" and
"Jul" in French, and its "N" gives "jan."/"fév.", which no French style guide uses."""

from __future__ import annotations

import datetime

from babel.dates import format_date
from django.utils.translation import get_language


def month_abbr(month: datetime.date, language: str | None = None) -> str:
    """The month and year, the month abbreviated ("janv. 2026"), in `language` (default: the
    active one)."""
    locale = (language or get_language() or "en")[:2]
    try:
        return format_date(month, "MMM y", locale=locale)
    except ValueError:
        return format_date(month, "MMM y", locale="en")
