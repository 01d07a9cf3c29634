"""Case management API under /api/v1/operations/<slug>/cases/ (namespace "cases-api")."""

from django.urls import path

from tutela.cases.api import cases, directory, peers, referrals, statistics, workflow

app_name = "cases-api"

base = "operations/<slug:slug>/cases/"
one = f"{base}<int:pk>/"

urlpatterns = [
    path(base, cases.CaseListView.as_view(), name="case-list"),
    path(f"{base}duplicates/", cases.DuplicateCheckView.as_view(), name="duplicates"),
    path(f"{base}tasks/", workflow.TaskListView.as_view(), name="tasks"),
    path(f"{base}statistics/", statistics.StatisticsView.as_view(), name="statistics"),
    path(f"{base}export/", statistics.CaseloadExportView.as_view(), name="export"),
    path(f"{base}directory/", directory.DirectoryListView.as_view(), name="directory"),
    path(f"{base}directory/<int:pk>/", directory.DirectoryDetailView.as_view(), name="service"),
    path(f"{base}referrals/", referrals.ReferralListView.as_view(), name="referral-list"),
    path(f"{base}referrals/<int:pk>/", referrals.ReferralView.as_view(), name="referral-detail"),
    path(
        f"{base}referrals/<int:pk>/accept/",
        referrals.ReferralAcceptView.as_view(),
        name="referral-accept",
    ),
    path(
        f"{base}referrals/<int:pk>/decline/",
        referrals.ReferralDeclineView.as_view(),
        name="referral-decline",
    ),
    path(
        f"{base}referrals/<int:pk>/complete/",
        referrals.ReferralCompleteView.as_view(),
        name="referral-complete",
    ),
    path(
        f"{base}referrals/<int:pk>/withdraw/",
        referrals.ReferralWithdrawView.as_view(),
        name="referral-withdraw",
    ),
    path(
        f"{base}referrals/<int:pk>/open-case/",
        referrals.ReferralOpenCaseView.as_view(),
        name="referral-open-case",
    ),
    path(
        f"{base}referrals/<int:pk>/form.pdf",
        referrals.ReferralPdfView.as_view(),
        name="referral-pdf",
    ),
    path(
        f"{base}transfers/<int:transfer>/decide/",
        workflow.TransferDecideView.as_view(),
        name="transfer-decide",
    ),
    path("peers/inbox/", peers.PeerInboxView.as_view(), name="peer-inbox"),
    path(f"{base}peers/", peers.PeerListView.as_view(), name="peer-list"),
    path(f"{base}peers/keys/", peers.InstanceKeysView.as_view(), name="peer-keys"),
    path(f"{base}peers/<int:pk>/", peers.PeerView.as_view(), name="peer-detail"),
    path(f"{base}peers/<int:pk>/revoke/", peers.PeerRevokeView.as_view(), name="peer-revoke"),
    path(f"{base}inbound-referrals/", peers.InboundListView.as_view(), name="inbound-list"),
    path(f"{base}inbound-referrals/<int:pk>/", peers.InboundView.as_view(), name="inbound-detail"),
    path(
        f"{base}inbound-referrals/<int:pk>/accept/",
        peers.InboundAcceptView.as_view(),
        name="inbound-accept",
    ),
    path(
        f"{base}inbound-referrals/<int:pk>/decline/",
        peers.InboundDeclineView.as_view(),
        name="inbound-decline",
    ),
    path(
        f"{base}inbound-referrals/<int:pk>/complete/",
        peers.InboundCompleteView.as_view(),
        name="inbound-complete",
    ),
    path(
        f"{base}inbound-referrals/<int:pk>/open-case/",
        peers.InboundOpenCaseView.as_view(),
        name="inbound-open-case",
    ),
    path(
        f"{base}referrals/<int:pk>/delivery/",
        peers.ReferralDeliveryView.as_view(),
        name="referral-delivery",
    ),
    path(one, cases.CaseDetailView.as_view(), name="case-detail"),
    path(f"{one}people/", cases.PersonListView.as_view(), name="people"),
    path(f"{one}people/<int:person>/", cases.PersonDetailView.as_view(), name="person"),
    path(f"{one}reassign/", cases.ReassignView.as_view(), name="reassign"),
    path(f"{one}access-log/", cases.AccessLogView.as_view(), name="access-log"),
    path(f"{one}consents/", cases.ConsentListView.as_view(), name="consents"),
    path(
        f"{one}consents/<int:consent>/withdraw/",
        cases.ConsentWithdrawView.as_view(),
        name="consent-withdraw",
    ),
    path(f"{one}overrides/", cases.OverrideListView.as_view(), name="overrides"),
    path(f"{one}assessments/", workflow.AssessmentListView.as_view(), name="assessments"),
    path(
        f"{one}plan/interventions/", workflow.InterventionListView.as_view(), name="interventions"
    ),
    path(f"{one}approvals/", workflow.ApprovalListView.as_view(), name="approvals"),
    path(
        f"{one}approvals/<int:approval>/decide/",
        workflow.ApprovalDecideView.as_view(),
        name="approval-decide",
    ),
    path(f"{one}services/", workflow.ServiceDeliveryView.as_view(), name="services"),
    path(f"{one}follow-ups/", workflow.FollowUpListView.as_view(), name="follow-ups"),
    path(
        f"{one}follow-ups/<int:follow_up>/done/",
        workflow.FollowUpDoneView.as_view(),
        name="follow-up-done",
    ),
    path(f"{one}referrals/", referrals.ReferralSendView.as_view(), name="referral-send"),
    path(f"{one}transfer/", workflow.TransferRequestView.as_view(), name="transfer"),
]

# Cash for protection (tutela.cases.api.cash).
from tutela.cases.api.cash_urls import urlpatterns as cash_urlpatterns  # noqa: E402

urlpatterns = cash_urlpatterns + urlpatterns
