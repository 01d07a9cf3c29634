from django.urls import path

from tutela.activities.api import views

app_name = "activities-api"

fivew = "operations/<slug:slug>/5w/"

urlpatterns = [
    path(f"{fivew}rows/", views.RowListView.as_view(), name="rows"),
    path(f"{fivew}pivot/", views.PivotView.as_view(), name="pivot"),
    path(f"{fivew}presence/", views.PresenceView.as_view(), name="presence"),
    path(f"{fivew}coverage/", views.CoverageView.as_view(), name="coverage"),
    path(f"{fivew}gaps/", views.GapsView.as_view(), name="gaps"),
]
