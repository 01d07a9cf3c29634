"""The API under /api/: its schema and docs, and every app's endpoints under /api/v1/ (the project's
URL list, so core itself names no domain app)."""

from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import IsAuthenticated

# The schema and its browsable docs describe every endpoint and field: for signed-in people only
# (the schema answers 401 to anonymous callers, the docs page sends them to the sign-in page).
urlpatterns = [
    path(
        "schema/",
        SpectacularAPIView.as_view(permission_classes=[IsAuthenticated]),
        name="api-schema",
    ),
    # The "split" view serves its start-up script as a file, not inline: our CSP forbids inline
    # scripts.
    path(
        "docs/",
        login_required(
            SpectacularSwaggerSplitView.as_view(
                url_name="api-schema", permission_classes=[IsAuthenticated]
            )
        ),
        name="api-docs",
    ),
    path("v1/", include("tutela.core.api.urls")),
    path("v1/", include("tutela.activities.api.urls")),
    path("v1/", include("tutela.monitoring.api.urls")),
    path("v1/", include("tutela.coordination.api.urls")),
    path("v1/", include("tutela.cases.api.urls")),
    path("v1/", include("tutela.capacity.api.urls")),
    path("v1/", include("tutela.planning.api.urls")),
]
