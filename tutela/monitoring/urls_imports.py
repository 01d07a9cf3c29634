"""Monitoring imports, mappings and XLSForms, under /o/<slug>/monitoring/."""

from django.urls import path

from tutela.monitoring.views import imports

urlpatterns = [
    path("import/", imports.upload, name="import"),
    path("imports/", imports.import_list, name="import_list"),
    path("imports/mappings/", imports.mapping_list, name="mapping_list"),
    path("imports/mappings/<int:pk>/edit/", imports.mapping_edit, name="mapping_edit"),
    path("imports/mappings/<int:pk>/delete/", imports.mapping_delete, name="mapping_delete"),
    path("imports/<int:pk>/", imports.import_detail, name="import_detail"),
    path("imports/<int:pk>/progress/", imports.import_progress, name="import_progress"),
    path("imports/<int:pk>/problems.xlsx", imports.import_annotated, name="import_annotated"),
    path("imports/<int:pk>/import/", imports.import_commit, name="import_commit"),
    path("imports/<int:pk>/mapping/", imports.import_mapping, name="import_mapping"),
    path("xlsform/incidents.xlsx", imports.xlsform_incidents, name="xlsform_incidents"),
    path("xlsform/community.xlsx", imports.xlsform_community, name="xlsform_community"),
]
