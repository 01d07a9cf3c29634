from django.urls import include, path

urlpatterns = [
    path("", include("tutela.monitoring.api.urls_incidents")),
    path("", include("tutela.monitoring.api.urls_analysis")),
]
