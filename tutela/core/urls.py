from django.urls import include, path

app_name = "core"

urlpatterns = [
    path("", include("tutela.core.urls_accounts")),
    path("", include("tutela.core.urls_directory")),
]
