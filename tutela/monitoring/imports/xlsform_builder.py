"""The XLSForm workbook builder behind xlsforms.py: the label columns (English, French, and Spanish
for operations that work in Spanish) and `_Form`, which collects the survey and choices rows and
writes the workbook (labels as text cells, never formulas)."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from tutela.core.spreadsheets import xlsx_row
from tutela.monitoring.imports.xlsform_spanish import spanish

EN = "label::English (en)"
FR = "label::Français (fr)"
HINT_EN = "hint::English (en)"
HINT_FR = "hint::Français (fr)"
MSG_EN = "constraint_message::English (en)"
MSG_FR = "constraint_message::Français (fr)"
ES = "label::Español (es)"
HINT_ES = "hint::Español (es)"
MSG_ES = "constraint_message::Español (es)"
SURVEY_COLUMNS = [
    "type",
    "name",
    EN,
    FR,
    HINT_EN,
    HINT_FR,
    "required",
    "relevant",
    "constraint",
    MSG_EN,
    MSG_FR,
    "choice_filter",
    "appearance",
    "default",
]
CHOICE_COLUMNS = ["list_name", "name", EN, FR, "admin1", "admin2", "risk"]
FORMS = ("incidents", "community")


def _with_spanish(columns: list[str]) -> list[str]:
    """The columns with a Spanish one after each French one."""
    spanish_of = {FR: ES, HINT_FR: HINT_ES, MSG_FR: MSG_ES}
    out: list[str] = []
    for column in columns:
        out.append(column)
        if column in spanish_of:
            out.append(spanish_of[column])
    return out


class _Form:
    def __init__(self, languages: Iterable[str] = ()) -> None:
        self.survey: list[dict[str, Any]] = []
        self.choices: list[dict[str, Any]] = []
        # English and French always (the forms' first languages); Spanish for an operation that
        # works in Spanish.
        languages = list(languages)
        self.spanish = "es" in languages
        # The label a phone shows first: the operation's first language when it has a column.
        self.default_language = {"fr": "Français (fr)", "es": "Español (es)"}.get(
            languages[0] if languages else "en", "English (en)"
        )

    def q(self, type_: str, name: str, en: str, fr: str, es: str = "", **extra: Any) -> None:
        row = {"type": type_, "name": name, EN: en, FR: fr, ES: es or spanish(en)}
        for key, value in extra.items():
            row[
                {
                    "hint_en": HINT_EN,
                    "hint_fr": HINT_FR,
                    "msg_en": MSG_EN,
                    "msg_fr": MSG_FR,
                }.get(key, key)
            ] = value
        if extra.get("hint_en"):
            row[HINT_ES] = spanish(extra["hint_en"])
        if extra.get("msg_en"):
            row[MSG_ES] = spanish(extra["msg_en"])
        self.survey.append(row)

    def begin(self, name: str, en: str, fr: str, **extra: Any) -> None:
        self.q("begin_group", name, en, fr, **extra)

    def end(self, name: str) -> None:
        self.survey.append({"type": "end_group", "name": name})

    def choice(
        self, list_name: str, name: str, en: str, fr: str, es: str = "", **filters: str
    ) -> None:
        self.choices.append(
            {"list_name": list_name, "name": name, EN: en, FR: fr, ES: es or spanish(en), **filters}
        )

    def items(self, list_name: str, items: Iterable[Any]) -> None:
        for item in items:
            self.choice(
                list_name,
                item.code,
                item.name_en or item.code,
                item.name_fr or item.code,
                getattr(item, "name_es", "") or item.name_en or item.code,
            )

    def workbook(self, *, title: str, form_id: str) -> bytes:
        workbook = Workbook()
        bold = Font(bold=True)
        survey = workbook.active
        survey.title = "survey"
        # Labels are the operation's names (a risk, an area): text cells, never formulas.
        survey_columns = _with_spanish(SURVEY_COLUMNS) if self.spanish else SURVEY_COLUMNS
        choice_columns = _with_spanish(CHOICE_COLUMNS) if self.spanish else CHOICE_COLUMNS
        survey.append(xlsx_row(survey, survey_columns))
        for row in self.survey:
            survey.append(xlsx_row(survey, [row.get(column) or None for column in survey_columns]))
        choices = workbook.create_sheet("choices")
        choices.append(xlsx_row(choices, choice_columns))
        for row in self.choices:
            choices.append(
                xlsx_row(choices, [row.get(column) or None for column in choice_columns])
            )
        settings = workbook.create_sheet("settings")
        settings.append(
            xlsx_row(settings, ["form_title", "form_id", "version", "default_language"])
        )
        settings.append(
            xlsx_row(
                settings,
                [title, form_id, timezone.now().strftime("%Y%m%d%H%M"), self.default_language],
            )
        )
        for sheet in (survey, choices, settings):
            for cell in sheet[1]:
                cell.font = bold
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()
