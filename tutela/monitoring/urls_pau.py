"""Protection Analysis Update pages and the monitoring settings pages (mounted under
/o/<slug>/monitoring/)."""

from django.urls import path

from tutela.monitoring.views import pau, settings

urlpatterns = [
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
