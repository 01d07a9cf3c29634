"""Partner project sheets: written by the partner, vetted by the cluster (comments, return,
approve), versions, and the 5W rows reported against a project."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tutela.activities.models import ActivityReport
from tutela.activities.services.rows import report_rows_save
from tutela.activities.tests.analysis_fixtures import add_row
from tutela.activities.tests.import_fixtures import numbered, row
from tutela.core.models import AuditEntry, OutboxMessage
from tutela.planning.models import Project, ProjectEvent
from tutela.planning.services import projects as services
from tutela.planning.tests.plan_fixtures import PlanWorld
from tutela.planning.tests.project_fixtures import sheet

pytestmark = pytest.mark.django_db


def test_partner_writes_a_sheet_and_its_requirements_add_up(plan_world: PlanWorld) -> None:
    world = plan_world.world
    project = sheet(world, plan=plan_world.plan)
    assert project.organisation == world.amss
    assert project.code == "HMLI26-PRO-0001"
    assert project.requirements_usd == Decimal("150000")
    assert project.status == Project.Status.DRAFT
    entry = AuditEntry.objects.get(entity_type="planning.project", action="create")
    assert entry.after["budget_lines"][0] == ["staff", "Psychologues", "120000.00"]
    assert entry.after["locations"] == ["ML0501"]


def test_partner_cannot_write_for_another_organisation(plan_world: PlanWorld) -> None:
    world = plan_world.world
    with pytest.raises(PermissionDenied):
        sheet(world, by=world.partner, organisation=world.other_org)
    # A manager may write a sheet for any organisation of the operation.
    project = sheet(world, by=world.coordinator, organisation=world.other_org)
    assert project.organisation == world.other_org


def test_viewer_cannot_write_a_sheet(plan_world: PlanWorld) -> None:
    world = plan_world.world
    with pytest.raises(PermissionDenied):
        sheet(world, by=world.viewer, organisation=world.amss)


def test_incomplete_sheet_cannot_be_submitted(plan_world: PlanWorld) -> None:
    world = plan_world.world
    project = sheet(world, areas=[], activities=())
    with pytest.raises(ValidationError) as error:
        services.project_submit(project=project, by=world.partner)
    assert "location" in str(error.value)
    assert "activity" in str(error.value)


def test_vetting_round_trip_with_versions(plan_world: PlanWorld) -> None:
    world = plan_world.world
    project = sheet(world, plan=plan_world.plan)
    first = services.project_submit(project=project, by=world.partner)
    assert first.number == 1
    assert first.content["requirements_usd"] == "150000.00"
    assert OutboxMessage.objects.filter(kind="project_submitted", recipient=world.coordinator)
    with pytest.raises(PermissionDenied):
        services.project_approve(project=project, by=world.partner)
    with pytest.raises(ValidationError):
        services.project_return(project=project, by=world.coordinator, comment="  ")
    services.project_return(project=project, by=world.coordinator, comment="Ajoutez la VBG.")
    project.refresh_from_db()
    assert project.status == Project.Status.RETURNED
    assert OutboxMessage.objects.filter(kind="project_returned", recipient=world.partner)
    services.project_comment(project=project, by=world.partner, text="C'est fait.")
    services.project_update(
        project=project,
        by=world.partner,
        budget_lines=[{"category": "staff", "description": "Psychologues", "amount_usd": 90000}],
    )
    second = services.project_submit(project=project, by=world.partner)
    assert second.number == 2
    assert second.content["requirements_usd"] == "90000.00"
    services.project_approve(project=project, by=world.coordinator)
    project.refresh_from_db()
    assert project.status == Project.Status.APPROVED
    assert project.reviewed_by == world.coordinator
    assert list(project.events.values_list("kind", flat=True)) == [
        ProjectEvent.Kind.SUBMITTED,
        ProjectEvent.Kind.RETURNED,
        ProjectEvent.Kind.COMMENT,
        ProjectEvent.Kind.SUBMITTED,
        ProjectEvent.Kind.APPROVED,
    ]
    with pytest.raises(ValidationError):
        services.project_update(project=project, by=world.partner, title="Changed")


def test_other_partner_sees_approved_projects_only(plan_world: PlanWorld, as_user) -> None:
    world = plan_world.world
    project = sheet(world)
    url = reverse("planning:project_detail", args=["mali", project.pk])
    assert as_user(world.other_partner).get(url).status_code == 404
    assert as_user(world.partner).get(url).status_code == 200
    services.project_submit(project=project, by=world.partner)
    services.project_comment(project=project, by=world.coordinator, text="Note interne")
    services.project_approve(project=project, by=world.coordinator)
    response = as_user(world.other_partner).get(url)
    assert response.status_code == 200
    # The vetting conversation stays between the organisation and the cluster.
    assert "Note interne" not in response.content.decode()
    assert "Note interne" in as_user(world.partner).get(url).content.decode()
    listing = as_user(world.other_partner).get(reverse("planning:projects", args=["mali"]))
    assert project.code in listing.content.decode()


def test_partner_cannot_vet_through_the_pages(plan_world: PlanWorld, as_user) -> None:
    world = plan_world.world
    project = sheet(world)
    services.project_submit(project=project, by=world.partner)
    approve = reverse("planning:project_approve", args=["mali", project.pk])
    response = as_user(world.partner).post(approve)
    assert response.status_code == 403
    project.refresh_from_db()
    assert project.status == Project.Status.SUBMITTED
    returned = reverse("planning:project_return", args=["mali", project.pk])
    assert as_user(world.partner).get(returned).status_code == 403
    assert as_user(world.outsider).post(approve).status_code == 404


def test_sheet_form_creates_a_project(plan_world: PlanWorld, as_user) -> None:
    world = plan_world.world
    from tutela.activities.models import Activity
    from tutela.core.models import AdminArea, PopulationGroup

    data = {
        "plan": str(plan_world.plan.pk),
        "code": "",
        "title": "Protection de l'enfance à Djenné",
        "objectives": "Prévenir les séparations.",
        "body": str(world.cluster.pk),
        "start_date": "2026-02-01",
        "end_date": "2026-11-30",
        "locations": [str(AdminArea.objects.get(pcode="ML0502").pk)],
        "activities": [str(Activity.objects.get(operation=world.operation, code="PRO-PSS").pk)],
        "budget-TOTAL_FORMS": "2",
        "budget-INITIAL_FORMS": "0",
        "budget-0-category": "staff",
        "budget-0-description": "Travailleurs sociaux",
        "budget-0-amount_usd": "45000",
        "budget-1-category": "",
        "targets-TOTAL_FORMS": "1",
        "targets-INITIAL_FORMS": "0",
        "targets-0-population_group": str(
            PopulationGroup.objects.get(operation=world.operation, code="IDP").pk
        ),
        "targets-0-targeted": "300",
    }
    response = as_user(world.partner).post(reverse("planning:project_create", args=["mali"]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    project = Project.objects.get(title__startswith="Protection de l'enfance")
    assert project.organisation == world.amss
    assert project.requirements_usd == Decimal("45000")
    assert project.targets.get().targeted == 300


def test_5w_rows_with_the_project_code_are_tied_to_it(plan_world: PlanWorld) -> None:
    world = plan_world.world
    project = sheet(world, code="HMLI26-PRO-204518")
    foreign = sheet(world, by=world.coordinator, organisation=world.other_org, code="OTHER-1")
    from tutela.activities.models import ReportingRound

    ReportingRound.objects.create(
        operation=world.operation,
        month=datetime.date(2026, 4, 1),
        deadline=datetime.date(2026, 5, 15),
    )
    result = report_rows_save(
        by=world.partner,
        operation=world.operation,
        rows=numbered(
            row(month="2026-04", project_code="hmli26-pro-204518"),
            row(month="2026-04", population_group="REF", project_code="OTHER-1"),
        ),
    )
    assert not result.rejected, [p.message for p in result.problems]
    assert [p.code for p in result.problems] == ["project_of_other_organisation"]
    tied = ActivityReport.objects.get(population_group__code="IDP", month="2026-04-01")
    assert tied.project_id == project.pk
    untied = ActivityReport.objects.get(population_group__code="REF", month="2026-04-01")
    assert untied.project_id is None
    assert foreign.pk != project.pk


def test_project_page_shows_what_was_reported(plan_world: PlanWorld, as_user) -> None:
    world = plan_world.world
    areas = plan_world.five_w.areas
    project = sheet(world, code="HMLI26-PRO-777")
    first = add_row(world, world.amss, "PRO-PSS", areas["ML0502"], datetime.date(2026, 5, 1))
    second = add_row(
        world, world.amss, "PRO-PSS", areas["ML0502"], datetime.date(2026, 6, 1), total=12
    )
    ActivityReport.objects.filter(pk__in=[first.pk, second.pk]).update(
        project_code="HMLI26-PRO-777"
    )
    ActivityReport.objects.filter(pk=first.pk).update(total=9, project=project)
    response = as_user(world.coordinator).get(
        reverse("planning:project_detail", args=["mali", project.pk])
    )
    body = response.content.decode()
    assert response.status_code == 200
    # One partner, activity, place and group: its best month (12) counts, not 9 + 12.
    assert "People reached: 12" in body or "Personnes atteintes : 12" in body
