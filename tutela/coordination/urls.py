from django.urls import include, path

app_name = "coordination"

urlpatterns = [
    path("o/<slug:slug>/coordination/", include("tutela.coordination.urls_meetings")),
    path("o/<slug:slug>/coordination/", include("tutela.coordination.urls_actions")),
    path("o/<slug:slug>/coordination/", include("tutela.coordination.urls_alerts")),
    path("o/<slug:slug>/coordination/", include("tutela.coordination.urls_advocacy")),
]
