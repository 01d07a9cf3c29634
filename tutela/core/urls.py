"""Core pages (namespace "core"): health, accounts and security, background jobs, the operation
directory (home, organisations, coordination structure, contacts, map, audit log) and the outbox.

The paths under /account/two-factor/ and /logout/ are the ones TwoFactorMiddleware lets a user
reach before they have set up two-factor authentication.
"""

from django.urls import path

from tutela.core.views import (
    accounts,
    audit,
    contacts,
    directory,
    geo,
    health,
    jobs,
    mail,
    operations,
    places,
    tokens,
    users,
)

app_name = "core"

urlpatterns = [
    # Health of this instance (database, worker, scheduler), for load balancers: anonymous.
    path("healthz", health.healthz, name="healthz"),
    # Accounts, security and background jobs
    path("login/", accounts.login_view, name="login"),
    path("login/two-factor/", accounts.two_factor_verify, name="two_factor_verify"),
    path("logout/", accounts.logout_view, name="logout"),
    path("account/", accounts.profile, name="profile"),
    path("account/password/", accounts.password_change, name="password_change"),
    path("account/password/done/", accounts.password_change_done, name="password_change_done"),
    path("account/two-factor/", accounts.two_factor_setup, name="two_factor_setup"),
    path("account/two-factor/disable/", accounts.two_factor_disable, name="two_factor_disable"),
    path("account/tokens/", tokens.token_list, name="tokens"),
    path("account/tokens/<int:pk>/revoke/", tokens.token_revoke, name="token_revoke"),
    path("account/tokens/revoke-all/", tokens.token_revoke_all, name="token_revoke_all"),
    path("o/<slug:slug>/users/", users.users, name="users"),
    path("o/<slug:slug>/users/invite/", users.user_invite, name="user_invite"),
    path("o/<slug:slug>/users/<int:pk>/", users.user_detail, name="user_detail"),
    path(
        "o/<slug:slug>/users/<int:pk>/deactivate/",
        users.user_deactivate,
        name="user_deactivate",
    ),
    path(
        "o/<slug:slug>/users/<int:pk>/reactivate/",
        users.user_reactivate,
        name="user_reactivate",
    ),
    path(
        "o/<slug:slug>/users/<int:pk>/tokens/<int:token_pk>/revoke/",
        tokens.user_token_revoke,
        name="user_token_revoke",
    ),
    path(
        "o/<slug:slug>/users/<int:pk>/tokens/revoke-all/",
        tokens.user_token_revoke_all,
        name="user_token_revoke_all",
    ),
    path(
        "o/<slug:slug>/invitations/<int:pk>/revoke/",
        users.invitation_revoke,
        name="invitation_revoke",
    ),
    path("invitation/<str:token>/", users.invitation_accept, name="invitation_accept"),
    path("jobs/", jobs.job_list, name="jobs"),
    path("jobs/<int:pk>/", jobs.job_detail, name="job_detail"),
    path("jobs/<int:pk>/progress/", jobs.job_progress, name="job_progress"),
    # The operation directory
    path("", directory.home, name="home"),
    path("o/<slug:slug>/", directory.operation_home, name="operation_home"),
    path("o/<slug:slug>/settings/", operations.operation_settings, name="operation_settings"),
    path("o/<slug:slug>/settings/places/", places.place_aliases, name="place_aliases"),
    path(
        "o/<slug:slug>/settings/places/export.csv",
        places.place_aliases_export,
        name="place_aliases_export",
    ),
    path(
        "o/<slug:slug>/settings/places/import/",
        places.place_aliases_import,
        name="place_aliases_import",
    ),
    path(
        "o/<slug:slug>/settings/places/<int:pk>/", places.place_alias_edit, name="place_alias_edit"
    ),
    path(
        "o/<slug:slug>/settings/places/<int:pk>/delete/",
        places.place_alias_remove,
        name="place_alias_delete",
    ),
    # Organisations
    path("o/<slug:slug>/organisations/", directory.organisations, name="organisations"),
    path(
        "o/<slug:slug>/organisations/link/",
        directory.organisation_link,
        name="organisation_link",
    ),
    path(
        "o/<slug:slug>/organisations/new/",
        directory.organisation_create,
        name="organisation_create",
    ),
    path(
        "o/<slug:slug>/organisations/<int:pk>/",
        directory.organisation_detail,
        name="organisation_detail",
    ),
    path(
        "o/<slug:slug>/organisations/<int:pk>/delegation/",
        directory.organisation_delegation,
        name="organisation_delegation",
    ),
    path(
        "o/<slug:slug>/organisations/<int:pk>/edit/",
        directory.organisation_edit,
        name="organisation_edit",
    ),
    # Coordination structure
    path("o/<slug:slug>/structure/", directory.structure, name="structure"),
    path("o/<slug:slug>/structure/new/", directory.body_create, name="body_create"),
    path("o/<slug:slug>/structure/<int:pk>/", directory.body_detail, name="body_detail"),
    path("o/<slug:slug>/structure/<int:pk>/edit/", directory.body_edit, name="body_edit"),
    path(
        "o/<slug:slug>/structure/<int:pk>/members/add/",
        directory.membership_add,
        name="membership_add",
    ),
    path(
        "o/<slug:slug>/memberships/<int:pk>/edit/",
        directory.membership_edit,
        name="membership_edit",
    ),
    path(
        "o/<slug:slug>/memberships/<int:pk>/end/",
        directory.membership_end,
        name="membership_end",
    ),
    # Contacts
    path("o/<slug:slug>/contacts/", contacts.contacts, name="contacts"),
    path("o/<slug:slug>/contacts/new/", contacts.contact_create, name="contact_create"),
    path("o/<slug:slug>/contacts/export.xlsx", contacts.contacts_export, name="contacts_export"),
    path("o/<slug:slug>/contacts/<int:pk>/edit/", contacts.contact_edit, name="contact_edit"),
    path(
        "o/<slug:slug>/contacts/<int:pk>/deactivate/",
        contacts.contact_deactivate,
        name="contact_deactivate",
    ),
    # Map
    path("o/<slug:slug>/map/", geo.map_view, name="map"),
    path("o/<slug:slug>/areas.geojson", geo.areas_geojson, name="areas_geojson"),
    # Audit log
    path("o/<slug:slug>/audit/", audit.audit_log, name="audit_log"),
    # The e-mail outbox ("Sent e-mail"), for the operation's managers.
    path("o/<slug:slug>/outbox/", mail.outbox, name="outbox"),
    path("o/<slug:slug>/outbox/<int:pk>/retry/", mail.outbox_retry, name="outbox_retry"),
]
