"""Monitoring analysis API (mounted under /api/v1/)."""

from django.urls import path

from tutela.monitoring.api import analysis

base = "operations/<slug:slug>/monitoring/"

urlpatterns = [
    path(f"{base}trend/", analysis.TrendView.as_view(), name="monitoring-trend"),
    path(f"{base}top-risks/", analysis.TopRisksView.as_view(), name="monitoring-top-risks"),
    path(f"{base}hotspots/", analysis.HotspotsView.as_view(), name="monitoring-hotspots"),
    path(f"{base}signals/", analysis.SignalsView.as_view(), name="monitoring-signals"),
]
