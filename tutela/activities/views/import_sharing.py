"""5W import profiles and saved mappings pages: the profiles usable in the operation (Tutela's,
such as the HDX HXL 3W, and its own), each downloadable as its JSON file, the operation's
managers importing a profile file; the saved column mappings the user sees, deleted and their
value tables exported and imported as CSV by those who may save them.

The same pages of protection monitoring do the same steps (tutela.core.imports.sharing_pages);
who sees and changes what is tutela.activities.access.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tutela.activities.access import (
    changeable_mapping_ids,
    mapping_change_check,
    mappings_for_user,
)
from tutela.activities.models import ColumnMapping
from tutela.activities.services.import_mappings import mapping_delete as mapping_delete_service
from tutela.activities.services.import_mappings import (
    mapping_values_import as mapping_values_import_service,
)
from tutela.activities.services.import_profiles import (
    profile_dump_named,
    profile_import,
    profiles_for,
)
from tutela.activities.services.import_reading import KIND
from tutela.activities.views.import_mapping import mapping_value_codes
from tutela.activities.views.imports import reporting_operation
from tutela.activities.views.reporting import current_user, page, paginate
from tutela.core import access
from tutela.core.imports import sharing_pages
from tutela.core.models import Operation

# --- import profiles -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def profile_list(request: HttpRequest, slug: str) -> HttpResponse:
    """The 5W profiles of the operation (Tutela's and its own), each downloadable as a file; the
    operation's managers import a profile file (another operation's, another Tutela's)."""
    operation = reporting_operation(request, slug)
    form, imported = sharing_pages.profile_upload_form(
        request, operation=operation, profile_import=profile_import
    )
    if imported:
        return redirect("activities:profile_list", slug=slug)
    return page(
        request,
        "activities/imports/profiles.html",
        operation,
        profiles=sharing_pages.profile_rows(
            (KIND, _("5W"), profile) for profile in profiles_for(operation).values()
        ),
        form=form,
    )


@login_required
@require_GET
def profile_download(request: HttpRequest, slug: str, name: str) -> HttpResponse:
    """A 5W profile as its JSON file, to import into another operation or another Tutela."""
    operation = reporting_operation(request, slug)
    return sharing_pages.profile_json(name, lambda: profile_dump_named(operation, name))


# --- saved mappings ------------------------------------------------------------------------------


@login_required
@require_GET
def mapping_list(request: HttpRequest, slug: str) -> HttpResponse:
    """The saved 5W mappings the user sees (partners: the shared ones and their organisation's;
    managers: all of the operation's), with links for those the user may change."""
    operation = reporting_operation(request, slug)
    user = current_user(request)
    listed = paginate(request, mappings_for_user(user, operation, KIND).order_by("name"))
    return page(
        request,
        "activities/imports/mappings.html",
        operation,
        page=listed,
        changeable=changeable_mapping_ids(user, listed.object_list),
    )


def _seen_mapping(request: HttpRequest, slug: str, pk: int) -> tuple[Operation, ColumnMapping]:
    """A saved mapping the user sees (404 otherwise)."""
    operation = reporting_operation(request, slug)
    mapping = mappings_for_user(current_user(request), operation, KIND).filter(pk=pk).first()
    if mapping is None:
        raise Http404
    return operation, mapping


def _changeable_mapping(
    request: HttpRequest, slug: str, pk: int
) -> tuple[Operation, ColumnMapping]:
    """A saved mapping the user may change: 404 when they do not see it, 403 when they see it
    but may not change it (a shared mapping, for a partner)."""
    operation, mapping = _seen_mapping(request, slug, pk)
    mapping_change_check(current_user(request), mapping)
    return operation, mapping


@login_required
@require_GET
def mapping_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A saved mapping's columns and value tables, with the CSV export and import for those who
    may change it."""
    operation, mapping = _seen_mapping(request, slug, pk)
    return page(
        request,
        "activities/imports/saved_mapping.html",
        operation,
        mapping=mapping,
        columns=sorted((mapping.columns or {}).items()),
        value_tables=sharing_pages.value_tables_shown(mapping.values),
        can_change=bool(changeable_mapping_ids(current_user(request), [mapping])),
    )


@login_required
@require_GET
def mapping_values_export(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The mapping's value tables as CSV (field, value, code)."""
    operation, mapping = _changeable_mapping(request, slug, pk)
    return sharing_pages.value_tables_download(request, mapping, operation=operation)


@login_required
@require_POST
def mapping_values_import(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Lay a CSV file's value tables over the mapping's (all or nothing)."""
    operation, mapping = _changeable_mapping(request, slug, pk)
    user = current_user(request)
    sharing_pages.value_tables_upload(
        request,
        lambda data: mapping_values_import_service(
            mapping=mapping,
            by=user,
            data=data,
            choices=mapping_value_codes(operation, manager=access.is_manager(user, operation)),
            request=request,
        ),
    )
    return redirect("activities:mapping_detail", slug=slug, pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def mapping_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Asks first (GET); deletes on POST only."""
    operation, mapping = _changeable_mapping(request, slug, pk)
    template = "activities/imports/mapping_delete.html"
    return sharing_pages.mapping_delete_page(
        request,
        mapping,
        delete=mapping_delete_service,
        done_url=reverse("activities:mapping_list", args=[slug]),
        confirm=lambda: page(request, template, operation, mapping=mapping),
    )
