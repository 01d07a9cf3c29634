"""Monitoring's import profiles page (Tutela's and the operation's own, each downloadable as
its JSON file; the operation's managers import a profile file) and the XLSForms to download.
The shared page logic is tutela.core.imports.sharing_pages.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_http_methods

from tutela.core.imports import pages as import_pages
from tutela.core.imports import sharing_pages
from tutela.monitoring.imports.xlsforms import xlsform
from tutela.monitoring.models import Kind
from tutela.monitoring.services.import_profiles import (
    IMPORTERS,
    profile_dump_named,
    profile_import,
    profiles_for,
)
from tutela.monitoring.views.imports import importing_operation, page

# --- XLSForms ------------------------------------------------------------------------------------


def _xlsform(request: HttpRequest, slug: str, form: str) -> HttpResponse:
    operation = importing_operation(request, slug)
    content = xlsform(operation, form)
    return import_pages.xlsx_download(content, f"tutela-{operation.slug}-{form}-xlsform")


@login_required
@require_GET
def xlsform_incidents(request: HttpRequest, slug: str) -> HttpResponse:
    return _xlsform(request, slug, "incidents")


@login_required
@require_GET
def xlsform_community(request: HttpRequest, slug: str) -> HttpResponse:
    return _xlsform(request, slug, "community")


# --- import profiles ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def profile_list(request: HttpRequest, slug: str) -> HttpResponse:
    """The import profiles of the operation (Tutela's and its own), each downloadable as a file;
    the operation's managers import a profile file (another operation's, another Tutela's)."""
    operation = importing_operation(request, slug)
    form, imported = sharing_pages.profile_upload_form(
        request, operation=operation, profile_import=profile_import
    )
    if imported:
        return redirect("monitoring:profile_list", slug=slug)
    return page(
        request,
        "monitoring/imports/profiles.html",
        operation,
        profiles=sharing_pages.profile_rows(
            (kind, str(Kind(kind).label), profile)
            for kind in Kind.values
            for profile in profiles_for(operation, kind).values()
        ),
        form=form,
    )


@login_required
@require_GET
def profile_download(request: HttpRequest, slug: str, kind: str, name: str) -> HttpResponse:
    """A profile as its JSON file, to import into another operation or another Tutela."""
    operation = importing_operation(request, slug)
    if kind not in IMPORTERS:
        raise Http404
    return sharing_pages.profile_json(name, lambda: profile_dump_named(operation, kind, name))
