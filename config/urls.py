from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("api/", include("config.api_urls")),
    path("", include("tutela.activities.urls")),
    path("", include("tutela.monitoring.urls")),
    path("", include("tutela.coordination.urls")),
    path("", include("tutela.cases.urls")),
    path("", include("tutela.capacity.urls")),
    path("", include("tutela.planning.urls")),
    path("", include("tutela.core.urls")),
]

handler400 = "tutela.core.views.errors.bad_request"
handler403 = "tutela.core.views.errors.permission_denied"
handler404 = "tutela.core.views.errors.page_not_found"
handler500 = "tutela.core.views.errors.server_error"
