from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The "split" view serves its start-up script as a file, not inline: our CSP forbids inline
    # scripts.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("v1/", include("tutela.core.api.urls")),
    path("v1/", include("tutela.activities.api.urls")),
    path("v1/", include("tutela.monitoring.api.urls")),
    path("v1/", include("tutela.coordination.api.urls")),
    path("v1/", include("tutela.planning.api.urls")),
]
