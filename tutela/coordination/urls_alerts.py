"""Alert and mission pages, under /o/<slug>/coordination/ (namespace "coordination")."""

from django.urls import path

from tutela.coordination.views import alerts as views

urlpatterns = [
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/new/", views.alert_create, name="alert_create"),
    path("alerts/from-signal/<int:signal>/", views.alert_from_signal, name="alert_from_signal"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert_detail"),
    path("alerts/<int:pk>/edit/", views.alert_edit, name="alert_edit"),
    path("alerts/<int:pk>/recipients/", views.alert_recipients, name="alert_recipients"),
    path(
        "alerts/<int:pk>/recipients/refresh/",
        views.alert_recipients_refresh,
        name="alert_recipients_refresh",
    ),
    path(
        "alerts/<int:pk>/recipients/<int:recipient>/remove/",
        views.alert_recipient_remove,
        name="alert_recipient_remove",
    ),
    path("alerts/<int:pk>/send/", views.alert_send, name="alert_send"),
    path("alerts/<int:pk>/close/", views.alert_close, name="alert_close"),
    path("alerts/<int:pk>/tracking/", views.alert_tracking, name="alert_tracking"),
    path("alerts/<int:pk>/acknowledge/", views.alert_acknowledge, name="alert_acknowledge"),
    # The e-mailed acknowledgement link: no sign-in needed, the token is the proof.
    path("alerts/<int:pk>/ack/<str:token>/", views.alert_ack, name="alert_ack"),
    path("missions/", views.missions, name="missions"),
    path("missions/new/", views.mission_create, name="mission_create"),
    path("missions/<int:pk>/", views.mission_detail, name="mission_detail"),
    path("missions/<int:pk>/edit/", views.mission_edit, name="mission_edit"),
    path(
        "missions/<int:pk>/action-points/new/",
        views.mission_action_point_create,
        name="mission_action_point_create",
    ),
]
