"""The optional link from a record to what it came from (a meeting, an alert, a mission, a
Protection Analysis Update, a document): the record stays, unlinked, when that one is deleted."""

from __future__ import annotations

from typing import Any

from django.db import models


def source_link(to: str, related_name: str = "+") -> models.ForeignKey[Any, Any]:
    return models.ForeignKey(
        to, on_delete=models.SET_NULL, null=True, blank=True, related_name=related_name
    )
