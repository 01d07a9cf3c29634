"""API of meetings, under /api/v1/ (namespace "coordination-meetings-api")."""

from django.urls import path

from tutela.coordination.api import meetings

app_name = "coordination-meetings-api"

operation = "operations/<slug:slug>/"

urlpatterns = [
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
