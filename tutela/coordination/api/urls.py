"""The coordination API, under /api/v1/: meetings (namespace "coordination-meetings-api"),
action points and alerts ("coordination-actions-api"), advocacy recommendations and documents under
clearance ("advocacy-api")."""

from django.urls import include, path

from tutela.coordination.api import actions, advocacy, alerts, meetings

operation = "operations/<slug:slug>/"

meeting_patterns = [
    path(f"{operation}meetings/", meetings.MeetingListView.as_view(), name="meeting-list"),
    path(
        f"{operation}meetings/series/",
        meetings.MeetingSeriesCreateView.as_view(),
        name="meeting-series",
    ),
    path(
        f"{operation}meetings/<int:pk>/",
        meetings.MeetingDetailView.as_view(),
        name="meeting-detail",
    ),
    path(
        f"{operation}meetings/<int:pk>/cancel/",
        meetings.MeetingCancelView.as_view(),
        name="meeting-cancel",
    ),
    path(
        f"{operation}meetings/<int:pk>/attendance/",
        meetings.MeetingAttendanceView.as_view(),
        name="meeting-attendance",
    ),
    path(
        f"{operation}meetings/<int:pk>/minutes/",
        meetings.MinutesView.as_view(),
        name="meeting-minutes",
    ),
    path(
        f"{operation}meetings/<int:pk>/minutes/approve/",
        meetings.MinutesApproveView.as_view(),
        name="meeting-minutes-approve",
    ),
]

action_patterns = [
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

advocacy_patterns = [
    path(
        f"{operation}recommendations/",
        advocacy.RecommendationListView.as_view(),
        name="recommendations",
    ),
    path(
        f"{operation}recommendations/<int:pk>/",
        advocacy.RecommendationDetailView.as_view(),
        name="recommendation",
    ),
    path(
        f"{operation}recommendations/<int:pk>/follow-ups/",
        advocacy.RecommendationFollowUpView.as_view(),
        name="recommendation_follow_ups",
    ),
    path(f"{operation}documents/", advocacy.DocumentListView.as_view(), name="documents"),
    path(f"{operation}documents/<int:pk>/", advocacy.DocumentDetailView.as_view(), name="document"),
    path(
        f"{operation}documents/<int:pk>/submit/",
        advocacy.DocumentSubmitView.as_view(),
        name="document_submit",
    ),
    path(
        f"{operation}documents/<int:pk>/clear/",
        advocacy.DocumentClearView.as_view(),
        name="document_clear",
    ),
    path(
        f"{operation}documents/<int:pk>/return/",
        advocacy.DocumentReturnView.as_view(),
        name="document_return",
    ),
    path(
        f"{operation}documents/<int:pk>/publish/",
        advocacy.DocumentPublishView.as_view(),
        name="document_publish",
    ),
    path(
        f"{operation}documents/<int:pk>/circulate/",
        advocacy.DocumentCirculateView.as_view(),
        name="document_circulate",
    ),
]

urlpatterns = [
    path("", include((meeting_patterns, "coordination-meetings-api"))),
    path("", include((action_patterns, "coordination-actions-api"))),
    path("", include((advocacy_patterns, "advocacy-api"))),
]
