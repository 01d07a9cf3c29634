"""API of planning and funding, under /api/v1/operations/<slug>/planning/."""

from django.urls import path

from tutela.planning.api import allocations, funding, plans, projects

app_name = "planning-api"

base = "operations/<slug:slug>/planning/"
plan = f"{base}plans/<int:pk>/"
project = f"{base}projects/<int:pk>/"
allocation = f"{base}allocations/<int:pk>/"
proposal = f"{allocation}proposals/<int:proposal_pk>/"

urlpatterns = [
    path(f"{base}plans/", plans.PlanListView.as_view(), name="plans"),
    path(plan, plans.PlanDetailView.as_view(), name="plan"),
    path(f"{plan}framework/", plans.PlanFrameworkView.as_view(), name="plan_framework"),
    path(f"{plan}objectives/", plans.ObjectiveCreateView.as_view(), name="plan_objectives"),
    path(f"{plan}indicators/", plans.IndicatorCreateView.as_view(), name="plan_indicators"),
    path(
        f"{plan}indicators/<int:indicator_pk>/",
        plans.IndicatorDetailView.as_view(),
        name="plan_indicator",
    ),
    path(
        f"{plan}indicators/<int:indicator_pk>/progress/",
        plans.IndicatorProgressView.as_view(),
        name="plan_indicator_progress",
    ),
    path(
        f"{plan}indicators/<int:indicator_pk>/targets/",
        plans.IndicatorTargetsView.as_view(),
        name="plan_indicator_targets",
    ),
    path(f"{plan}requirements/", plans.RequirementView.as_view(), name="plan_requirements"),
    path(f"{plan}versions/", plans.VersionCreateView.as_view(), name="plan_versions"),
    path(f"{plan}revision/", plans.RevisionStartView.as_view(), name="plan_revision"),
    path(f"{base}projects/", projects.ProjectListView.as_view(), name="projects"),
    path(project, projects.ProjectDetailView.as_view(), name="project"),
    path(f"{project}submit/", projects.ProjectSubmitView.as_view(), name="project_submit"),
    path(f"{project}return/", projects.ProjectReturnView.as_view(), name="project_return"),
    path(f"{project}approve/", projects.ProjectApproveView.as_view(), name="project_approve"),
    path(f"{project}events/", projects.ProjectEventsView.as_view(), name="project_events"),
    path(f"{project}reported/", projects.ProjectReportedView.as_view(), name="project_reported"),
    path(f"{base}funding/coverage/", funding.CoverageView.as_view(), name="funding_coverage"),
    path(f"{base}funding/flows/", funding.FlowListView.as_view(), name="funding_flows"),
    path(f"{base}funding/imports/", funding.ImportListView.as_view(), name="funding_imports"),
    path(
        f"{base}funding/imports/<int:pk>/",
        funding.ImportDetailView.as_view(),
        name="funding_import",
    ),
    path(f"{base}allocations/", allocations.AllocationListView.as_view(), name="allocations"),
    path(allocation, allocations.AllocationDetailView.as_view(), name="allocation"),
    path(f"{allocation}proposals/", allocations.ProposalListView.as_view(), name="proposals"),
    path(f"{allocation}ranking/", allocations.RankingView.as_view(), name="ranking"),
    path(f"{allocation}conflicts/", allocations.ConflictsView.as_view(), name="conflicts"),
    path(proposal, allocations.ProposalDetailView.as_view(), name="proposal"),
    path(f"{proposal}submit/", allocations.ProposalSubmitView.as_view(), name="proposal_submit"),
    path(
        f"{proposal}prereview/",
        allocations.ProposalPrereviewView.as_view(),
        name="proposal_prereview",
    ),
    path(f"{proposal}declaration/", allocations.DeclarationView.as_view(), name="declaration"),
    path(f"{proposal}scores/", allocations.ScoresView.as_view(), name="scores"),
]
