"""Cash for protection API routes, added to tutela.cases.api.urls (namespace "cases-api")."""

from django.urls import path

from tutela.cases.api import cash as views

base = "operations/<slug:slug>/cases/"
one = f"{base}cash/<int:cash>/"

urlpatterns = [
    path(f"{base}<int:pk>/cash/", views.CaseCashView.as_view(), name="case-cash"),
    path(f"{base}cash/", views.CashListView.as_view(), name="cash-list"),
    path(f"{base}cash/summary/", views.MonitoringSummaryView.as_view(), name="cash-summary"),
    path(f"{base}cash/export/", views.ReconciliationExportView.as_view(), name="cash-export"),
    path(f"{base}cash/criteria/", views.CriterionListView.as_view(), name="cash-criteria"),
    path(
        f"{base}cash/criteria/<int:pk>/",
        views.CriterionDetailView.as_view(),
        name="cash-criterion",
    ),
    path(f"{base}cash/rules/", views.RulesView.as_view(), name="cash-rules"),
    path(f"{base}cash/baskets/", views.BasketListView.as_view(), name="cash-baskets"),
    path(f"{base}cash/agreements/", views.AgreementListView.as_view(), name="cash-agreements"),
    path(
        f"{base}cash/agreements/<int:pk>/end/",
        views.AgreementEndView.as_view(),
        name="cash-agreement-end",
    ),
    path(one, views.CashDetailView.as_view(), name="cash-detail"),
    path(f"{one}request/", views.CashRequestView.as_view(), name="cash-request"),
    path(f"{one}decide/", views.CashDecideView.as_view(), name="cash-decide"),
    path(f"{one}check/", views.CashCheckView.as_view(), name="cash-check"),
    path(f"{one}cancel/", views.CashCancelView.as_view(), name="cash-cancel"),
    path(f"{one}instalments/", views.CashScheduleView.as_view(), name="cash-schedule"),
    path(
        f"{one}instalments/<int:number>/",
        views.InstalmentEditView.as_view(),
        name="cash-instalment",
    ),
    path(
        f"{one}instalments/<int:number>/status/",
        views.InstalmentStatusView.as_view(),
        name="cash-instalment-status",
    ),
    path(
        f"{one}instalments/<int:number>/monitoring/",
        views.MonitoringView.as_view(),
        name="cash-monitoring",
    ),
]
