"""The base of the row checker: recording problems in the user's words, and checking each
distinct value once (`memo`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tutela.activities.models.fields import BY_NAME
from tutela.activities.validation.context import ReportContext
from tutela.core.imports.problems import ERROR, Problem, row_problem


class CheckerBase:
    """A batch check's state and the problems it collects."""

    def __init__(self, context: ReportContext, columns: Mapping[str, str] | None) -> None:
        self.c = context
        self.columns = dict(columns or {})
        self.problems: list[Problem] = []
        self.row = 0
        self._recording: list[tuple[Any, ...]] | None = None
        self._memo: dict[str, dict[Any, Any]] = {}

    def column(self, name: str) -> str:
        if name in self.columns:
            return self.columns[name]
        spec = BY_NAME.get(name)
        return str(spec.label) if spec else name

    def add(
        self,
        name: str,
        code: str,
        message: str,
        /,
        *,
        value: Any = "",
        severity: str = ERROR,
        suggestion: str = "",
        **params: Any,
    ) -> None:
        """Record a problem of the current row. `message` is translated, with %(row)s,
        %(column)s, %(value)s and the other `params` filled in here."""
        spec = (name, code, message, value, severity, suggestion, params)
        if self._recording is not None:
            self._recording.append(spec)
        else:
            self._emit(spec)

    def _emit(self, spec: tuple[Any, ...]) -> None:
        name, code, message, value, severity, suggestion, params = spec
        self.problems.append(
            row_problem(
                row=self.row,
                field=name,
                column=self.column(name) if name else "",
                code=code,
                message=message,
                value=value,
                severity=severity,
                suggestion=suggestion,
                **params,
            )
        )

    def memo(self, kind: str, key: Any, compute: Any, *args: Any) -> Any:
        """compute(*args), computed once per distinct key: the result and the problems it
        raised are replayed for every row with the same value (with that row's number)."""
        cache = self._memo.setdefault(kind, {})
        try:
            hit = cache.get(key, _MISS)
        except TypeError:
            return compute(*args)
        if hit is _MISS:
            outer = self._recording
            self._recording = []
            try:
                result = compute(*args)
            finally:
                specs, self._recording = self._recording, outer
            hit = cache[key] = (result, tuple(specs))
        result, specs = hit
        for spec in specs:
            self.add(
                spec[0],
                spec[1],
                spec[2],
                value=spec[3],
                severity=spec[4],
                suggestion=spec[5],
                **spec[6],
            )
        return result


_MISS = object()


def cache_key(raw: Any) -> Any:
    """A cache key that keeps 1, 1.0 and True apart."""
    return raw if type(raw) is str else (type(raw), raw)
