"""Problems found in an uploaded file, reported by row and column in the user's language."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from tutela.core.imports.values import text

ERROR = "error"
WARNING = "warning"


@dataclass
class Problem:
    """One problem in one cell (or one row, when `column` is empty; or the file, when `row` is
    None).

    `row` is the row number the user sees in the spreadsheet (1-based, header rows included);
    `column` is the header as written in the file; `field` the target field it was matched to.
    `message` is already translated, in the language active when the problem was found.
    """

    row: int | None
    column: str
    field: str
    code: str
    message: str
    severity: str = ERROR
    suggestion: str = ""
    value: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def as_dict(self) -> dict[str, Any]:
        """As stored on the upload's record (a JSON field): texts quoting the file with its NUL
        characters replaced (PostgreSQL's jsonb refuses "\\u0000"; a hostile file has them)."""
        return {k: json_text(v) for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Problem:
        known = {k: data.get(k, "") for k in cls.__dataclass_fields__}
        known["row"] = data.get("row")
        known["severity"] = data.get("severity") or ERROR
        return cls(**known)


def json_text(value: Any) -> Any:
    """`value` fit for a JSON field on every database: a text's NUL characters (which only a
    damaged or hostile file holds, and PostgreSQL's jsonb cannot store) become U+FFFD."""
    if isinstance(value, str) and "\x00" in value:
        return value.replace("\x00", "\ufffd")
    return value


class ImportFileError(Exception):
    """The file cannot be read at all (empty, not a spreadsheet, password-protected, too big).

    The message is translated and meant for the user."""

    def __init__(self, message: str, *, code: str = "file") -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __reduce__(self) -> tuple[Any, ...]:
        # Raised in the child process that reads a file (tutela.core.sandbox) and pickled back
        # to the parent: keep the code too.
        return (self.__class__, (self.message,), {"code": self.code})

    def as_problem(self) -> Problem:
        return Problem(row=None, column="", field="", code=self.code, message=self.message)


def count(problems: list[Problem]) -> tuple[int, int]:
    """(errors, warnings)."""
    errors = sum(1 for p in problems if p.severity == ERROR)
    return errors, len(problems) - errors


def display_value(value: Any, limit: int = 60) -> str:
    """A cell value as quoted in a message, shortened."""
    text = "" if value is None else str(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def row_problem(
    *,
    row: int,
    field: str,
    column: str,
    code: str,
    message: str,
    value: Any = "",
    severity: str = ERROR,
    suggestion: str = "",
    **params: Any,
) -> Problem:
    """A problem of one cell, its message (translated, with %(row)s, %(column)s, %(value)s and
    the other `params` placeholders) filled in with the row, column and the value as shown."""
    shown = display_value(value if isinstance(value, str) else text(value))
    values = {"row": row, "column": column, "value": shown, **params}
    return Problem(
        row=row,
        column=column,
        field=field,
        code=code,
        message=message % values,
        severity=severity,
        suggestion=suggestion,
        value=shown,
    )
