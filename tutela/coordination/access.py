"""Who may do what in coordination: every permission check of the app, and the fetches of its
records that raise 404 themselves (`*_get_for_user`). Built on tutela.core.access.

Rules:
- Everyone with a role in the operation reads its meetings, approved minutes, action points, sent
  alerts, missions, recommendations and published documents.
- A body's meetings and action points are managed by the operation's managers and by the focal
  points of the body, of a body above it, or of the whole operation (`can_manage_body`); draft
  minutes are read by those only (`minutes_visible`).
- An action point's status and comments also change through its owner: the person, or a member of
  the owner organisation (`can_update_action_point`).
- Alerts and missions are managed by coordinators, information management officers and focal
  points; a draft alert (and a mission on it) does not exist for anyone else (404). A recipient
  organisation's members acknowledge an alert (`can_acknowledge`).
- Coordinators, information management officers and AoR / regional focal points ("advocacy
  editors") create and edit recommendations and documents and record follow-ups. A document that
  is not published is seen by the operation's managers, its author and its designated approver
  only; only the approver clears it or returns it to draft.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Max, Q, QuerySet
from django.http import Http404

from tutela.coordination.models import (
    ActionPoint,
    Alert,
    AlertRecipient,
    ClearanceDocument,
    Meeting,
    Minutes,
    Mission,
    Recommendation,
    RecommendationFollowUp,
)
from tutela.core import access
from tutela.core.models import Body, Operation, User
from tutela.core.models.roles import Role

# Who edits advocacy: recommendations, documents under clearance, follow-ups.
EDITOR_ROLES = frozenset({Role.COORDINATOR, Role.IMO, Role.FOCAL_POINT})


# --- Bodies, meetings and action points -----------------------------------------------------------


def require(allowed: bool) -> None:
    """403 unless allowed: how the services refuse an action (the check itself is one of the
    can_* functions of this module)."""
    if not allowed:
        raise PermissionDenied


def focal_point_bodies(user: User, operation: Operation) -> set[int | None]:
    """Ids of the bodies the user is a focal point of (None: a focal point for the whole
    operation)."""
    if not user.is_authenticated or not user.is_active:
        return set()
    return set(
        user.operation_roles.filter(operation=operation, role=Role.FOCAL_POINT).values_list(
            "body_id", flat=True
        )
    )


def can_manage_body(user: User, operation: Operation, body: Body | None) -> bool:
    """Managers, and focal points of the body (or of a body above it, or of the whole
    operation)."""
    if access.is_manager(user, operation):
        return True
    if Role.FOCAL_POINT not in access.roles_in(user, operation):
        return False
    bodies = focal_point_bodies(user, operation)
    if None in bodies:
        return True
    seen: set[int] = set()
    current = body
    while current is not None and current.pk not in seen:
        if current.pk in bodies:
            return True
        seen.add(current.pk)
        current = current.parent
    return False


def can_create(user: User, operation: Operation) -> bool:
    """Managers and focal points reach the creation forms (the services check the body)."""
    return access.is_manager(user, operation) or Role.FOCAL_POINT in access.roles_in(
        user, operation
    )


def minutes_visible(user: User, meeting: Meeting, minutes: Minutes | None) -> bool:
    """Approved minutes are read by everyone with a role; drafts by those who manage the
    meeting."""
    if minutes is None:
        return False
    if minutes.status != Minutes.Status.DRAFT:
        return True
    return can_manage_body(user, meeting.operation, meeting.body)


def can_edit_action_point(user: User, action_point: ActionPoint) -> bool:
    return can_manage_body(user, action_point.operation, action_point.body)


def is_action_point_owner(user: User, action_point: ActionPoint) -> bool:
    """The owner, or a member of the owner organisation (with a role in the operation)."""
    if not access.roles_in(user, action_point.operation):
        return False
    if action_point.owner_id is not None and action_point.owner_id == user.pk:
        return True
    return bool(
        action_point.owner_organisation_id is not None
        and user.organisation_id == action_point.owner_organisation_id
    )


def can_update_action_point(user: User, action_point: ActionPoint) -> bool:
    """Change the status and comment: owners, managers, the body's focal points."""
    return is_action_point_owner(user, action_point) or can_edit_action_point(user, action_point)


# --- Alerts and missions --------------------------------------------------------------------------


def can_manage_alerts(user: User, operation: Operation) -> bool:
    return access.has_role(user, operation, {Role.COORDINATOR, Role.IMO, Role.FOCAL_POINT})


def can_acknowledge(user: User, recipient: AlertRecipient) -> bool:
    """From inside the app: a member of the recipient organisation with a role in the
    operation."""
    return bool(
        access.roles_in(user, recipient.alert.operation)
        and user.organisation_id == recipient.organisation_id
    )


def alert_queryset(user: User, operation: Operation) -> QuerySet[Alert]:
    """The operation's alerts the user may see: none without a role; drafts only for those who
    manage alerts."""
    if not access.roles_in(user, operation):
        return Alert.objects.none()
    alerts = Alert.objects.filter(operation=operation)
    if not can_manage_alerts(user, operation):
        alerts = alerts.exclude(status=Alert.Status.DRAFT)
    return alerts


def alert_get_for_user(user: User, operation: Operation, pk: int) -> Alert:
    """The alert if the user may see it; 404 otherwise (a draft does not exist for partners)."""
    try:
        return (
            alert_queryset(user, operation)
            .select_related("area", "created_by", "signal", "sent_by")
            .get(pk=pk)
        )
    except Alert.DoesNotExist:
        raise Http404 from None


def mission_get_for_user(user: User, operation: Operation, pk: int) -> Mission:
    """A mission of the operation; a mission on a draft alert is visible like the draft (404 for
    those who do not manage alerts)."""
    try:
        mission = (
            Mission.objects.filter(operation=operation)
            .select_related("alert", "area", "created_by")
            .prefetch_related("organisations")
            .get(pk=pk)
        )
    except Mission.DoesNotExist:
        raise Http404 from None
    if (
        mission.alert is not None
        and mission.alert.status == Alert.Status.DRAFT
        and not can_manage_alerts(user, operation)
    ):
        raise Http404
    return mission


# --- Advocacy -------------------------------------------------------------------------------------


def can_edit_advocacy(user: User, operation: Operation) -> bool:
    """Create and edit recommendations and documents, record follow-ups."""
    return access.has_role(user, operation, EDITOR_ROLES)


def can_manage_document(user: User, document: ClearanceDocument) -> bool:
    """Edit, submit, publish and circulate: the operation's managers and the author (while the
    author still holds an editor's role)."""
    operation = document.operation
    if access.is_manager(user, operation):
        return True
    return bool(
        user.pk is not None
        and document.created_by_id == user.pk
        and can_edit_advocacy(user, operation)
    )


def is_approver(user: User, document: ClearanceDocument) -> bool:
    return bool(
        user.pk is not None
        and document.approver_id == user.pk
        and can_edit_advocacy(user, document.operation)
    )


def recommendation_queryset(user: User, operation: Operation) -> QuerySet[Recommendation]:
    """The operation's recommendations, for anyone with a role in it; nothing otherwise."""
    if not access.roles_in(user, operation):
        return Recommendation.objects.none()
    return Recommendation.objects.filter(operation=operation)


def recommendation_get_for_user(user: User, operation: Operation, pk: int) -> Recommendation:
    return access.get_scoped_or_404(
        recommendation_queryset(user, operation)
        .select_related("meeting", "document", "pau", "mission", "created_by")
        .annotate(last_follow_up_at=Max("follow_ups__created_at")),
        pk=pk,
    )


def follow_up_get_for_user(user: User, operation: Operation, pk: int) -> RecommendationFollowUp:
    return access.get_scoped_or_404(
        RecommendationFollowUp.objects.filter(
            recommendation__in=recommendation_queryset(user, operation)
        ).select_related("recommendation"),
        pk=pk,
    )


def document_queryset(user: User, operation: Operation) -> QuerySet[ClearanceDocument]:
    """Published documents for everyone with a role; the rest for managers, the author and the
    approver."""
    if not access.roles_in(user, operation):
        return ClearanceDocument.objects.none()
    queryset = ClearanceDocument.objects.filter(operation=operation)
    if access.is_manager(user, operation):
        return queryset
    return queryset.filter(
        Q(status=ClearanceDocument.Status.PUBLISHED) | Q(created_by=user) | Q(approver=user)
    )


def document_get_for_user(user: User, operation: Operation, pk: int) -> ClearanceDocument:
    return access.get_scoped_or_404(
        document_queryset(user, operation).select_related(
            "operation", "approver", "created_by", "cleared_by"
        ),
        pk=pk,
    )
