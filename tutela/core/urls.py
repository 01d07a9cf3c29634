from django.urls import include, path

from tutela.core.views import health, mail

app_name = "core"

urlpatterns = [
    # Health of this instance (database, worker, scheduler), for load balancers: anonymous.
    path("healthz", health.healthz, name="healthz"),
    path("", include("tutela.core.urls_accounts")),
    path("", include("tutela.core.urls_directory")),
    # The e-mail outbox ("Sent e-mail"), for the operation's managers.
    path("o/<slug:slug>/outbox/", mail.outbox, name="outbox"),
    path("o/<slug:slug>/outbox/<int:pk>/retry/", mail.outbox_retry, name="outbox_retry"),
]
