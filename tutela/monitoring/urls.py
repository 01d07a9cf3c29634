"""The monitoring pages, under /o/<slug>/monitoring/ (url names "monitoring:<name>"); the API's
routes are in tutela.monitoring.api.urls. An early-warning signal becomes an alert through the
coordination pages (coordination:alert_from_signal), the one path for it."""

from django.urls import include, path

from tutela.monitoring.views import (
    analysis,
    import_fix,
    import_mappings,
    import_profiles,
    imports,
    incidents,
    pau,
    settings,
    signals,
)

app_name = "monitoring"

pages = [
    # Incident records.
    path("", incidents.home, name="home"),
    path("incidents/", incidents.incident_list, name="incident_list"),
    path("incidents/new/", incidents.incident_create, name="incident_create"),
    path("incidents/<int:pk>/", incidents.incident_detail, name="incident_detail"),
    path("incidents/<int:pk>/edit/", incidents.incident_edit, name="incident_edit"),
    path("incidents/<int:pk>/delete/", incidents.incident_delete, name="incident_delete"),
    path("duplicates/", incidents.duplicates, name="duplicates"),
    path("duplicates/<int:pk>/", incidents.duplicate_decide, name="duplicate_decide"),
    # Imports, mappings and XLSForms.
    path("import/", imports.upload, name="import"),
    path("imports/", imports.import_list, name="import_list"),
    path("imports/mappings/", import_mappings.mapping_list, name="mapping_list"),
    path("imports/profiles/", import_profiles.profile_list, name="profile_list"),
    path(
        "imports/profiles/<str:kind>/<slug:name>.json",
        import_profiles.profile_download,
        name="profile_download",
    ),
    path("imports/mappings/<int:pk>/edit/", import_mappings.mapping_edit, name="mapping_edit"),
    path(
        "imports/mappings/<int:pk>/delete/", import_mappings.mapping_delete, name="mapping_delete"
    ),
    path(
        "imports/mappings/<int:pk>/values.csv",
        import_mappings.mapping_values_export,
        name="mapping_values_export",
    ),
    path(
        "imports/mappings/<int:pk>/values/import/",
        import_mappings.mapping_values_import,
        name="mapping_values_import",
    ),
    path("imports/<int:pk>/", imports.import_detail, name="import_detail"),
    path("imports/<int:pk>/progress/", imports.import_progress, name="import_progress"),
    path("imports/<int:pk>/problems.xlsx", imports.import_annotated, name="import_annotated"),
    path("imports/<int:pk>/import/", imports.import_commit, name="import_commit"),
    path("imports/<int:pk>/mapping/", imports.import_mapping, name="import_mapping"),
    path("imports/<int:pk>/places/", imports.import_places, name="import_places"),
    path("imports/<int:pk>/fix/", import_fix.import_fix, name="import_fix"),
    path("imports/<int:pk>/file/", import_fix.import_original, name="import_original"),
    path("xlsform/incidents.xlsx", import_profiles.xlsform_incidents, name="xlsform_incidents"),
    path("xlsform/community.xlsx", import_profiles.xlsform_community, name="xlsform_community"),
    # Analysis, hot spots and early-warning signals.
    path("analysis/", analysis.dashboard, name="analysis"),
    path("analysis/chart/", analysis.chart, name="analysis_chart"),
    path("analysis/hotspots/", analysis.hotspots_page, name="hotspots"),
    path("analysis/hotspots.geojson", analysis.hotspots_geojson, name="hotspots_geojson"),
    path("analysis/hotspots.png", analysis.hotspots_png, name="hotspots_png"),
    path("analysis/community/", analysis.community_page, name="community"),
    path("signals/", signals.signals_page, name="signals"),
    path("signals/run/", signals.signals_run, name="signals_run"),
    path("signals/<int:pk>/dismiss/", signals.signal_dismiss, name="signal_dismiss"),
    # Protection Analysis Updates and the monitoring settings.
    path("pau/", pau.pau_list, name="pau_list"),
    path("pau/new/", pau.pau_create, name="pau_create"),
    path("pau/<int:pk>/", pau.pau_detail, name="pau_detail"),
    path("pau/<int:pk>/save/", pau.pau_save, name="pau_save"),
    path("pau/<int:pk>/refresh/", pau.pau_refresh, name="pau_refresh"),
    path("pau/<int:pk>/submit/", pau.pau_submit, name="pau_submit"),
    path("pau/<int:pk>/clear/", pau.pau_clear, name="pau_clear"),
    path("pau/<int:pk>/publish/", pau.pau_publish, name="pau_publish"),
    path("pau/<int:pk>/return/", pau.pau_return, name="pau_return"),
    path("pau/<int:pk>/download/<str:fmt>/", pau.pau_download, name="pau_download"),
    path("settings/", settings.settings_home, name="settings"),
    path("settings/sharing/", settings.settings_sharing, name="settings_sharing"),
    path("settings/populations/", settings.settings_populations, name="settings_populations"),
    path("settings/mappings/", settings.settings_mappings, name="settings_mappings"),
    path(
        "settings/mappings/<int:pk>/", settings.settings_mapping_edit, name="settings_mapping_edit"
    ),
    path(
        "settings/mappings/<int:pk>/delete/",
        settings.settings_mapping_delete,
        name="settings_mapping_delete",
    ),
    path(
        "settings/reference/<slug:kind>/",
        settings.settings_reference,
        name="settings_reference",
    ),
    path(
        "settings/reference/<slug:kind>/new/",
        settings.settings_reference_edit,
        name="settings_reference_new",
    ),
    path(
        "settings/reference/<slug:kind>/<int:pk>/",
        settings.settings_reference_edit,
        name="settings_reference_edit",
    ),
]

urlpatterns = [path("o/<slug:slug>/monitoring/", include(pages))]
