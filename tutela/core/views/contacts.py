"""The contact list of an operation: browsing and filtering it, adding, editing and deactivating
contacts (managers, and focal points for their own organisation), and its xlsx export."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from tutela.core import access, selectors
from tutela.core.forms.directory import (
    ContactFilterForm,
    ContactForm,
)
from tutela.core.models import Contact, Operation, Organisation, User
from tutela.core.services import contacts as contact_services
from tutela.core.views.common import current_user as _user
from tutela.core.views.common import (
    download,
    form_saved,
    operation_for,
    paginate,
)
from tutela.core.views.directory import _found, _render


def _contacts_operation(request: HttpRequest, slug: str) -> Operation:
    operation = operation_for(request, slug)
    if not access.can_see_contacts(_user(request), operation):
        raise PermissionDenied
    return operation


def _contact_filter_form(request: HttpRequest, operation: Operation) -> ContactFilterForm:
    form = ContactFilterForm(request.GET or None, operation=operation)
    # Former contacts stay visible to the managers only.
    if not access.is_manager(request.user, operation):
        del form.fields["include_inactive"]
    return form


@login_required
@require_GET
def contacts(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _contacts_operation(request, slug)
    user = _user(request)
    form = _contact_filter_form(request, operation)
    filters = form.filters()
    page = paginate(request, selectors.contact_list(operation, filters))
    for contact in page.object_list:
        contact.editable = access.can_write_contacts(user, operation, contact.organisation)
    return _render(
        request,
        "core/contacts/list.html",
        operation,
        form=form,
        page=page,
        filtered=bool(filters),
        can_add=access.can_write_any_contact(user, operation),
        export_query=request.GET.urlencode(),
    )


def _writable_organisations(user: User, operation: Operation) -> QuerySet[Organisation]:
    organisations = Organisation.objects.filter(operations=operation).order_by("acronym")
    if access.is_manager(user, operation):
        return organisations
    return organisations.filter(pk=user.organisation_id or 0)


@login_required
@require_http_methods(["GET", "POST"])
def contact_create(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _contacts_operation(request, slug)
    user = _user(request)
    if not access.can_write_any_contact(user, operation):
        raise PermissionDenied
    form = ContactForm(
        request.POST or None,
        operation=operation,
        organisations=_writable_organisations(user, operation),
    )
    contact = form_saved(
        request,
        form,
        lambda: contact_services.contact_create(by=user, operation=operation, **form.cleaned_data),
        lambda contact: _("Contact %(name)s added.") % {"name": contact.name},
    )
    if contact is not None:
        return redirect("core:contacts", slug=slug)
    return _render(request, "core/contacts/form.html", operation, form=form)


def _writable_contact(request: HttpRequest, slug: str, pk: int) -> tuple[Operation, User, Contact]:
    """The operation, the user and a contact the user may change (404 when not in the
    operation's directory, 403 when the user may not change it)."""
    operation = _contacts_operation(request, slug)
    user = _user(request)
    contact = _found(selectors.contact_get(operation, pk))
    if not access.can_write_contacts(user, operation, contact.organisation):
        raise PermissionDenied
    return operation, user, contact


@login_required
@require_http_methods(["GET", "POST"])
def contact_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation, user, contact = _writable_contact(request, slug, pk)
    initial = {
        "organisation": contact.organisation_id,
        "name": contact.name,
        "title": contact.title,
        "email": contact.email,
        "phone": contact.phone,
        "bodies": [body.pk for body in contact.bodies.all()],
        "is_active": contact.is_active,
    }
    form = ContactForm(
        request.POST or None,
        operation=operation,
        organisations=_writable_organisations(user, operation),
        editing=True,
        initial=initial,
    )
    saved = form_saved(
        request,
        form,
        lambda: contact_services.contact_update(by=user, contact=contact, **form.cleaned_data),
        lambda _obj: _("Contact saved."),
    )
    if saved is not None:
        return redirect("core:contacts", slug=slug)
    return _render(request, "core/contacts/form.html", operation, form=form, contact=contact)


@login_required
@require_http_methods(["GET", "POST"])
def contact_deactivate(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation, user, contact = _writable_contact(request, slug, pk)
    if request.method == "POST":
        contact_services.contact_deactivate(by=user, contact=contact)
        messages.success(
            request, _("%(name)s was removed from the directory.") % {"name": contact.name}
        )
        return redirect("core:contacts", slug=slug)
    return _render(request, "core/contacts/deactivate.html", operation, contact=contact)


@login_required
@require_GET
def contacts_export(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _contacts_operation(request, slug)
    form = _contact_filter_form(request, operation)
    content, filename, _count = contact_services.contacts_export(
        by=_user(request), operation=operation, filters=form.filters()
    )
    return download(
        content, filename, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
