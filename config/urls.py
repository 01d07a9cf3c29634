from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from tutela.core.views.accounts import language_set

urlpatterns = [
    # Django's set_language, which also keeps a signed-in user's choice on their account.
    path("i18n/setlang/", language_set, name="set_language"),
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
