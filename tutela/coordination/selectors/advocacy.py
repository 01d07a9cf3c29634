"""Reads for advocacy recommendations and documents under clearance, and who may do what.

Rules (see /work/notes and the issue):
- Everyone with a role in the operation reads recommendations (and their evidence files) and
  published documents.
- Coordinators, information management officers and AoR / regional focal points ("advocacy
  editors") create and edit recommendations and documents and record follow-ups.
- A document that is not published is seen by the operation's managers, its author and its
  designated approver only. Only the approver clears it or returns it to draft.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from tutela.coordination import access as coordination_access
from tutela.coordination.models import (
    ClearanceDocument,
    DocumentVersion,
    Recommendation,
    RecommendationFollowUp,
)
from tutela.core.models import AuditEntry, Body, Operation, User

PENDING_STATUSES = (
    Recommendation.Status.ISSUED,
    Recommendation.Status.ACKNOWLEDGED,
    Recommendation.Status.IN_PROGRESS,
)
CLOSED_STATUSES = (Recommendation.Status.IMPLEMENTED, Recommendation.Status.NOT_IMPLEMENTED)


# --- Who may do what -----------------------------------------------------------------------------


def approver_candidates(operation: Operation) -> QuerySet[User]:
    """Who can be chosen to clear a document: the operation's coordinators, information
    management officers and focal points (active accounts)."""
    return (
        User.objects.filter(
            is_active=True,
            operation_roles__operation=operation,
            operation_roles__role__in=coordination_access.EDITOR_ROLES,
        )
        .select_related("organisation")
        .distinct()
        .order_by("full_name", "email")
    )


# --- Recommendations -----------------------------------------------------------------------------


def recommendation_list(
    user: User, operation: Operation, filters: Mapping[str, Any] | None = None
) -> QuerySet[Recommendation]:
    """Filtered list; each row carries `last_follow_up_at` and `follow_up_count`.

    Filters: q (text or addressee), addressee_kind, status, issued_in, pending (bool),
    issued_from, issued_to, order ("oldest" for the oldest first)."""
    filters = filters or {}
    queryset = coordination_access.recommendation_queryset(user, operation)
    if q := (filters.get("q") or "").strip():
        queryset = queryset.filter(Q(text__icontains=q) | Q(addressee__icontains=q))
    for name in ("addressee_kind", "status", "issued_in"):
        if value := filters.get(name):
            queryset = queryset.filter(**{name: value})
    if filters.get("pending"):
        queryset = queryset.filter(status__in=PENDING_STATUSES)
    if value := filters.get("issued_from"):
        queryset = queryset.filter(issued_on__gte=value)
    if value := filters.get("issued_to"):
        queryset = queryset.filter(issued_on__lte=value)
    ordering = ["issued_on", "id"] if filters.get("order") == "oldest" else ["-issued_on", "-id"]
    return (
        queryset.annotate(
            last_follow_up_at=Max("follow_ups__created_at"),
            follow_up_count=Count("follow_ups"),
        )
        .select_related("meeting", "document", "pau", "mission")
        .order_by(*ordering)
    )


def recommendation_follow_ups(recommendation: Recommendation) -> QuerySet[RecommendationFollowUp]:
    return recommendation.follow_ups.select_related("by", "by__organisation").order_by(
        "created_at", "id"
    )


def days_pending(
    recommendation: Recommendation, today: datetime.date | None = None
) -> tuple[int, int]:
    """(days since issued, days since the last follow-up or, without one, since issued)."""
    today = today or timezone.localdate()
    since_issued = (today - recommendation.issued_on).days
    last = getattr(recommendation, "last_follow_up_at", None)
    if last is None:
        return since_issued, since_issued
    return since_issued, (today - timezone.localdate(last)).days


@dataclass
class PendingCell:
    count: int = 0
    days_total: int = 0
    days_max: int = 0

    @property
    def days_average(self) -> int | None:
        return round(self.days_total / self.count) if self.count else None


@dataclass
class AddresseeRow:
    kind: str
    label: str
    cells: list[PendingCell]
    total: PendingCell


@dataclass
class PendingRecommendation:
    recommendation: Recommendation
    days_since_issued: int
    days_since_follow_up: int


@dataclass
class RecommendationDashboard:
    total: int
    pending: int
    implemented: int
    not_implemented: int
    statuses: list[tuple[str, str]]
    rows: list[AddresseeRow]
    totals: list[PendingCell]
    grand_total: PendingCell
    oldest: list[PendingRecommendation] = field(default_factory=list)
    # Implemented over all recommendations issued, and over those closed (implemented or not).
    implementation_rate: float | None = None
    closed_implementation_rate: float | None = None
    stale_follow_up_days: int = 90
    stale: int = 0


def recommendation_dashboard(
    user: User,
    operation: Operation,
    *,
    today: datetime.date | None = None,
    oldest: int = 5,
    stale_after_days: int = 90,
) -> RecommendationDashboard:
    """What is pending (issued, acknowledged, in progress), by addressee type and status, for
    how long; the implementation rate; the oldest pending recommendations. Two queries."""
    today = today or timezone.localdate()
    base = coordination_access.recommendation_queryset(user, operation)
    counts = dict(base.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    pending_statuses = [(s.value, str(s.label)) for s in PENDING_STATUSES]
    status_index = {value: i for i, (value, _label) in enumerate(pending_statuses)}
    rows = {
        kind.value: AddresseeRow(
            kind=kind.value,
            label=str(kind.label),
            cells=[PendingCell() for _ in pending_statuses],
            total=PendingCell(),
        )
        for kind in Recommendation.Addressee
    }
    totals = [PendingCell() for _ in pending_statuses]
    grand = PendingCell()
    pending_items: list[PendingRecommendation] = []
    stale = 0
    pending_rows = (
        base.filter(status__in=PENDING_STATUSES)
        .annotate(last_follow_up_at=Max("follow_ups__created_at"))
        .order_by("issued_on", "id")
    )
    for recommendation in pending_rows:
        since_issued, since_follow_up = days_pending(recommendation, today)
        if since_follow_up >= stale_after_days:
            stale += 1
        row = rows.get(recommendation.addressee_kind)
        index = status_index[recommendation.status]
        targets = [totals[index], grand]
        if row is not None:
            targets += [row.cells[index], row.total]
        for cell in targets:
            cell.count += 1
            cell.days_total += since_issued
            cell.days_max = max(cell.days_max, since_issued)
        if len(pending_items) < oldest:
            pending_items.append(
                PendingRecommendation(recommendation, since_issued, since_follow_up)
            )
    total = sum(counts.values())
    implemented = counts.get(Recommendation.Status.IMPLEMENTED, 0)
    not_implemented = counts.get(Recommendation.Status.NOT_IMPLEMENTED, 0)
    closed = implemented + not_implemented
    return RecommendationDashboard(
        total=total,
        pending=grand.count,
        implemented=implemented,
        not_implemented=not_implemented,
        statuses=pending_statuses,
        rows=[row for row in rows.values()],
        totals=totals,
        grand_total=grand,
        oldest=pending_items,
        implementation_rate=round(100 * implemented / total, 1) if total else None,
        closed_implementation_rate=round(100 * implemented / closed, 1) if closed else None,
        stale_follow_up_days=stale_after_days,
        stale=stale,
    )


# --- Documents under clearance -------------------------------------------------------------------


def document_list(
    user: User, operation: Operation, filters: Mapping[str, Any] | None = None
) -> QuerySet[ClearanceDocument]:
    """Filters: status, kind, q (title)."""
    filters = filters or {}
    queryset = coordination_access.document_queryset(user, operation)
    if value := filters.get("status"):
        queryset = queryset.filter(status=value)
    if value := filters.get("kind"):
        queryset = queryset.filter(kind=value)
    if q := (filters.get("q") or "").strip():
        queryset = queryset.filter(title__icontains=q)
    return (
        queryset.select_related("approver", "created_by")
        .annotate(version_count=Count("versions"), last_version=Max("versions__number"))
        .order_by("-updated_at", "-id")
    )


def document_status_counts(user: User, operation: Operation) -> dict[str, int]:
    return dict(
        coordination_access.document_queryset(user, operation)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )


def document_current_version(document: ClearanceDocument) -> DocumentVersion | None:
    return document.versions.order_by("-number").first()


def document_versions(document: ClearanceDocument) -> QuerySet[DocumentVersion]:
    return document.versions.select_related("created_by").order_by("-number")


def document_version_get(document: ClearanceDocument, number: int) -> DocumentVersion:
    try:
        return document.versions.get(number=number)
    except DocumentVersion.DoesNotExist:
        raise Http404 from None


def document_history(document: ClearanceDocument) -> QuerySet[AuditEntry]:
    """The document's clearance history (creation, versions, transitions with their comments),
    read from the audit log, oldest first."""
    return AuditEntry.objects.filter(
        operation_id=document.operation_id,
        entity_type=ClearanceDocument._meta.label_lower,
        entity_id=str(document.pk),
    ).order_by("created_at", "id")


def circulation_bodies(operation: Operation) -> QuerySet[Body]:
    return Body.objects.filter(operation=operation).order_by("name")
