from django.urls import include, path

app_name = "activities"

urlpatterns = [
    path("o/<slug:slug>/5w/", include("tutela.activities.urls_reporting")),
    path("o/<slug:slug>/5w/", include("tutela.activities.urls_imports")),
    path("o/<slug:slug>/5w/", include("tutela.activities.urls_analysis")),
    path("o/<slug:slug>/5w/", include("tutela.activities.urls_exports")),
]
