from django.urls import path

from tutela.core.api import views

app_name = "api"

operation = "operations/<slug:slug>/"

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="token"),
    path("auth/tokens/", views.TokenListView.as_view(), name="token-list"),
    path("auth/tokens/<int:pk>/", views.TokenDetailView.as_view(), name="token-detail"),
    path("me/", views.MeView.as_view(), name="me"),
    path("operations/", views.OperationListView.as_view(), name="operation-list"),
    path(operation, views.OperationDetailView.as_view(), name="operation-detail"),
    path(f"{operation}areas/", views.AreaListView.as_view(), name="area-list"),
    path(
        f"{operation}areas.geojson",
        views.AreaGeoJSONView.as_view(),
        name="area-geojson",
    ),
    path(f"{operation}areas/lookup/", views.AreaLookupView.as_view(), name="area-lookup"),
    path(
        f"{operation}organisations/",
        views.OrganisationListView.as_view(),
        name="organisation-list",
    ),
    path(
        f"{operation}organisations/link/",
        views.OrganisationLinkView.as_view(),
        name="organisation-link",
    ),
    path(
        f"{operation}organisations/<str:acronym>/",
        views.OrganisationDetailView.as_view(),
        name="organisation-detail",
    ),
    path(f"{operation}bodies/", views.BodyListView.as_view(), name="body-list"),
    path(f"{operation}bodies/<int:pk>/", views.BodyDetailView.as_view(), name="body-detail"),
    path(
        f"{operation}bodies/<int:pk>/memberships/",
        views.MembershipListView.as_view(),
        name="membership-list",
    ),
    path(
        f"{operation}memberships/<int:pk>/",
        views.MembershipDetailView.as_view(),
        name="membership-detail",
    ),
    path(f"{operation}contacts/", views.ContactListView.as_view(), name="contact-list"),
    path(
        f"{operation}contacts/<int:pk>/", views.ContactDetailView.as_view(), name="contact-detail"
    ),
    path(f"{operation}audit/", views.AuditListView.as_view(), name="audit-list"),
    path(
        f"{operation}users/<int:pk>/tokens/",
        views.UserTokenListView.as_view(),
        name="user-token-list",
    ),
    path(
        f"{operation}users/<int:pk>/tokens/<int:token_pk>/",
        views.UserTokenDetailView.as_view(),
        name="user-token-detail",
    ),
]
