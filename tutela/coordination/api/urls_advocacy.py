"""API: advocacy recommendations and documents under clearance (under /api/v1/)."""

from django.urls import path

from tutela.coordination.api import advocacy as views

app_name = "advocacy-api"

recommendations = "operations/<slug:slug>/recommendations/"
documents = "operations/<slug:slug>/documents/"

urlpatterns = [
    path(recommendations, views.RecommendationListView.as_view(), name="recommendations"),
    path(
        f"{recommendations}<int:pk>/",
        views.RecommendationDetailView.as_view(),
        name="recommendation",
    ),
    path(
        f"{recommendations}<int:pk>/follow-ups/",
        views.RecommendationFollowUpView.as_view(),
        name="recommendation_follow_ups",
    ),
    path(documents, views.DocumentListView.as_view(), name="documents"),
    path(f"{documents}<int:pk>/", views.DocumentDetailView.as_view(), name="document"),
    path(
        f"{documents}<int:pk>/submit/", views.DocumentSubmitView.as_view(), name="document_submit"
    ),
    path(f"{documents}<int:pk>/clear/", views.DocumentClearView.as_view(), name="document_clear"),
    path(
        f"{documents}<int:pk>/return/", views.DocumentReturnView.as_view(), name="document_return"
    ),
    path(
        f"{documents}<int:pk>/publish/",
        views.DocumentPublishView.as_view(),
        name="document_publish",
    ),
    path(
        f"{documents}<int:pk>/circulate/",
        views.DocumentCirculateView.as_view(),
        name="document_circulate",
    ),
]
