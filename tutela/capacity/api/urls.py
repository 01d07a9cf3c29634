"""Capacity API under /api/v1/operations/<slug>/capacity/ (namespace "capacity-api")."""

from django.urls import path

from tutela.capacity.api import ccpm, compliance, planning, trainings, workplans

app_name = "capacity-api"

base = "operations/<slug:slug>/capacity/"

urlpatterns = [
    path(f"{base}courses/", trainings.CourseListView.as_view(), name="course-list"),
    path(f"{base}courses/<int:pk>/", trainings.CourseDetailView.as_view(), name="course-detail"),
    path(
        f"{base}courses/<int:pk>/questions/",
        trainings.QuestionListView.as_view(),
        name="question-list",
    ),
    path(f"{base}sessions/", trainings.SessionListView.as_view(), name="session-list"),
    path(f"{base}sessions/<int:pk>/", trainings.SessionDetailView.as_view(), name="session-detail"),
    path(
        f"{base}sessions/<int:pk>/registrations/",
        trainings.RegistrationListView.as_view(),
        name="registration-list",
    ),
    path(
        f"{base}sessions/<int:pk>/attendance/",
        trainings.AttendanceView.as_view(),
        name="attendance",
    ),
    path(f"{base}sessions/<int:pk>/tests/", trainings.TestListView.as_view(), name="test-list"),
    path(f"{base}sessions/<int:pk>/results/", trainings.ResultsView.as_view(), name="results"),
    path(
        f"{base}sessions/<int:pk>/certificates/",
        trainings.CertificatesView.as_view(),
        name="certificates",
    ),
    path(f"{base}tests/<int:pk>/scores/", trainings.TestScoresView.as_view(), name="test-scores"),
    path(f"{base}tests/<int:pk>/send/", trainings.TestSendView.as_view(), name="test-send"),
    path(f"{base}participants/", trainings.ParticipantListView.as_view(), name="participant-list"),
    path(
        f"{base}participants/<int:pk>/",
        trainings.ParticipantDetailView.as_view(),
        name="participant-detail",
    ),
    path(f"{base}needs/", planning.NeedsListView.as_view(), name="needs-list"),
    path(f"{base}needs/<int:pk>/", planning.NeedsDetailView.as_view(), name="needs-detail"),
    path(f"{base}needs/<int:pk>/answers/", planning.NeedsAnswerView.as_view(), name="needs-answer"),
    path(f"{base}plans/", planning.PlanListView.as_view(), name="plan-list"),
    path(f"{base}plans/<int:pk>/", planning.PlanDetailView.as_view(), name="plan-detail"),
    path(
        f"{base}indicators/people-trained/",
        planning.PeopleTrainedView.as_view(),
        name="people-trained",
    ),
    path(f"{base}ccpm/", ccpm.RoundListView.as_view(), name="ccpm-round-list"),
    path(f"{base}ccpm/<int:pk>/", ccpm.RoundDetailView.as_view(), name="ccpm-round-detail"),
    path(
        f"{base}ccpm/<int:pk>/launch/",
        ccpm.RoundActionView.as_view(action="launch"),
        name="ccpm-round-launch",
    ),
    path(
        f"{base}ccpm/<int:pk>/remind/",
        ccpm.RoundActionView.as_view(action="remind"),
        name="ccpm-round-remind",
    ),
    path(
        f"{base}ccpm/<int:pk>/close/",
        ccpm.RoundActionView.as_view(action="close"),
        name="ccpm-round-close",
    ),
    path(f"{base}ccpm/<int:pk>/results/", ccpm.ResultsView.as_view(), name="ccpm-results"),
    path(
        f"{base}ccpm/<int:pk>/actions/", ccpm.ActionItemListView.as_view(), name="ccpm-action-list"
    ),
    path(
        f"{base}ccpm/<int:pk>/actions/<int:item>/action-point/",
        ccpm.ActionItemPromoteView.as_view(),
        name="ccpm-action-promote",
    ),
    path(f"{base}workplans/", workplans.WorkPlanListView.as_view(), name="workplan-list"),
    path(
        f"{base}workplans/<int:pk>/",
        workplans.WorkPlanDetailView.as_view(),
        name="workplan-detail",
    ),
    path(
        f"{base}workplans/<int:pk>/objectives/",
        workplans.ObjectiveListView.as_view(),
        name="workplan-objectives",
    ),
    path(
        f"{base}workplans/<int:pk>/activities/",
        workplans.ActivityListView.as_view(),
        name="workplan-activities",
    ),
    path(
        f"{base}work-activities/<int:pk>/reviews/",
        workplans.ReviewListView.as_view(),
        name="work-activity-reviews",
    ),
    path(
        f"{base}work-activities/<int:pk>/action-points/",
        workplans.ActivityActionPointView.as_view(),
        name="work-activity-action-points",
    ),
    path(
        f"{base}work-activities/<int:pk>/trainings/",
        workplans.ActivityTrainingView.as_view(),
        name="work-activity-trainings",
    ),
    path(f"{base}compliance/", compliance.DashboardView.as_view(), name="compliance"),
    path(
        f"{base}compliance/organisations/<int:organisation>/",
        compliance.ScorecardView.as_view(),
        name="compliance-scorecard",
    ),
    path(
        f"{base}compliance/reminders/",
        compliance.ReminderSettingsView.as_view(),
        name="compliance-reminders",
    ),
    path(
        f"{base}compliance/rounds/<int:round>/remind/",
        compliance.RemindView.as_view(),
        name="compliance-remind",
    ),
]
