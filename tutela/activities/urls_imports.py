"""5W uploads, column mappings, import history and planning figures upload, under /o/<slug>/5w/."""

from django.urls import path

from tutela.activities.views import imports

urlpatterns = [
    path("upload/", imports.upload, name="upload"),
    path("imports/", imports.import_list, name="import_list"),
    path("imports/<int:pk>/", imports.import_detail, name="import_detail"),
    path("imports/<int:pk>/progress/", imports.import_progress, name="import_progress"),
    path("imports/<int:pk>/problems.xlsx", imports.import_annotated, name="import_annotated"),
    path("imports/<int:pk>/import/", imports.import_commit, name="import_commit"),
    path("imports/<int:pk>/mapping/", imports.import_mapping, name="import_mapping"),
    path("config/planning/upload/", imports.planning_upload, name="planning_upload"),
]
