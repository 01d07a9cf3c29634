"""Monitoring's saved mappings page: the mappings the user may use, renamed, shared (managers),
deleted, and their value tables exported and imported as CSV (tutela.core.imports.sharing_pages).
A user changes their organisation's mappings; the operation's managers any of them.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tutela.core.forms.directory import apply_validation_error
from tutela.core.imports import sharing_pages
from tutela.core.models import Operation
from tutela.core.views.common import current_user, paginate
from tutela.monitoring.access import (
    can_change_mapping,
    can_share_mapping,
    changeable_mappings,
    mappings_for_user,
)
from tutela.monitoring.forms.imports import SavedMappingForm
from tutela.monitoring.models import MonitoringMapping
from tutela.monitoring.services.import_mappings import mapping_delete as mapping_delete_service
from tutela.monitoring.services.import_mappings import mapping_update
from tutela.monitoring.services.import_mappings import (
    mapping_values_import as mapping_values_import_service,
)
from tutela.monitoring.views.imports import importing_operation, page, value_choices


@login_required
@require_GET
def mapping_list(request: HttpRequest, slug: str) -> HttpResponse:
    """The saved mappings the user may use: shared ones and their organisation's (managers:
    all of the operation's), with links to change those the user may change."""
    operation = importing_operation(request, slug)
    mappings = mappings_for_user(current_user(request), operation).order_by("kind", "name")
    listed = paginate(request, mappings)
    return page(
        request,
        "monitoring/imports/mappings.html",
        operation,
        page=listed,
        changeable=changeable_mappings(current_user(request), operation, listed.object_list),
    )


def _changeable_mapping(
    request: HttpRequest, slug: str, pk: int
) -> tuple[Operation, MonitoringMapping]:
    """A saved mapping the user may change: 404 when they do not see it, 403 when they see it
    but may not change it (a shared mapping, for an organisation's member)."""
    operation = importing_operation(request, slug)
    user = current_user(request)
    mapping = mappings_for_user(user, operation).filter(pk=pk).first()
    if mapping is None:
        raise Http404
    if not can_change_mapping(user, mapping):
        raise PermissionDenied
    return operation, mapping


@login_required
@require_http_methods(["GET", "POST"])
def mapping_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Rename a saved mapping; managers also share it with the whole operation or give it to
    one organisation."""
    operation, mapping = _changeable_mapping(request, slug, pk)
    can_share = can_share_mapping(current_user(request), mapping)
    form = SavedMappingForm(
        request.POST or None,
        organisations=operation.organisations.order_by("acronym") if can_share else None,
        initial={"name": mapping.name, "organisation": mapping.organisation},
    )
    if request.method == "POST" and form.is_valid():
        try:
            mapping_update(
                mapping=mapping,
                by=current_user(request),
                name=form.cleaned_data["name"],
                organisation=form.cleaned_data["organisation"]
                if can_share
                else mapping.organisation,
                request=request,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Mapping “%(name)s” saved.") % {"name": mapping.name})
            return redirect("monitoring:mapping_list", slug=slug)
    return page(
        request,
        "monitoring/imports/mapping_edit.html",
        operation,
        form=form,
        mapping=mapping,
        value_tables=sharing_pages.value_tables_shown(mapping.values),
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
    sharing_pages.value_tables_upload(
        request,
        lambda data: mapping_values_import_service(
            mapping=mapping,
            by=current_user(request),
            data=data,
            choices=sharing_pages.value_codes(value_choices(operation)),
            request=request,
        ),
    )
    return redirect("monitoring:mapping_edit", slug=slug, pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def mapping_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Asks first (GET); deletes on POST only."""
    operation, mapping = _changeable_mapping(request, slug, pk)
    template = "monitoring/imports/mapping_delete.html"
    return sharing_pages.mapping_delete_page(
        request,
        mapping,
        delete=mapping_delete_service,
        done_url=reverse("monitoring:mapping_list", args=[slug]),
        confirm=lambda: page(request, template, operation, mapping=mapping),
    )
