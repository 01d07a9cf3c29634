"""Planning and funding pages, under /o/<slug>/planning/."""

from django.urls import include, path

from tutela.planning.views import allocations, funding, plans, projects, proposals

app_name = "planning"

plan_patterns = [
    path("", plans.home, name="home"),
    path("plans/new/", plans.plan_create, name="plan_create"),
    path("plans/<int:pk>/", plans.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/edit/", plans.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/framework.<str:fmt>", plans.framework_export, name="framework_export"),
    path("plans/<int:pk>/objectives/new/", plans.objective_create, name="objective_create"),
    path(
        "plans/<int:pk>/objectives/<int:objective_pk>/edit/",
        plans.objective_edit,
        name="objective_edit",
    ),
    path(
        "plans/<int:pk>/objectives/<int:objective_pk>/delete/",
        plans.objective_delete,
        name="objective_delete",
    ),
    path("plans/<int:pk>/indicators/new/", plans.indicator_create, name="indicator_create"),
    path(
        "plans/<int:pk>/indicators/<int:indicator_pk>/",
        plans.indicator_detail,
        name="indicator_detail",
    ),
    path(
        "plans/<int:pk>/indicators/<int:indicator_pk>/edit/",
        plans.indicator_edit,
        name="indicator_edit",
    ),
    path(
        "plans/<int:pk>/indicators/<int:indicator_pk>/targets/",
        plans.indicator_targets,
        name="indicator_targets",
    ),
    path(
        "plans/<int:pk>/indicators/<int:indicator_pk>/delete/",
        plans.indicator_delete,
        name="indicator_delete",
    ),
    path("plans/<int:pk>/requirements/", plans.requirement_set, name="requirement_set"),
    path("plans/<int:pk>/versions/new/", plans.version_save, name="version_save"),
    path("plans/<int:pk>/revision/", plans.revision_start, name="revision_start"),
    path("plans/<int:pk>/versions/<int:number>/", plans.version_detail, name="version_detail"),
]

project_patterns = [
    path("projects/", projects.project_list, name="projects"),
    path("projects/new/", projects.project_create, name="project_create"),
    path("projects/<int:pk>/", projects.project_detail, name="project_detail"),
    path("projects/<int:pk>/edit/", projects.project_edit, name="project_edit"),
    path("projects/<int:pk>/submit/", projects.project_submit, name="project_submit"),
    path("projects/<int:pk>/comment/", projects.project_comment, name="project_comment"),
    path("projects/<int:pk>/return/", projects.project_return, name="project_return"),
    path("projects/<int:pk>/approve/", projects.project_approve, name="project_approve"),
    path("projects/<int:pk>/withdraw/", projects.project_withdraw, name="project_withdraw"),
    path(
        "projects/<int:pk>/versions/<int:number>/",
        projects.project_version,
        name="project_version",
    ),
]

funding_patterns = [
    path("funding/", funding.funding_dashboard, name="funding"),
    path("funding/chart.<str:fmt>", funding.funding_chart, name="funding_chart"),
    path("funding/export.<str:fmt>", funding.funding_export, name="funding_export"),
    path("funding/flows/", funding.flow_list, name="flows"),
    path("funding/flows/export.<str:fmt>", funding.flow_export, name="flow_export"),
    path("funding/flows/new/", funding.flow_create, name="flow_create"),
    path("funding/flows/<int:pk>/edit/", funding.flow_edit, name="flow_edit"),
    path("funding/flows/<int:pk>/delete/", funding.flow_delete, name="flow_delete"),
    path("funding/import/", funding.fts_upload, name="fts_upload"),
    path("funding/imports/<int:pk>/", funding.fts_import_detail, name="fts_import"),
    path(
        "funding/imports/<int:pk>/progress/",
        funding.fts_import_progress,
        name="fts_import_progress",
    ),
    path("funding/imports/<int:pk>/commit/", funding.fts_import_commit, name="fts_import_commit"),
    path(
        "funding/imports/<int:pk>/problems.xlsx",
        funding.fts_import_annotated,
        name="fts_import_annotated",
    ),
]

allocation = "allocations/<int:pk>/"
proposal = f"{allocation}proposals/<int:proposal_pk>/"
allocation_patterns = [
    path("allocations/", allocations.allocation_list, name="allocations"),
    path("allocations/new/", allocations.allocation_create, name="allocation_create"),
    path(allocation, allocations.allocation_detail, name="allocation_detail"),
    path(f"{allocation}edit/", allocations.allocation_edit, name="allocation_edit"),
    path(f"{allocation}move/<str:step>/", allocations.allocation_move, name="allocation_move"),
    path(f"{allocation}eligibility/", allocations.eligibility, name="eligibility"),
    path(f"{allocation}committee/", allocations.committee, name="committee"),
    path(f"{allocation}ties/", allocations.ties, name="ties"),
    path(f"{allocation}conflicts/", allocations.conflicts, name="conflicts"),
    path(f"{allocation}scorecard/", allocations.scorecard, name="scorecard"),
    path(f"{allocation}ranking/", allocations.ranking, name="ranking"),
    path(
        f"{allocation}ranking/draft/",
        allocations.recommendation_draft,
        name="recommendation_draft",
    ),
    path(
        f"{allocation}recommendation.<str:fmt>",
        allocations.recommendation_export,
        name="recommendation_export",
    ),
    path(f"{allocation}proposals/new/", proposals.proposal_create, name="proposal_create"),
    path(proposal, proposals.proposal_detail, name="proposal_detail"),
    path(f"{proposal}edit/", proposals.proposal_edit, name="proposal_edit"),
    path(f"{proposal}submit/", proposals.proposal_submit, name="proposal_submit"),
    path(f"{proposal}withdraw/", proposals.proposal_withdraw, name="proposal_withdraw"),
    path(f"{proposal}attachments/", proposals.proposal_attach, name="proposal_attach"),
    path(
        f"{proposal}attachments/<int:attachment_pk>/",
        proposals.attachment_download,
        name="attachment_download",
    ),
    path(
        f"{proposal}attachments/<int:attachment_pk>/remove/",
        proposals.attachment_remove,
        name="attachment_remove",
    ),
    path(f"{proposal}prereview/", proposals.proposal_prereview, name="proposal_prereview"),
    path(f"{proposal}declare/", proposals.proposal_declare, name="proposal_declare"),
    path(f"{proposal}score/", proposals.proposal_score, name="proposal_score"),
    path(f"{proposal}scores/", proposals.proposal_scores, name="proposal_scores"),
    path(f"{proposal}consensus/", proposals.proposal_consensus, name="proposal_consensus"),
    path(f"{proposal}justify/", proposals.proposal_justify, name="proposal_justify"),
]

urlpatterns = [
    path("o/<slug:slug>/planning/", include(plan_patterns)),
    path("o/<slug:slug>/planning/", include(project_patterns)),
    path("o/<slug:slug>/planning/", include(funding_patterns)),
    path("o/<slug:slug>/planning/", include(allocation_patterns)),
]
