"""Reads of pooled-fund allocations."""

from __future__ import annotations

from django.db.models import QuerySet

from tutela.core.models import Operation
from tutela.planning.models import Allocation


def allocation_list(operation: Operation) -> QuerySet[Allocation]:
    return Allocation.objects.filter(operation=operation).select_related("body")
