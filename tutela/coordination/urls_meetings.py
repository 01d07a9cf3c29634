"""Coordination home and meeting pages, under /o/<slug>/coordination/ (namespace
"coordination")."""

from django.urls import path

from tutela.coordination.views import meetings as views

meeting = "meetings/<int:pk>/"

urlpatterns = [
    path("", views.home, name="home"),
    path("meetings/", views.meeting_list, name="meetings"),
    path("meetings/calendar/", views.meeting_calendar, name="meeting_calendar"),
    path("meetings/new/", views.meeting_create, name="meeting_create"),
    path("meetings/participation/", views.participation, name="participation"),
    path("meetings/feeds/", views.calendar_feeds, name="calendar_feeds"),
    path("meetings/feed/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path(meeting, views.meeting_detail, name="meeting_detail"),
    path(f"{meeting}edit/", views.meeting_edit, name="meeting_edit"),
    path(f"{meeting}cancel/", views.meeting_cancel, name="meeting_cancel"),
    path(f"{meeting}invitations/", views.invitations_send, name="meeting_invitations"),
    path(f"{meeting}meeting.ics", views.meeting_ics, name="meeting_ics"),
    path(f"{meeting}agenda/", views.agenda_add, name="agenda_add"),
    path(f"{meeting}agenda/<int:item_pk>/move/", views.agenda_move, name="agenda_move"),
    path(f"{meeting}agenda/<int:item_pk>/remove/", views.agenda_remove, name="agenda_remove"),
    path(f"{meeting}documents/", views.document_upload, name="meeting_document_upload"),
    path(
        f"{meeting}documents/<int:doc_pk>/",
        views.document_download,
        name="meeting_document",
    ),
    path(
        f"{meeting}documents/<int:doc_pk>/remove/",
        views.document_remove,
        name="meeting_document_remove",
    ),
    path(f"{meeting}attendance/", views.attendance, name="meeting_attendance"),
    path(f"{meeting}minutes/", views.minutes_edit, name="minutes_edit"),
    path(
        f"{meeting}minutes/action-points/",
        views.minutes_action_point,
        name="minutes_action_point",
    ),
    path(f"{meeting}minutes/approve/", views.minutes_approve, name="minutes_approve"),
    path(f"{meeting}minutes/circulate/", views.minutes_circulate, name="minutes_circulate"),
    path(
        f"{meeting}minutes.<str:fmt>",
        views.minutes_export,
        name="minutes_export",
    ),
]
