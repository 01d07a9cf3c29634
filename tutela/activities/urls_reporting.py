"""5W reporting and configuration pages, under /o/<slug>/5w/ (url names "activities:<name>")."""

from django.urls import path, re_path

from tutela.activities.views import config, reporting

# A reporting month in addresses: 2026-03.
MONTH = r"(?P<month>\d{4}-\d{2})"

urlpatterns = [
    path("", reporting.reporting_home, name="reporting_home"),
    path("rounds/new/", reporting.round_create, name="round_create"),
    path("options/areas/", reporting.area_options, name="area_options"),
    path("options/indicators/", reporting.indicator_options, name="indicator_options"),
    re_path(rf"^{MONTH}/$", reporting.round_detail, name="round_detail"),
    re_path(rf"^{MONTH}/status/$", reporting.round_action, name="round_action"),
    re_path(rf"^{MONTH}/deadline/$", reporting.round_deadline, name="round_deadline"),
    re_path(rf"^{MONTH}/rows/$", reporting.rows_grid, name="rows_grid"),
    re_path(rf"^{MONTH}/rows/lines/$", reporting.grid_lines, name="grid_lines"),
    re_path(rf"^{MONTH}/rows/(?P<pk>\d+)/delete/$", reporting.row_delete, name="row_delete"),
    re_path(rf"^{MONTH}/submit/$", reporting.submission_submit, name="submission_submit"),
    re_path(
        rf"^{MONTH}/submissions/(?P<acronym>[^/]+)/$",
        reporting.submission_detail,
        name="submission_detail",
    ),
    re_path(
        rf"^{MONTH}/submissions/(?P<acronym>[^/]+)/review/$",
        reporting.submission_review,
        name="submission_review",
    ),
    # Configuration (managers)
    path("config/", config.config_home, name="config_home"),
    path("config/activities/", config.activity_list, name="activity_list"),
    path("config/activities/new/", config.activity_create, name="activity_create"),
    path("config/activities/<int:pk>/", config.activity_edit, name="activity_edit"),
    path("config/population-groups/", config.population_groups, name="population_groups"),
    path(
        "config/population-groups/new/",
        config.population_group_create,
        name="population_group_create",
    ),
    path(
        "config/population-groups/<int:pk>/",
        config.population_group_edit,
        name="population_group_edit",
    ),
    path("config/settings/", config.settings_edit, name="settings_edit"),
    path("config/planning/", config.planning_figures, name="planning_figures"),
]
