"""The 5W pages, under /o/<slug>/5w/ (url names "activities:<name>"); the API is api/urls.py."""

from django.urls import include, path, re_path

from tutela.activities.views import (
    analysis,
    config,
    exports,
    import_fix,
    import_mapping,
    import_sharing,
    imports,
    reporting,
)

app_name = "activities"

# A reporting month in addresses: 2026-03.
MONTH = r"(?P<month>\d{4}-\d{2})"

reporting_patterns = [
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
]

config_patterns = [
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

# Uploads, column mappings, import history and the planning figures upload.
import_patterns = [
    path("upload/", imports.upload, name="upload"),
    path("imports/", imports.import_list, name="import_list"),
    path("imports/<int:pk>/", imports.import_detail, name="import_detail"),
    path("imports/<int:pk>/progress/", imports.import_progress, name="import_progress"),
    path("imports/<int:pk>/problems.xlsx", imports.import_annotated, name="import_annotated"),
    path("imports/<int:pk>/import/", imports.import_commit, name="import_commit"),
    path("imports/<int:pk>/mapping/", import_mapping.import_mapping, name="import_mapping"),
    path("imports/<int:pk>/places/", imports.import_places, name="import_places"),
    path("imports/<int:pk>/fix/", import_fix.import_fix, name="import_fix"),
    path("imports/<int:pk>/file/", import_fix.import_original, name="import_original"),
    path("imports/profiles/", import_sharing.profile_list, name="profile_list"),
    path(
        "imports/profiles/<slug:name>.json",
        import_sharing.profile_download,
        name="profile_download",
    ),
    path("imports/mappings/", import_sharing.mapping_list, name="mapping_list"),
    path("imports/mappings/<int:pk>/", import_sharing.mapping_detail, name="mapping_detail"),
    path(
        "imports/mappings/<int:pk>/delete/",
        import_sharing.mapping_delete,
        name="mapping_delete",
    ),
    path(
        "imports/mappings/<int:pk>/values.csv",
        import_sharing.mapping_values_export,
        name="mapping_values_export",
    ),
    path(
        "imports/mappings/<int:pk>/values/import/",
        import_sharing.mapping_values_import,
        name="mapping_values_import",
    ),
    path("config/planning/upload/", imports.planning_upload, name="planning_upload"),
]

analysis_patterns = [
    path("pivot/", analysis.pivot_page, name="pivot"),
    path("presence/", analysis.presence_map, name="presence_map"),
    path("presence.geojson", analysis.presence_geojson, name="presence_geojson"),
    path("presence.png", analysis.presence_png, name="presence_png"),
    path("coverage/", analysis.coverage_map, name="coverage_map"),
    path("coverage.geojson", analysis.coverage_geojson, name="coverage_geojson"),
    path("coverage.png", analysis.coverage_png, name="coverage_png"),
    path("gaps/", analysis.gaps_page, name="gaps"),
]

export_patterns = [
    path("template.xlsx", exports.template_download, name="template_download"),
    path("export.<str:fmt>", exports.rows_export, name="rows_export"),
]

urlpatterns = [
    path(
        "o/<slug:slug>/5w/",
        include(
            reporting_patterns
            + config_patterns
            + import_patterns
            + analysis_patterns
            + export_patterns
        ),
    ),
]
