"""Incident record pages, under /o/<slug>/monitoring/ (url names "monitoring:<name>")."""

from django.urls import path

from tutela.monitoring.views import incidents

urlpatterns = [
    path("", incidents.home, name="home"),
    path("incidents/", incidents.incident_list, name="incident_list"),
    path("incidents/new/", incidents.incident_create, name="incident_create"),
    path("incidents/<int:pk>/", incidents.incident_detail, name="incident_detail"),
    path("incidents/<int:pk>/edit/", incidents.incident_edit, name="incident_edit"),
    path("incidents/<int:pk>/delete/", incidents.incident_delete, name="incident_delete"),
    path("duplicates/", incidents.duplicates, name="duplicates"),
    path("duplicates/<int:pk>/", incidents.duplicate_decide, name="duplicate_decide"),
]
