"""API of action points and alerts, under /api/v1/ (namespace "coordination-actions-api")."""

from django.urls import path

from tutela.coordination.api import actions, alerts

app_name = "coordination-actions-api"

operation = "operations/<slug:slug>/"

urlpatterns = [
    path(
        f"{operation}action-points/",
        actions.ActionPointListView.as_view(),
        name="action-point-list",
    ),
    path(
        f"{operation}action-points/<int:pk>/",
        actions.ActionPointDetailView.as_view(),
        name="action-point-detail",
    ),
    path(
        f"{operation}action-points/<int:pk>/status/",
        actions.ActionPointStatusView.as_view(),
        name="action-point-status",
    ),
    path(
        f"{operation}action-points/<int:pk>/comments/",
        actions.ActionPointCommentView.as_view(),
        name="action-point-comment",
    ),
    path(f"{operation}alerts/", alerts.AlertListView.as_view(), name="alert-list"),
    path(f"{operation}alerts/<int:pk>/", alerts.AlertDetailView.as_view(), name="alert-detail"),
    path(
        f"{operation}alerts/<int:pk>/recipients/",
        alerts.AlertRecipientListView.as_view(),
        name="alert-recipient-list",
    ),
    path(
        f"{operation}alerts/<int:pk>/recipients/<int:recipient>/",
        alerts.AlertRecipientDetailView.as_view(),
        name="alert-recipient-detail",
    ),
    path(f"{operation}alerts/<int:pk>/send/", alerts.AlertSendView.as_view(), name="alert-send"),
    path(
        f"{operation}alerts/<int:pk>/acknowledge/",
        alerts.AlertAcknowledgeView.as_view(),
        name="alert-acknowledge",
    ),
]
