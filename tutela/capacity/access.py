"""Who may see and do what in the capacity module. Every page and API endpoint goes through
these helpers, which raise 404 for what the user may not know exists and 403 for what they may
know exists but may not do (see tutela.core.access for roles).

Trainings
- Everyone with a role in the operation reads the course catalogue, the sessions (course, dates,
  place, organisations invited) and the aggregated indicators (people trained by sex and
  organisation type).
- Training managers (coordinators, information management officers and focal points) create and
  change courses, sessions, registrations, attendance, tests and certificates, and see every
  participant.
- Partner focal points, caseworkers and supervisors see their own organisation's participants,
  their scores and certificates, and register their own staff to a planned session their
  organisation is invited to (or one that invites everyone). Viewers (donors) never see a person.
- Reading a participant's contact details is audited.

CCPM (the cluster's performance survey)
- Managers (coordinator, information management officer) prepare, launch, remind, close and
  report on rounds, edit the questionnaire, enter the coordination team's own answers and see
  which invited organisations have answered (to chase them), never what anyone answered.
- Everyone with a role in the operation reads the results of closed rounds, body by body, when
  the body reached the round's minimum number of partner answers.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from tutela.capacity.models import (
    Course,
    KnowledgeTest,
    NeedsAssessment,
    Participant,
    Registration,
    TrainingSession,
)
from tutela.core import access
from tutela.core.models import Body, Operation, OperationRole, Organisation, User
from tutela.core.models.roles import Role

TRAINING_MANAGER_ROLES = frozenset({Role.COORDINATOR, Role.IMO, Role.FOCAL_POINT})
# Roles that see their own organisation's participants.
ORGANISATION_ROLES = frozenset({Role.PARTNER, Role.CASEWORKER, Role.SUPERVISOR})


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def is_member(user: User, operation: Operation) -> bool:
    return bool(access.roles_in(user, operation))


def can_manage_ccpm(user: User, operation: Operation) -> bool:
    return access.is_manager(user, operation)


def can_manage_trainings(user: User, operation: Operation) -> bool:
    return access.has_role(user, operation, TRAINING_MANAGER_ROLES)


def own_organisation_id(user: User, operation: Operation) -> int | None:
    """The user's organisation when they see its participants (not a manager)."""
    if not access.has_role(user, operation, ORGANISATION_ROLES):
        return None
    return user.organisation_id


def can_see_participants(user: User, operation: Operation) -> bool:
    return can_manage_trainings(user, operation) or own_organisation_id(user, operation) is not None


def participants_for_user(user: User, operation: Operation) -> QuerySet[Participant]:
    """The participants the user may see: all for training managers, their organisation's for
    partners, none for viewers and outsiders."""
    people = Participant.objects.filter(operation=operation)
    if can_manage_trainings(user, operation):
        return people
    org_id = own_organisation_id(user, operation)
    if org_id is None:
        return people.none()
    return people.filter(organisation_id=org_id)


def participant_get_for_user(user: User, operation: Operation, pk: int) -> Participant:
    try:
        return participants_for_user(user, operation).select_related("organisation").get(pk=pk)
    except Participant.DoesNotExist:
        raise Http404 from None


def registrations_for_user(user: User, session: TrainingSession) -> QuerySet[Registration]:
    visible = participants_for_user(user, session.operation)
    return Registration.objects.filter(session=session, participant__in=visible)


def course_get(user: User, operation: Operation, pk: int) -> Course:
    if not is_member(user, operation):
        raise Http404
    try:
        return Course.objects.get(operation=operation, pk=pk)
    except Course.DoesNotExist:
        raise Http404 from None


def session_get(user: User, operation: Operation, pk: int) -> TrainingSession:
    if not is_member(user, operation):
        raise Http404
    try:
        return TrainingSession.objects.select_related(
            "course", "area", "body", "host_organisation"
        ).get(operation=operation, pk=pk)
    except TrainingSession.DoesNotExist:
        raise Http404 from None


def knowledge_test_get(user: User, operation: Operation, pk: int) -> KnowledgeTest:
    """A session's test, for those who see its participants' results (404 otherwise)."""
    if not can_see_participants(user, operation):
        raise Http404
    try:
        return KnowledgeTest.objects.select_related("session", "session__course").get(
            session__operation=operation, pk=pk
        )
    except KnowledgeTest.DoesNotExist:
        raise Http404 from None


def registration_get_for_user(user: User, session: TrainingSession, pk: int) -> Registration:
    try:
        return (
            registrations_for_user(user, session)
            .select_related("participant", "participant__organisation", "session")
            .get(pk=pk)
        )
    except Registration.DoesNotExist:
        raise Http404 from None


def session_invites(session: TrainingSession, organisation: Organisation | None) -> bool:
    """A session with no organisation invited is open to all."""
    invited = list(session.organisations_invited.values_list("pk", flat=True))
    return not invited or (organisation is not None and organisation.pk in invited)


def can_register(user: User, session: TrainingSession, organisation: Organisation | None) -> bool:
    """Managers register anyone; a partner registers their own organisation's staff to a planned
    session that invites their organisation."""
    operation = session.operation
    if can_manage_trainings(user, operation):
        return True
    org_id = own_organisation_id(user, operation)
    return bool(
        org_id is not None
        and organisation is not None
        and organisation.pk == org_id
        and session.status == TrainingSession.Status.PLANNED
        and session_invites(session, organisation)
    )


def visible_organisation_filter(user: User, operation: Operation, field: str) -> Q:
    """A filter keeping the rows of the organisations whose participants the user sees."""
    if can_manage_trainings(user, operation):
        return Q()
    org_id = own_organisation_id(user, operation)
    if org_id is None:
        return Q(pk__in=[])
    return Q(**{field: org_id})


# --- Strategy and work plan ---------------------------------------------------------------------


def can_edit_workplan(user: User, body: Body) -> bool:
    """The operation's managers, and the focal points whose role is for this body."""
    operation = body.operation
    if access.is_manager(user, operation):
        return True
    if not access.has_role(user, operation, {Role.FOCAL_POINT}):
        return False
    return OperationRole.objects.filter(
        user=user, operation=operation, role=Role.FOCAL_POINT, body=body
    ).exists()


def editable_bodies(user: User, operation: Operation) -> QuerySet[Body]:
    bodies = Body.objects.filter(operation=operation).order_by("kind", "name")
    if access.is_manager(user, operation):
        return bodies
    if not access.has_role(user, operation, {Role.FOCAL_POINT}):
        return bodies.none()
    own = OperationRole.objects.filter(
        user=user, operation=operation, role=Role.FOCAL_POINT, body__isnull=False
    ).values_list("body_id", flat=True)
    return bodies.filter(pk__in=list(own))


# --- Reporting compliance -----------------------------------------------------------------------


def can_see_compliance_detail(user: User, operation: Operation) -> bool:
    """Every organisation's scorecard, the dashboard by organisation, exports and reminders."""
    return access.is_manager(user, operation)


def scorecard_organisation(user: User, operation: Operation, organisation_id: int) -> Organisation:
    """The organisation whose scorecard the user asks for: any for managers, their own for a
    partner; 404 otherwise (a partner may not know how another organisation reports)."""
    if not is_member(user, operation):
        raise Http404
    allowed = can_see_compliance_detail(user, operation) or (
        own_organisation_id(user, operation) == organisation_id
    )
    if not allowed:
        raise Http404
    try:
        return Organisation.objects.get(pk=organisation_id, operations=operation)
    except Organisation.DoesNotExist:
        raise Http404 from None


def can_answer_needs(user: User, assessment: NeedsAssessment, organisation: Organisation) -> bool:
    """A needs assessment is answered for an organisation by its own members, or by those who
    manage the operation's trainings."""
    operation = assessment.operation
    if can_manage_trainings(user, operation):
        return True
    return own_organisation_id(user, operation) == organisation.pk
