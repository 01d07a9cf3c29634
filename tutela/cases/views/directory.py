"""The service directory pages: the published services (filter by type, area, organisation),
the forms that keep an organisation's services, and the XLSX/CSV export."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from tutela.cases import access
from tutela.cases.forms.referrals import DirectoryFilterForm, DirectoryServiceForm
from tutela.cases.models import Service
from tutela.cases.selectors.directory import directory_list
from tutela.cases.services import directory as services
from tutela.cases.services.exports import XLSX, directory_export
from tutela.cases.views.common import case_page, form_page
from tutela.core import access as core_access
from tutela.core.forms.directory import valid_filters
from tutela.core.models import Operation, Organisation, User
from tutela.core.views.common import current_user, download, operation_for, paginate


def _operation(request: HttpRequest, slug: str) -> Operation:
    operation = operation_for(request, slug)
    if not access.can_see_directory(current_user(request), operation):
        raise PermissionDenied
    return operation


def _editable_organisations(user: User, operation: Operation) -> QuerySet[Organisation]:
    organisations = Organisation.objects.filter(operations=operation).order_by("acronym")
    if core_access.is_manager(user, operation):
        return organisations
    if user.organisation_id is None:
        return organisations.none()
    return organisations.filter(pk=user.organisation_id)


@login_required
@require_GET
def directory(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _operation(request, slug)
    user = current_user(request)
    form = DirectoryFilterForm(request.GET or None, operation=operation)
    filters = valid_filters(form)
    filters.pop("page", None)
    services_list = directory_list(user, operation, **filters)
    return case_page(
        request,
        "cases/directory.html",
        operation,
        form=form,
        filtered=bool(filters),
        page=paginate(request, services_list),
        can_add=access.can_edit_directory(user, operation, None)
        and _editable_organisations(user, operation).exists(),
        query=request.GET.urlencode(),
    )


@login_required
@require_GET
def directory_download(request: HttpRequest, slug: str, file_format: str) -> HttpResponse:
    operation = _operation(request, slug)
    user = current_user(request)
    if file_format not in {"xlsx", "csv"}:
        raise Http404
    form = DirectoryFilterForm(request.GET or None, operation=operation)
    filters = valid_filters(form)
    filters.pop("page", None)
    items = directory_list(user, operation, **filters)
    content = directory_export(
        operation=operation, by=user, services=items, file_format=file_format
    )
    content_type = "text/csv; charset=utf-8" if file_format == "csv" else XLSX
    return download(content, f"services-{operation.slug}.{file_format}", content_type)


@login_required
@require_http_methods(["GET", "POST"])
def service_edit(request: HttpRequest, slug: str, pk: int | None = None) -> HttpResponse:
    operation = _operation(request, slug)
    user = current_user(request)
    organisations = _editable_organisations(user, operation)
    service: Service | None = None
    if pk is not None:
        service = access.directory_for_user(user, operation).filter(pk=pk).first()
        if service is None:
            raise Http404
        if not access.can_edit_directory(user, operation, service.organisation):
            raise PermissionDenied
    elif not access.can_edit_directory(user, operation, None) or not organisations.exists():
        raise PermissionDenied
    initial = (
        DirectoryServiceForm.initial_for(service)
        if service
        else {
            "organisation": getattr(user, "organisation_id", None),
            "is_published": True,
            "is_active": True,
        }
    )
    form = DirectoryServiceForm(
        request.POST or None, operation=operation, organisations=organisations, initial=initial
    )
    back = reverse("cases:directory", kwargs={"slug": slug})

    def save() -> Service:
        data = dict(form.cleaned_data)
        if service is None:
            return services.service_create(operation=operation, by=user, **data)
        data.pop("organisation", None)
        return services.service_update(service=service, by=user, **data)

    return form_page(
        request,
        operation,
        form,
        save,
        title=_("Edit a service") if service else _("Add a service"),
        submit=_("Save"),
        success=_("Service saved."),
        then=back,
        back=back,
        extra={"nav_active": "cases"},
    )
