"""Cash for protection pages, added to tutela.cases.urls (namespace "cases")."""

from django.urls import path

from tutela.cases.views import cash, cash_settings

base = "o/<slug:slug>/cases/"
one = f"{base}cash/<int:cash>/"

urlpatterns = [
    path(f"{base}<int:pk>/cash/new/", cash.cash_new, name="cash_new"),
    path(f"{base}cash/", cash.cash_list, name="cash_list"),
    path(f"{base}cash/summary/", cash.cash_summary, name="cash_summary"),
    path(f"{base}cash/export/", cash.reconciliation_download, name="cash_export"),
    path(f"{base}cash/settings/", cash_settings.cash_settings, name="cash_settings"),
    path(f"{base}cash/settings/rules/", cash_settings.rules_edit, name="cash_rules"),
    path(
        f"{base}cash/settings/criteria/new/",
        cash_settings.criterion_edit,
        name="cash_criterion_add",
    ),
    path(
        f"{base}cash/settings/criteria/<int:pk>/",
        cash_settings.criterion_edit,
        name="cash_criterion_edit",
    ),
    path(f"{base}cash/settings/baskets/new/", cash_settings.basket_new, name="cash_basket_add"),
    path(
        f"{base}cash/settings/agreements/new/",
        cash_settings.agreement_new,
        name="cash_agreement_add",
    ),
    path(
        f"{base}cash/settings/agreements/<int:pk>/end/",
        cash_settings.agreement_end,
        name="cash_agreement_end",
    ),
    path(one, cash.cash_detail, name="cash_detail"),
    path(f"{one}request/", cash.cash_request, name="cash_request"),
    path(f"{one}check/", cash.cash_check, name="cash_check"),
    path(f"{one}decide/", cash.cash_decide, name="cash_decide"),
    path(f"{one}cancel/", cash.cash_cancel, name="cash_cancel"),
    path(
        f"{one}instalments/<int:number>/",
        cash.instalment_status,
        name="cash_instalment",
    ),
    path(
        f"{one}instalments/<int:number>/edit/",
        cash.instalment_edit,
        name="cash_instalment_edit",
    ),
    path(
        f"{one}instalments/<int:number>/monitoring/",
        cash.monitoring_new,
        name="cash_monitoring",
    ),
]
