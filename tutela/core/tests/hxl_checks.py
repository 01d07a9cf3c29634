"""Reading an export back with libhxl and checking its hashtags (used by every app's export tests).

`hxl_dataset(content, suffix)` reads CSV or XLSX bytes as libhxl does (sheet `sheet_index` of a
workbook); `assert_valid_hxl(data)` checks what tutela.core.hxl calls valid: every column tagged,
every tag an HXL core hashtag written right, and number tags holding numbers only (an empty cell,
or a "<N" suppression marker, stands for a hidden count)."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import hxl

from tutela.core.hxl import is_number_tag, tag_problem

_SUPPRESSED = re.compile(r"^<\d+$")


def hxl_dataset(content: bytes, suffix: str, *, sheet_index: int | None = None) -> Any:
    """The export as a cached libhxl dataset, read from a file as a user's tool would."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"export.{suffix}"
        path.write_bytes(content)
        options = hxl.InputOptions(allow_local=True, encoding="utf-8-sig", sheet_index=sheet_index)
        return hxl.data(str(path), options).cache()


def assert_valid_hxl(data: Any, *, min_rows: int = 1) -> list[dict[str, Any]]:
    """Assert the dataset's tags are valid and its number columns hold numbers; returns its rows
    as dicts keyed by tag (display tag), for the caller's own checks."""
    tags = [column.display_tag for column in data.columns]
    assert tags, "no HXL hashtag row"
    assert all(tags), f"a column has no HXL tag: {list(zip(data.headers, tags, strict=False))}"
    problems = [problem for tag in tags if (problem := tag_problem(tag))]
    assert not problems, problems
    rows = [dict(zip(tags, row.values, strict=False)) for row in data]
    assert len(rows) >= min_rows, f"{len(rows)} rows"
    for row in rows:
        for tag, value in row.items():
            if not is_number_tag(tag) or value in (None, ""):
                continue
            text = str(value).strip()
            if _SUPPRESSED.match(text):
                continue
            try:
                float(text.replace(",", ""))
            except ValueError:
                raise AssertionError(f"{tag} holds {value!r}, not a number") from None
    return rows
