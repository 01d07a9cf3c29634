"""5W analysis pages, under /o/<slug>/5w/ (url names "activities:<name>")."""

from django.urls import path

from tutela.activities.views import analysis

urlpatterns = [
    path("pivot/", analysis.pivot_page, name="pivot"),
    path("presence/", analysis.presence_map, name="presence_map"),
    path("presence.geojson", analysis.presence_geojson, name="presence_geojson"),
    path("presence.png", analysis.presence_png, name="presence_png"),
    path("coverage/", analysis.coverage_map, name="coverage_map"),
    path("coverage.geojson", analysis.coverage_geojson, name="coverage_geojson"),
    path("coverage.png", analysis.coverage_png, name="coverage_png"),
    path("gaps/", analysis.gaps_page, name="gaps"),
]
