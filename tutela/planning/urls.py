"""Planning and funding pages, under /o/<slug>/planning/."""

from django.urls import include, path

from tutela.planning.views import funding, plans, projects

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

urlpatterns = [
    path("o/<slug:slug>/planning/", include(plan_patterns)),
    path("o/<slug:slug>/planning/", include(project_patterns)),
    path("o/<slug:slug>/planning/", include(funding_patterns)),
]
