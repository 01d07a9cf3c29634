"""Test URLs: the real ones plus a view that fails, to test what users see on a server error."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import handler400, handler403, handler404, handler500, urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


def fail(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("internal detail: password=hunter2 org=OTHER")


urlpatterns = [path("__fail__/", fail), *urlpatterns]
