"""The operation directory: home, organisations, coordination structure, contacts, map, audit log.

Included from tutela/core/urls.py inside the "core" namespace."""

from django.urls import path

from tutela.core.views import audit, directory, geo, operations

urlpatterns = [
    path("", directory.home, name="home"),
    path("o/<slug:slug>/", directory.operation_home, name="operation_home"),
    path("o/<slug:slug>/settings/", operations.operation_settings, name="operation_settings"),
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
    path("o/<slug:slug>/contacts/", directory.contacts, name="contacts"),
    path("o/<slug:slug>/contacts/new/", directory.contact_create, name="contact_create"),
    path("o/<slug:slug>/contacts/export.xlsx", directory.contacts_export, name="contacts_export"),
    path("o/<slug:slug>/contacts/<int:pk>/edit/", directory.contact_edit, name="contact_edit"),
    path(
        "o/<slug:slug>/contacts/<int:pk>/deactivate/",
        directory.contact_deactivate,
        name="contact_deactivate",
    ),
    # Map
    path("o/<slug:slug>/map/", geo.map_view, name="map"),
    path("o/<slug:slug>/areas.geojson", geo.areas_geojson, name="areas_geojson"),
    # Audit log
    path("o/<slug:slug>/audit/", audit.audit_log, name="audit_log"),
]
