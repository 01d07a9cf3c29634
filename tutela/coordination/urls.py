"""Coordination pages, under /o/<slug>/coordination/ (namespace "coordination"): the home and
meetings, action points, alerts and missions, advocacy recommendations and documents under
clearance."""

from django.urls import include, path

from tutela.coordination.views import (
    actions,
    advocacy,
    alerts,
    documents,
    meetings,
    minutes,
    participation,
)

app_name = "coordination"

meeting = "meetings/<int:pk>/"

pages = [
    # Home and meetings
    path("", meetings.home, name="home"),
    path("meetings/", meetings.meeting_list, name="meetings"),
    path("meetings/calendar/", meetings.meeting_calendar, name="meeting_calendar"),
    path("meetings/new/", meetings.meeting_create, name="meeting_create"),
    path("meetings/participation/", participation.participation, name="participation"),
    path("meetings/feeds/", participation.calendar_feeds, name="calendar_feeds"),
    path("meetings/feed/<str:token>.ics", participation.calendar_feed, name="calendar_feed"),
    path(meeting, meetings.meeting_detail, name="meeting_detail"),
    path(f"{meeting}edit/", meetings.meeting_edit, name="meeting_edit"),
    path(f"{meeting}cancel/", meetings.meeting_cancel, name="meeting_cancel"),
    path(f"{meeting}invitations/", meetings.invitations_send, name="meeting_invitations"),
    path(f"{meeting}meeting.ics", meetings.meeting_ics, name="meeting_ics"),
    path(f"{meeting}agenda/", meetings.agenda_add, name="agenda_add"),
    path(f"{meeting}agenda/<int:item_pk>/move/", meetings.agenda_move, name="agenda_move"),
    path(f"{meeting}agenda/<int:item_pk>/remove/", meetings.agenda_remove, name="agenda_remove"),
    path(f"{meeting}documents/", meetings.document_upload, name="meeting_document_upload"),
    path(
        f"{meeting}documents/<int:doc_pk>/",
        meetings.document_download,
        name="meeting_document",
    ),
    path(
        f"{meeting}documents/<int:doc_pk>/remove/",
        meetings.document_remove,
        name="meeting_document_remove",
    ),
    path(f"{meeting}attendance/", meetings.attendance, name="meeting_attendance"),
    path(f"{meeting}minutes/", minutes.minutes_edit, name="minutes_edit"),
    path(
        f"{meeting}minutes/action-points/",
        minutes.minutes_action_point,
        name="minutes_action_point",
    ),
    path(f"{meeting}minutes/approve/", minutes.minutes_approve, name="minutes_approve"),
    path(f"{meeting}minutes/circulate/", minutes.minutes_circulate, name="minutes_circulate"),
    path(
        f"{meeting}minutes.<str:fmt>",
        minutes.minutes_export,
        name="minutes_export",
    ),
    # Action points
    path("action-points/", actions.action_points, name="action_points"),
    path("action-points/mine/", actions.my_action_points, name="my_action_points"),
    path("action-points/overdue/", actions.overdue, name="overdue"),
    path("action-points/new/", actions.action_point_create, name="action_point_create"),
    path("action-points/<int:pk>/", actions.action_point_detail, name="action_point_detail"),
    path("action-points/<int:pk>/edit/", actions.action_point_edit, name="action_point_edit"),
    path("action-points/<int:pk>/status/", actions.action_point_status, name="action_point_status"),
    path(
        "action-points/<int:pk>/comment/",
        actions.action_point_comment,
        name="action_point_comment",
    ),
    # Alerts and missions
    path("alerts/", alerts.alerts, name="alerts"),
    path("alerts/new/", alerts.alert_create, name="alert_create"),
    path("alerts/from-signal/<int:signal>/", alerts.alert_from_signal, name="alert_from_signal"),
    path("alerts/<int:pk>/", alerts.alert_detail, name="alert_detail"),
    path("alerts/<int:pk>/edit/", alerts.alert_edit, name="alert_edit"),
    path("alerts/<int:pk>/recipients/", alerts.alert_recipients, name="alert_recipients"),
    path(
        "alerts/<int:pk>/recipients/refresh/",
        alerts.alert_recipients_refresh,
        name="alert_recipients_refresh",
    ),
    path(
        "alerts/<int:pk>/recipients/<int:recipient>/remove/",
        alerts.alert_recipient_remove,
        name="alert_recipient_remove",
    ),
    path("alerts/<int:pk>/send/", alerts.alert_send, name="alert_send"),
    path("alerts/<int:pk>/close/", alerts.alert_close, name="alert_close"),
    path("alerts/<int:pk>/tracking/", alerts.alert_tracking, name="alert_tracking"),
    path("alerts/<int:pk>/acknowledge/", alerts.alert_acknowledge, name="alert_acknowledge"),
    # The e-mailed acknowledgement link: no sign-in needed, the token is the proof.
    path("alerts/<int:pk>/ack/<str:token>/", alerts.alert_ack, name="alert_ack"),
    path("missions/", alerts.missions, name="missions"),
    path("missions/new/", alerts.mission_create, name="mission_create"),
    path("missions/<int:pk>/", alerts.mission_detail, name="mission_detail"),
    path("missions/<int:pk>/edit/", alerts.mission_edit, name="mission_edit"),
    path(
        "missions/<int:pk>/action-points/new/",
        alerts.mission_action_point_create,
        name="mission_action_point_create",
    ),
    # Advocacy recommendations and documents under clearance
    path("recommendations/", advocacy.recommendations, name="recommendations"),
    path(
        "recommendations/export.<str:fmt>",
        advocacy.recommendations_export,
        name="recommendations_export",
    ),
    path("recommendations/new/", advocacy.recommendation_create, name="recommendation_create"),
    path("recommendations/<int:pk>/", advocacy.recommendation_detail, name="recommendation_detail"),
    path(
        "recommendations/<int:pk>/edit/", advocacy.recommendation_edit, name="recommendation_edit"
    ),
    path(
        "recommendations/<int:pk>/follow-up/",
        advocacy.recommendation_follow_up,
        name="recommendation_follow_up",
    ),
    path(
        "recommendations/follow-ups/<int:pk>/evidence/",
        advocacy.recommendation_evidence,
        name="recommendation_evidence",
    ),
    path("documents/", documents.documents, name="documents"),
    path("documents/new/", documents.document_create, name="document_create"),
    path("documents/<int:pk>/", documents.document_detail, name="document_detail"),
    path("documents/<int:pk>/edit/", documents.document_edit, name="document_edit"),
    path("documents/<int:pk>/upload/", documents.document_upload, name="document_upload"),
    path("documents/<int:pk>/versions/", documents.document_versions, name="document_versions"),
    path(
        "documents/<int:pk>/versions/<int:number>/download/",
        documents.document_version_download,
        name="document_version_download",
    ),
    path("documents/<int:pk>/submit/", documents.document_submit, name="document_submit"),
    path("documents/<int:pk>/clear/", documents.document_clear, name="document_clear"),
    path("documents/<int:pk>/return/", documents.document_return, name="document_return"),
    path("documents/<int:pk>/publish/", documents.document_publish, name="document_publish"),
    path("documents/<int:pk>/circulate/", documents.document_circulate, name="document_circulate"),
]

urlpatterns = [path("o/<slug:slug>/coordination/", include(pages))]
