"""Incident records API (mounted under /api/v1/)."""

from django.urls import path

from tutela.monitoring.api import incidents

base = "operations/<slug:slug>/monitoring/incidents/"

urlpatterns = [
    path(base, incidents.IncidentListView.as_view(), name="monitoring-incidents"),
    path(f"{base}<int:pk>/", incidents.IncidentDetailView.as_view(), name="monitoring-incident"),
]
