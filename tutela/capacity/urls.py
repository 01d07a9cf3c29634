"""Capacity pages under /o/<slug>/capacity/ (namespace "capacity"), and the pages reached
without an account under /capacity/ (a participant's test link, the certificate check)."""

from django.urls import include, path

from tutela.capacity.views import (
    assessments,
    ccpm,
    compliance,
    courses,
    home,
    planning,
    public,
    sessions,
    workplans,
)

app_name = "capacity"

trainings = [
    path("", home.home, name="home"),
    path("courses/", courses.courses, name="courses"),
    path("courses/new/", courses.course_create, name="course_create"),
    path("courses/<int:pk>/", courses.course_detail, name="course_detail"),
    path("courses/<int:pk>/edit/", courses.course_edit, name="course_edit"),
    path("courses/<int:pk>/materials/", courses.material_upload, name="material_upload"),
    path(
        "courses/<int:pk>/materials/<int:material>/",
        courses.material_download,
        name="material_download",
    ),
    path(
        "courses/<int:pk>/materials/<int:material>/delete/",
        courses.material_delete,
        name="material_delete",
    ),
    path("courses/<int:pk>/questions/new/", courses.question_create, name="question_create"),
    path("courses/<int:pk>/questions/<int:question>/", courses.question_edit, name="question_edit"),
    path(
        "courses/<int:pk>/questions/<int:question>/toggle/",
        courses.question_toggle,
        name="question_toggle",
    ),
    path("sessions/", sessions.sessions, name="sessions"),
    path("sessions/new/", sessions.session_create, name="session_create"),
    path("sessions/<int:pk>/", sessions.session_detail, name="session_detail"),
    path("sessions/<int:pk>/edit/", sessions.session_edit, name="session_edit"),
    path("sessions/<int:pk>/register/", sessions.session_register, name="session_register"),
    path(
        "sessions/<int:pk>/registrations/<int:registration>/cancel/",
        sessions.registration_cancel,
        name="registration_cancel",
    ),
    path("sessions/<int:pk>/attendance/", sessions.session_attendance, name="session_attendance"),
    path("sessions/<int:pk>/tests/new/", assessments.knowledge_test_create, name="test_create"),
    path("sessions/<int:pk>/results/", assessments.session_results, name="session_results"),
    path(
        "sessions/<int:pk>/certificates/",
        assessments.certificates_issue,
        name="certificates_issue",
    ),
    path("tests/<int:pk>/", assessments.knowledge_test_detail, name="test_detail"),
    path("tests/<int:pk>/send/", assessments.knowledge_test_send, name="test_send"),
    path(
        "tests/<int:pk>/link/<int:registration>/", assessments.knowledge_test_link, name="test_link"
    ),
    path(
        "certificates/<str:code>/",
        assessments.certificate_download,
        name="certificate_download",
    ),
    path(
        "certificates/<str:code>/revoke/",
        assessments.certificate_revoke,
        name="certificate_revoke",
    ),
    path("needs/", planning.needs, name="needs"),
    path("needs/<int:pk>/", planning.needs_detail, name="needs_detail"),
    path("needs/<int:pk>/answer/", planning.needs_answer, name="needs_answer"),
    path("needs/<int:pk>/close/", planning.needs_close, name="needs_close"),
    path("plans/", planning.plans, name="plans"),
    path("plans/<int:pk>/", planning.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/items/new/", planning.plan_item, name="plan_item_create"),
    path("plans/<int:pk>/items/<int:item>/", planning.plan_item, name="plan_item_edit"),
    path(
        "plans/<int:pk>/items/<int:item>/delete/",
        planning.plan_item_delete,
        name="plan_item_delete",
    ),
    path("people-trained/", planning.people_trained, name="people_trained"),
    path("ccpm/", ccpm.rounds, name="ccpm_rounds"),
    path("ccpm/new/", ccpm.round_create, name="ccpm_round_create"),
    path("ccpm/questionnaire/", ccpm.questionnaire, name="ccpm_questionnaire"),
    path("ccpm/questionnaire/new/", ccpm.question_edit, name="ccpm_question_create"),
    path("ccpm/questionnaire/<int:question>/", ccpm.question_edit, name="ccpm_question_edit"),
    path(
        "ccpm/questionnaire/<int:question>/toggle/",
        ccpm.question_toggle,
        name="ccpm_question_toggle",
    ),
    path("ccpm/<int:pk>/", ccpm.round_detail, name="ccpm_round"),
    path("ccpm/<int:pk>/edit/", ccpm.round_edit, name="ccpm_round_edit"),
    path("ccpm/<int:pk>/launch/", ccpm.round_launch, name="ccpm_round_launch"),
    path("ccpm/<int:pk>/remind/", ccpm.round_remind, name="ccpm_round_remind"),
    path("ccpm/<int:pk>/close/", ccpm.round_close, name="ccpm_round_close"),
    path(
        "ccpm/<int:pk>/coordination-team/<int:body>/",
        ccpm.coordinator_answers,
        name="ccpm_coordinator",
    ),
    path("ccpm/<int:pk>/results/", ccpm.results, name="ccpm_results"),
    path("ccpm/<int:pk>/report.<str:fmt>", ccpm.report, name="ccpm_report"),
    path(
        "ccpm/<int:pk>/actions/<int:item>/action-point/",
        ccpm.action_item_promote,
        name="ccpm_action_promote",
    ),
    path(
        "ccpm/<int:pk>/actions/<int:item>/delete/",
        ccpm.action_item_delete,
        name="ccpm_action_delete",
    ),
    path("workplans/", workplans.workplans, name="workplans"),
    path("workplans/<int:pk>/", workplans.workplan_detail, name="workplan_detail"),
    path(
        "workplans/<int:pk>/activities/new/",
        workplans.work_activity_edit,
        name="work_activity_create",
    ),
    path(
        "workplans/<int:pk>/activities/<int:activity>/",
        workplans.work_activity,
        name="work_activity",
    ),
    path(
        "workplans/<int:pk>/activities/<int:activity>/edit/",
        workplans.work_activity_edit,
        name="work_activity_edit",
    ),
    path(
        "workplans/<int:pk>/activities/<int:activity>/action-points/",
        workplans.work_activity_action_point,
        name="work_activity_action_point",
    ),
    path(
        "workplans/<int:pk>/activities/<int:activity>/trainings/",
        workplans.work_activity_session,
        name="work_activity_session",
    ),
    path("compliance/", compliance.dashboard, name="compliance"),
    path(
        "compliance/organisations/<int:organisation>/",
        compliance.scorecard,
        name="compliance_scorecard",
    ),
    path("compliance/export.<str:fmt>", compliance.export, name="compliance_export"),
    path(
        "compliance/reminders/",
        compliance.reminder_settings,
        name="compliance_reminder_settings",
    ),
    path("compliance/rounds/<int:round>/remind/", compliance.remind, name="compliance_remind"),
    path("participants/", sessions.participants, name="participants"),
    path("participants/<int:pk>/", sessions.participant_detail, name="participant_detail"),
    path("participants/<int:pk>/edit/", sessions.participant_edit, name="participant_edit"),
]

urlpatterns = [
    path("o/<slug:slug>/capacity/", include(trainings)),
    path("capacity/t/<str:token>/", public.knowledge_test_answer, name="test_answer"),
    path("capacity/verify/", public.certificate_verify, name="certificate_verify"),
    path("capacity/s/<str:token>/", public.ccpm_answer, name="ccpm_answer"),
]
