"""Which 5W rows a user may count or list, and where partner names are hidden (insecure areas).
Which of the rows counted are protected by disclosure control: `selectors.disclosure`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db.models import Prefetch, Q, QuerySet

from tutela.activities.models import ActivityReport, ActivitySettings, Submission
from tutela.core import access
from tutela.core.models import AdminArea, Operation, User
from tutela.core.models.roles import Role
from tutela.core.selectors import country_pcodes

# A row's relations that are admin areas: read without their boundaries (listing rows never
# needs them, and decoding each area's GeoJSON was most of the time of the row list and the grid;
# bench/bench_load.py).
AREA_RELATIONS = frozenset({"area", "admin1", "admin2", "admin3"})


def with_row_relations(
    rows: QuerySet[ActivityReport], *, joined: Sequence[str], by_id: Sequence[str]
) -> QuerySet[ActivityReport]:
    """`rows` with their related objects: `joined` in the rows' own query (those its order
    needs), `by_id` read afterwards by id for the rows fetched (one small query each).
    PostgreSQL took ~70 ms to PLAN the 5W rows API's query with all eleven relations joined, for
    18 ms of running it (bench/README.md, "Load"): a page of rows joins only what it sorts by."""
    areas = AdminArea.objects.defer("geometry")
    return (
        rows.select_related(*joined)
        .prefetch_related(
            *(Prefetch(name, queryset=areas) if name in AREA_RELATIONS else name for name in by_id)
        )
        .defer(*(f"{name}__geometry" for name in joined if name in AREA_RELATIONS))
    )


# Roles that see their own organisation's rows whatever their review status.
ORGANISATION_ROLES = frozenset({Role.PARTNER})


def visible_rows(user: User, operation: Operation) -> QuerySet[ActivityReport]:
    """The 5W rows of the operation the user may count in aggregate products.

    Cluster-wide roles (coordinator, IMO, focal points): every row. Partner focal points: their own
    organisation's rows at any status, and the validated rows of everyone else. Other roles
    (viewers, caseworkers...): validated rows only. No role: nothing."""
    roles = access.roles_in(user, operation)
    if not roles:
        return ActivityReport.objects.none()
    rows = ActivityReport.objects.filter(operation=operation)
    if access.is_cluster_wide(user, operation):
        return rows
    validated = Q(submission__status=Submission.Status.VALIDATED)
    if roles & ORGANISATION_ROLES and user.organisation_id is not None:
        return rows.filter(validated | Q(organisation_id=user.organisation_id))
    return rows.filter(validated)


def listable_rows(user: User, operation: Operation) -> QuerySet[ActivityReport]:
    """The rows the user may see one by one. Rows of sensitive activities (case management,
    survivors) are aggregated for people outside the reporting organisation, never listed."""
    rows = visible_rows(user, operation)
    if access.is_cluster_wide(user, operation):
        return rows
    own = Q(organisation_id=user.organisation_id) if user.organisation_id else Q(pk__in=[])
    return rows.filter(own | Q(activity__is_sensitive=False))


def activity_settings(operation: Operation) -> ActivitySettings:
    found = ActivitySettings.objects.filter(operation=operation).first()
    return found or ActivitySettings(operation=operation)


def area_descendants(operation: Operation, roots: Iterable[int]) -> set[int]:
    """The given areas and every area inside them (one query for the operation's gazetteer)."""
    roots = set(roots)
    if not roots:
        return set()
    children: dict[int, list[int]] = {}
    for pk, parent_id in AdminArea.objects.filter(
        country_pcode__in=country_pcodes(operation)
    ).values_list("pk", "parent_id"):
        if parent_id is not None:
            children.setdefault(parent_id, []).append(pk)
    found = set(roots)
    stack = list(roots)
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def hidden_name_area_ids(user: User, operation: Operation) -> set[int]:
    """Areas (insecure ones and everything inside them) where partner names are not shown to this
    user: everyone but the operation's managers sees counts only there."""
    if access.is_manager(user, operation):
        return set()
    roots = ActivitySettings.sensitive_areas.through.objects.filter(
        activitysettings__operation=operation
    ).values_list("adminarea_id", flat=True)
    return area_descendants(operation, list(roots))
