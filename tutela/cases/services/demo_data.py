"""Fictional cases of the demo operation (filled in below)."""

from __future__ import annotations

from typing import Any

from tutela.core.models import Operation


def demo_cases_load(*, operation: Operation, by: Any = None) -> None:
    return None
