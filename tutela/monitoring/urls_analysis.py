from django.urls import path

from tutela.monitoring.views import analysis as views

urlpatterns = [
    path("analysis/", views.dashboard, name="analysis"),
    path("analysis/chart/", views.chart, name="analysis_chart"),
    path("analysis/hotspots/", views.hotspots_page, name="hotspots"),
    path("analysis/hotspots.geojson", views.hotspots_geojson, name="hotspots_geojson"),
    path("analysis/hotspots.png", views.hotspots_png, name="hotspots_png"),
    path("analysis/community/", views.community_page, name="community"),
    path("signals/", views.signals_page, name="signals"),
    path("signals/run/", views.signals_run, name="signals_run"),
    path("signals/<int:pk>/dismiss/", views.signal_dismiss, name="signal_dismiss"),
    path("signals/<int:pk>/alert/", views.signal_alert, name="signal_alert"),
]
