"""Case management pages, under /o/<slug>/cases/ (namespace "cases")."""

from django.urls import path

from tutela.cases.views import cases, directory, odk, referrals, reports, settings, workflow
from tutela.cases.views import peers as peer_views

app_name = "cases"

base = "o/<slug:slug>/cases/"
one = f"{base}<int:pk>/"

urlpatterns = [
    path(base, reports.home, name="home"),
    path(f"{base}list/", cases.case_list, name="list"),
    path(f"{base}new/", cases.case_register, name="register"),
    path(f"{base}tasks/", reports.tasks, name="tasks"),
    path(f"{base}inbox/", workflow.inbox, name="inbox"),
    path(f"{base}statistics/", reports.statistics, name="statistics"),
    path(f"{base}export/", reports.caseload_download, name="export"),
    path(f"{base}retention/", reports.retention, name="retention"),
    path(f"{base}settings/", settings.settings_page, name="settings"),
    path(f"{base}settings/<str:kind>/new/", settings.reference_item, name="reference_add"),
    path(f"{base}settings/<str:kind>/<int:pk>/", settings.reference_item, name="reference_edit"),
    path(f"{base}odk/", odk.odk_page, name="odk"),
    path(f"{base}odk/public-key.pem", odk.odk_public_key, name="odk_public_key"),
    path(f"{base}odk/rotate-key/", odk.odk_key_rotate, name="odk_key_rotate"),
    path(f"{base}odk/<str:kind>.xlsx", odk.odk_form_download, name="odk_form"),
    path(f"{base}peers/", peer_views.peers_page, name="peers"),
    path(f"{base}peers/<int:pk>/revoke/", peer_views.peer_revoke, name="peer_revoke"),
    path(f"{base}inbound-referrals/", peer_views.inbound_list, name="inbound_list"),
    path(f"{base}inbound-referrals/<int:pk>/", peer_views.inbound_detail, name="inbound_detail"),
    path(
        f"{base}inbound-referrals/<int:pk>/open-case/",
        peer_views.inbound_open_case,
        name="inbound_open_case",
    ),
    path(f"{base}transfers/<int:transfer>/", workflow.transfer_decide, name="transfer_decide"),
    # The case file
    path(one, cases.case_detail, name="detail"),
    path(f"{one}edit/", cases.case_edit, name="edit"),
    path(f"{one}access-log/", cases.case_access_log, name="access_log"),
    path(f"{one}people/new/", cases.person_edit, name="person_add"),
    path(f"{one}people/<int:person>/", cases.person_edit, name="person_edit"),
    path(f"{one}people/<int:person>/remove/", cases.person_remove, name="person_remove"),
    path(f"{one}documents/new/", cases.document_upload, name="document_upload"),
    path(f"{one}documents/<int:document>/", cases.document_download, name="document"),
    path(f"{one}documents/<int:document>/remove/", cases.document_remove, name="document_remove"),
    path(f"{one}reassign/", cases.case_reassign, name="reassign"),
    # Workflow
    path(f"{one}consents/new/", workflow.consent_new, name="consent_new"),
    path(
        f"{one}consents/<int:consent>/withdraw/", workflow.consent_withdraw, name="consent_withdraw"
    ),
    path(f"{one}assessments/new/", workflow.assessment_new, name="assessment_new"),
    path(f"{one}plan/", workflow.plan_edit, name="plan"),
    path(
        f"{one}interventions/<int:intervention>/status/",
        workflow.intervention_status,
        name="intervention_status",
    ),
    path(f"{one}approvals/request/<str:kind>/", workflow.approval_request, name="approval_request"),
    path(f"{one}approvals/<int:approval>/", workflow.approval_decide, name="approval_decide"),
    path(f"{one}close/", workflow.closure_request, name="close"),
    path(f"{one}services/new/", workflow.service_new, name="service_new"),
    path(f"{one}follow-ups/new/", workflow.follow_up_new, name="follow_up_new"),
    path(f"{one}follow-ups/<int:follow_up>/done/", workflow.follow_up_done, name="follow_up_done"),
    path(f"{one}transfer/", workflow.transfer_new, name="transfer_new"),
    path(
        f"{one}transfers/<int:transfer>/cancel/", workflow.transfer_cancel, name="transfer_cancel"
    ),
    path(f"{one}refer/", referrals.referral_new, name="referral_new"),
    # Referrals
    path(f"{base}referrals/", referrals.referral_list, name="referrals"),
    path(f"{base}referrals/<int:pk>/", referrals.referral_detail, name="referral_detail"),
    path(f"{base}referrals/<int:pk>/accept/", referrals.referral_accept, name="referral_accept"),
    path(f"{base}referrals/<int:pk>/decline/", referrals.referral_decline, name="referral_decline"),
    path(
        f"{base}referrals/<int:pk>/complete/", referrals.referral_complete, name="referral_complete"
    ),
    path(
        f"{base}referrals/<int:pk>/withdraw/", referrals.referral_withdraw, name="referral_withdraw"
    ),
    path(f"{base}referrals/<int:pk>/form.pdf", referrals.referral_form_pdf, name="referral_pdf"),
    path(
        f"{base}referrals/<int:pk>/open-case/",
        referrals.referral_open_case,
        name="referral_open_case",
    ),
    # Service directory
    path(f"{base}services/", directory.directory, name="directory"),
    path(f"{base}services/new/", directory.service_edit, name="service_add"),
    path(f"{base}services/<int:pk>/", directory.service_edit, name="service_edit"),
    path(
        f"{base}services/export.<str:file_format>",
        directory.directory_download,
        name="directory_export",
    ),
]

# Cash for protection (tutela.cases.views.cash).
from tutela.cases.cash_urls import urlpatterns as cash_urlpatterns  # noqa: E402

urlpatterns += cash_urlpatterns
