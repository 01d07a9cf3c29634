"""Advocacy recommendations and documents under clearance (under /o/<slug>/coordination/)."""

from django.urls import path

from tutela.coordination.views import advocacy, documents

urlpatterns = [
    path("recommendations/", advocacy.recommendations, name="recommendations"),
    path(
        "recommendations/export.<str:fmt>",
        advocacy.recommendations_export,
        name="recommendations_export",
    ),
    path("recommendations/new/", advocacy.recommendation_create, name="recommendation_create"),
    path("recommendations/<int:pk>/", advocacy.recommendation_detail, name="recommendation_detail"),
    path(
        "recommendations/<int:pk>/edit/", advocacy.recommendation_edit, name="recommendation_edit"
    ),
    path(
        "recommendations/<int:pk>/follow-up/",
        advocacy.recommendation_follow_up,
        name="recommendation_follow_up",
    ),
    path(
        "recommendations/follow-ups/<int:pk>/evidence/",
        advocacy.recommendation_evidence,
        name="recommendation_evidence",
    ),
    path("documents/", documents.documents, name="documents"),
    path("documents/new/", documents.document_create, name="document_create"),
    path("documents/<int:pk>/", documents.document_detail, name="document_detail"),
    path("documents/<int:pk>/edit/", documents.document_edit, name="document_edit"),
    path("documents/<int:pk>/upload/", documents.document_upload, name="document_upload"),
    path("documents/<int:pk>/versions/", documents.document_versions, name="document_versions"),
    path(
        "documents/<int:pk>/versions/<int:number>/download/",
        documents.document_version_download,
        name="document_version_download",
    ),
    path("documents/<int:pk>/submit/", documents.document_submit, name="document_submit"),
    path("documents/<int:pk>/clear/", documents.document_clear, name="document_clear"),
    path("documents/<int:pk>/return/", documents.document_return, name="document_return"),
    path("documents/<int:pk>/publish/", documents.document_publish, name="document_publish"),
    path("documents/<int:pk>/circulate/", documents.document_circulate, name="document_circulate"),
]
