"""The monitoring API (mounted under /api/v1/): incident records and the analysis aggregates."""

from django.urls import path

from tutela.monitoring.api import analysis, incidents

base = "operations/<slug:slug>/monitoring/"

urlpatterns = [
    path(f"{base}incidents/", incidents.IncidentListView.as_view(), name="monitoring-incidents"),
    path(
        f"{base}incidents/<int:pk>/",
        incidents.IncidentDetailView.as_view(),
        name="monitoring-incident",
    ),
    path(f"{base}trend/", analysis.TrendView.as_view(), name="monitoring-trend"),
    path(f"{base}top-risks/", analysis.TopRisksView.as_view(), name="monitoring-top-risks"),
    path(f"{base}hotspots/", analysis.HotspotsView.as_view(), name="monitoring-hotspots"),
    path(f"{base}signals/", analysis.SignalsView.as_view(), name="monitoring-signals"),
]
