from django.urls import path

from tutela.core.api import directory, geography, tokens, views

app_name = "api"

operation = "operations/<slug:slug>/"

urlpatterns = [
    path("auth/token/", tokens.TokenView.as_view(), name="token"),
    path("auth/tokens/", tokens.TokenListView.as_view(), name="token-list"),
    path("auth/tokens/<int:pk>/", tokens.TokenDetailView.as_view(), name="token-detail"),
    path("me/", views.MeView.as_view(), name="me"),
    path("operations/", views.OperationListView.as_view(), name="operation-list"),
    path(operation, views.OperationDetailView.as_view(), name="operation-detail"),
    path(f"{operation}areas/", geography.AreaListView.as_view(), name="area-list"),
    path(
        f"{operation}areas.geojson",
        geography.AreaGeoJSONView.as_view(),
        name="area-geojson",
    ),
    path(f"{operation}areas/lookup/", geography.AreaLookupView.as_view(), name="area-lookup"),
    path(
        f"{operation}organisations/",
        directory.OrganisationListView.as_view(),
        name="organisation-list",
    ),
    path(
        f"{operation}organisations/link/",
        directory.OrganisationLinkView.as_view(),
        name="organisation-link",
    ),
    path(
        f"{operation}organisations/<str:acronym>/",
        directory.OrganisationDetailView.as_view(),
        name="organisation-detail",
    ),
    path(f"{operation}bodies/", directory.BodyListView.as_view(), name="body-list"),
    path(f"{operation}bodies/<int:pk>/", directory.BodyDetailView.as_view(), name="body-detail"),
    path(
        f"{operation}bodies/<int:pk>/memberships/",
        directory.MembershipListView.as_view(),
        name="membership-list",
    ),
    path(
        f"{operation}memberships/<int:pk>/",
        directory.MembershipDetailView.as_view(),
        name="membership-detail",
    ),
    path(f"{operation}contacts/", directory.ContactListView.as_view(), name="contact-list"),
    path(
        f"{operation}contacts/<int:pk>/",
        directory.ContactDetailView.as_view(),
        name="contact-detail",
    ),
    path(f"{operation}audit/", views.AuditListView.as_view(), name="audit-list"),
    path(
        f"{operation}users/<int:pk>/tokens/",
        tokens.UserTokenListView.as_view(),
        name="user-token-list",
    ),
    path(
        f"{operation}users/<int:pk>/tokens/<int:token_pk>/",
        tokens.UserTokenDetailView.as_view(),
        name="user-token-detail",
    ),
]
