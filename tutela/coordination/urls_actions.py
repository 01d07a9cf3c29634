"""Action point pages, under /o/<slug>/coordination/ (namespace "coordination")."""

from django.urls import path

from tutela.coordination.views import actions as views

urlpatterns = [
    path("action-points/", views.action_points, name="action_points"),
    path("action-points/mine/", views.my_action_points, name="my_action_points"),
    path("action-points/overdue/", views.overdue, name="overdue"),
    path("action-points/new/", views.action_point_create, name="action_point_create"),
    path("action-points/<int:pk>/", views.action_point_detail, name="action_point_detail"),
    path("action-points/<int:pk>/edit/", views.action_point_edit, name="action_point_edit"),
    path("action-points/<int:pk>/status/", views.action_point_status, name="action_point_status"),
    path(
        "action-points/<int:pk>/comment/",
        views.action_point_comment,
        name="action_point_comment",
    ),
]
