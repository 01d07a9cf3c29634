"""Coordination demo data for the Mali demo operation: the monthly cluster meetings (a series,
the past ones held with attendance and approved minutes), a Mopti working group meeting, and the
action points they raised. Loaded once (nothing is added when the operation has meetings); no
e-mail is sent."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from tutela.coordination.models import ActionPoint, Meeting
from tutela.coordination.services import agenda as agenda_services
from tutela.coordination.services import meeting_records as record_services
from tutela.coordination.services import meetings as meeting_services
from tutela.coordination.services import minutes as minutes_services
from tutela.coordination.services.actions import action_point_create, action_point_set_status
from tutela.core.models import Body, Contact, Operation, User
from tutela.core.models.roles import Role

MINUTES = [
    (
        "- Le plan de réponse protection du trimestre est adopté.\n"
        "- Le groupe de travail de Mopti organise une évaluation conjointe à Bandiagara.",
        "## Situation\n\nLes partenaires signalent de nouveaux déplacements autour de "
        "Bandiagara et des difficultés d'accès sur l'axe Mopti–Djenné.\n\n"
        "## Tour de table\n\n- **SPA** : distribution de kits de dignité à Gao.\n"
        "- **EMO** : 120 enfants non accompagnés identifiés et référés.\n",
    ),
    (
        "- La cartographie des services sera mise à jour avant la prochaine réunion.",
        "## Suivi des points d'action\n\nLa cartographie des services est en cours. "
        "Le rapport d'évaluation de Bandiagara a été partagé.\n",
    ),
]

ACTION_POINTS = [
    # title, owner acronym, days after the meeting, status
    ("Partager la cartographie des services de protection", "ADP", 21, "in_progress"),
    ("Organiser l'évaluation conjointe à Bandiagara", "EMO", 14, "done"),
    ("Envoyer les chiffres de déplacement à l'équipe IM", "SPA", 10, "open"),
]


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(
        day, datetime.time(hour, 0), tzinfo=timezone.get_current_timezone()
    )


def _attend(meeting: Meeting, by: User, skip: set[str]) -> None:
    """Everyone attached to the body comes, except the organisations in `skip`."""
    contacts = [
        contact
        for contact in Contact.objects.filter(operation=meeting.operation, is_active=True)
        .filter(bodies=meeting.body)
        .select_related("organisation")
        if contact.organisation.acronym not in skip
    ]
    organisations = [
        m.organisation
        for m in meeting.body.memberships.select_related("organisation")
        if m.organisation.acronym not in skip
    ]
    record_services.attendance_record(
        meeting=meeting, by=by, organisations=organisations, contacts=contacts
    )


@transaction.atomic
def demo_coordination_load(*, operation: Operation) -> None:
    if Meeting.objects.filter(operation=operation).exists():
        return
    coordinator = (
        User.objects.filter(
            operation_roles__operation=operation, operation_roles__role=Role.COORDINATOR
        )
        .order_by("pk")
        .first()
    )
    cluster = Body.objects.filter(operation=operation, code="PRO").first()
    if coordinator is None or cluster is None:
        return

    today = timezone.localdate()
    # The second Tuesday of the month, two months ago.
    first_day = (today.replace(day=1) - datetime.timedelta(days=45)).replace(day=1)
    first_day += datetime.timedelta(days=(1 - first_day.weekday()) % 7 + 7)
    series = meeting_services.series_create(
        operation=operation,
        by=coordinator,
        body=cluster,
        title="Réunion mensuelle du Cluster Protection",
        frequency="monthly",
        first_starts_at=_at(first_day, 10),
        until=today + datetime.timedelta(days=120),
        location="Bamako, salle de réunion OCHA",
        online_link="https://meet.example.org/cluster-protection-mali",
        language="fr",
    )
    past = [m for m in series.meetings.order_by("starts_at") if m.ends_at < timezone.now()]
    for index, meeting in enumerate(past[-3:]):
        _attend(meeting, coordinator, skip=[{"CRD"}, {"RFT", "DRDS-D"}, {"EMO"}][index])
        if index == 2:
            # The latest minutes are still a draft, awaiting the coordinator's approval.
            minutes_services.minutes_save(
                meeting=meeting,
                by=coordinator,
                text="## Tour de table\n\nÀ compléter.",
                decisions="- À confirmer.",
            )
            continue
        decisions, text = MINUTES[index]
        minutes = minutes_services.minutes_save(
            meeting=meeting, by=coordinator, text=text, decisions=decisions
        )
        minutes_services.minutes_approve(minutes=minutes, by=coordinator)
        if index == 0:
            for title, acronym, days, status in ACTION_POINTS:
                owner = meeting.body.memberships.filter(organisation__acronym=acronym).first()
                point = action_point_create(
                    operation=operation,
                    by=coordinator,
                    meeting=meeting,
                    title=title,
                    owner_organisation=owner.organisation if owner else None,
                    due_date=timezone.localtime(meeting.starts_at).date()
                    + datetime.timedelta(days=days),
                )
                if status != ActionPoint.Status.OPEN:
                    action_point_set_status(action_point=point, by=coordinator, status=status)
    # The body's open action points go on the next meeting's agenda.
    upcoming = series.meetings.filter(starts_at__gte=timezone.now()).order_by("starts_at").first()
    if upcoming is not None:
        agenda_services.agenda_item_add(
            meeting=upcoming, by=coordinator, title="Situation humanitaire et de protection"
        )
        agenda_services.agenda_add_action_points(meeting=upcoming)
    mopti = Body.objects.filter(operation=operation, code="GT-MOPTI").first()
    if mopti is not None:
        meeting_services.meeting_create(
            operation=operation,
            by=coordinator,
            body=mopti,
            title="Groupe de travail protection Mopti",
            starts_at=_at(today + datetime.timedelta(days=9), 9),
            location="Mopti, bureau AOD",
            agenda=["Accès humanitaire sur l'axe Mopti–Djenné", "Préparation de la mission"],
        )
