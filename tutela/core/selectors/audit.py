"""Reads of the audit log: entries as a user may see them, filtered, and their changes in short."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from tutela.core import access
from tutela.core.models import AuditEntry, Operation, User


def audit_entries(
    operation: Operation, filters: Mapping[str, Any] | None = None, *, user: User
) -> QuerySet[AuditEntry]:
    """The operation's audit log as `user` may see it (entries about records hidden from them
    are left out: `access.audit_entries_visible`), newest first. Filters: `actor` (e-mail
    contains), `action`, `entity_type`, `date_from`, `date_to` (dates, inclusive), `q` (summary
    contains)."""
    filters = filters or {}
    queryset = access.audit_entries_visible(
        user, operation, AuditEntry.objects.filter(operation=operation)
    ).order_by("-created_at", "-id")
    if filters.get("actor"):
        queryset = queryset.filter(actor_label__icontains=str(filters["actor"]).strip())
    if filters.get("action"):
        queryset = queryset.filter(action=filters["action"])
    if filters.get("entity_type"):
        queryset = queryset.filter(entity_type=filters["entity_type"])
    if filters.get("date_from"):
        queryset = queryset.filter(created_at__date__gte=filters["date_from"])
    if filters.get("date_to"):
        queryset = queryset.filter(created_at__date__lte=filters["date_to"])
    if filters.get("q"):
        queryset = queryset.filter(summary__icontains=str(filters["q"]).strip())
    return queryset


def audit_entity_types(operation: Operation) -> list[str]:
    return list(
        AuditEntry.objects.filter(operation=operation)
        .exclude(entity_type="")
        .order_by("entity_type")
        .values_list("entity_type", flat=True)
        .distinct()
    )


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


def _short(value: Any, limit: int = 80) -> str:
    if value is None or value == "":
        return "∅"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def audit_changes(entry: AuditEntry, limit: int = 12) -> list[Change]:
    """The fields an entry records, as short before/after strings, for compact display."""
    before = entry.before if isinstance(entry.before, dict) else {}
    after = entry.after if isinstance(entry.after, dict) else {}
    keys = list(after) + [key for key in before if key not in after]
    skip = {"created_at", "updated_at"}
    changes = [
        Change(
            field=key,
            before=_short(before.get(key)) if key in before else "",
            after=_short(after.get(key)) if key in after else "",
        )
        for key in keys
        if key not in skip
    ]
    return changes[:limit]
