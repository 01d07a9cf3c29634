from django.urls import include, path

app_name = "monitoring"

urlpatterns = [
    path("o/<slug:slug>/monitoring/", include("tutela.monitoring.urls_incidents")),
    path("o/<slug:slug>/monitoring/", include("tutela.monitoring.urls_imports")),
    path("o/<slug:slug>/monitoring/", include("tutela.monitoring.urls_analysis")),
    path("o/<slug:slug>/monitoring/", include("tutela.monitoring.urls_pau")),
]
