"""Dates read the same way in every language (issue 14): English short dates were 10/12/2026,
month first, read as 10 December in the places Tutela serves."""

from __future__ import annotations

import datetime

import pytest
from django.template import engines
from django.utils import translation

DAY = datetime.date(2026, 10, 12)
AT = datetime.datetime(2026, 10, 12, 9, 5, tzinfo=datetime.UTC)


def render(source: str, language: str, **context: object) -> str:
    with translation.override(language):
        return engines["django"].from_string(source).render(context)


@pytest.mark.parametrize(
    ("language", "expected"), [("en", "12 Oct 2026"), ("fr", "12/10/2026"), ("es", "12/10/2026")]
)
def test_short_dates_put_the_day_first(language: str, expected: str) -> None:
    assert render('{{ day|date:"SHORT_DATE_FORMAT" }}', language, day=DAY) == expected


def test_english_short_datetime_names_the_month() -> None:
    text = render('{{ at|date:"SHORT_DATETIME_FORMAT" }}', "en", at=AT)
    assert text.startswith("12 Oct 2026 ")
