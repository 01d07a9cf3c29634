"""Planning demo data (filled in below)."""

from __future__ import annotations

from typing import Any


def demo_planning_load(*, operation: Any, by: Any = None) -> None:
    return None
