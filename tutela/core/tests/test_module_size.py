"""No application module grows past MAX_LINES (STYLE.md: a module past ~400-500 lines becomes a
package split by sub-domain, so a reader can hold one in their head).

Tests and migrations are left out: test modules mirror the code they test, and migrations are
generated. The modules still over the limit are listed in PENDING with the reason; like the
import contracts of test_import_graph.py the list is strict: a listed module that has come under
the limit fails the test until its line is removed, so the list only shrinks."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
MAX_LINES = 500

# Modules still over the limit, each with the reason (none left: keep it so).
PENDING: dict[str, str] = {}


def _application_modules() -> dict[str, int]:
    sizes = {}
    for path in sorted((ROOT / "tutela").rglob("*.py")):
        relative = path.relative_to(ROOT)
        if "tests" in relative.parts or "migrations" in relative.parts:
            continue
        with path.open(encoding="utf-8") as handle:
            sizes[relative.as_posix()] = sum(1 for _line in handle)
    return sizes


def test_no_application_module_over_the_limit() -> None:
    sizes = _application_modules()
    too_long = {
        name: lines for name, lines in sizes.items() if lines > MAX_LINES and name not in PENDING
    }
    assert too_long == {}, f"split these modules (STYLE.md, over {MAX_LINES} lines): {too_long}"


def test_pending_modules_are_still_over_the_limit() -> None:
    """A module split or deleted leaves the list: it cannot grow back unnoticed."""
    sizes = _application_modules()
    done = sorted(name for name in PENDING if sizes.get(name, 0) <= MAX_LINES)
    assert done == [], f"under {MAX_LINES} lines now (or gone): remove from PENDING: {done}"
