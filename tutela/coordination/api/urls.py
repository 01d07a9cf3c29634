from django.urls import include, path

urlpatterns = [
    path("", include("tutela.coordination.api.urls_meetings")),
    path("", include("tutela.coordination.api.urls_actions")),
    path("", include("tutela.coordination.api.urls_advocacy")),
]
