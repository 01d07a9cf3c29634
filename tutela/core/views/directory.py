"""Pages of the operation directory: home, organisations, coordination structure, contacts.

Views parse input, check access through `tutela.core.access`, call one service or selector and
render. Operations the user has no role in answer 404; pages the user may know of but not use, 403.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from tutela.core import access, selectors
from tutela.core.forms.directory import (
    BodyForm,
    MembershipEndForm,
    MembershipForm,
    OrganisationFilterForm,
    OrganisationForm,
    valid_filters,
)
from tutela.core.models import Delegation, Membership, Operation, Organisation
from tutela.core.selectors.work import work_for_user
from tutela.core.services import delegations as delegation_services
from tutela.core.services import organisations as organisation_services
from tutela.core.services import structure as structure_services
from tutela.core.views.common import current_user as _user
from tutela.core.views.common import (
    form_saved,
    managed_operation,
    operation_for,
    paginate,
)

PAGE_SIZE = 50


T = TypeVar("T")


def _render(
    request: HttpRequest, template: str, operation: Operation | None, **context: Any
) -> HttpResponse:
    if operation is not None:
        context.setdefault("operation", operation)
        context.setdefault("is_manager", access.is_manager(request.user, operation))
    return render(request, template, context)


def _found(found: T | None) -> T:
    """What a selector found in the operation; 404 when nothing."""
    if found is None:
        raise Http404
    return found


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The user's operations; straight to the operation when there is only one."""
    operations = list(access.operations_for_user(request.user).select_related("parent"))
    if len(operations) == 1:
        return redirect("core:operation_home", slug=operations[0].slug)
    return render(request, "core/home.html", {"operations": operations})


@login_required
@require_GET
def operation_home(request: HttpRequest, slug: str) -> HttpResponse:
    """The user's work in the operation first (what each role must do, from every app), then the
    operation's directory."""
    operation = operation_for(request, slug)
    summary = selectors.operation_summary(operation)
    return _render(
        request,
        "core/operation_home.html",
        operation,
        work=work_for_user(_user(request), operation),
        summary=summary,
        can_see_contacts=access.can_see_contacts(_user(request), operation),
        level_labels=[(level.level, level.label) for level in summary.area_levels],
    )


@login_required
@require_GET
def organisations(request: HttpRequest, slug: str) -> HttpResponse:
    operation = operation_for(request, slug)
    form = OrganisationFilterForm(request.GET or None)
    filters = valid_filters(form)
    queryset = selectors.organisation_list(
        operation, q=filters.get("q", ""), type=filters.get("type", "")
    )
    return _render(
        request,
        "core/organisations/list.html",
        operation,
        form=form,
        page=paginate(request, queryset),
        filtered=bool(filters.get("q") or filters.get("type")),
    )


@login_required
@require_GET
def organisation_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation = operation_for(request, slug)
    organisation = _found(selectors.organisation_get(operation, pk))
    user = _user(request)
    member = access.is_member_of(user, operation, organisation)
    manager = access.is_manager(user, operation)
    delegations = {d.scope: d for d in delegation_services.delegations_of(operation, organisation)}
    return _render(
        request,
        "core/organisations/detail.html",
        operation,
        organisation=organisation,
        memberships=list(selectors.organisation_memberships(operation, organisation)),
        led_bodies=list(selectors.organisation_led_bodies(operation, organisation)),
        can_change_details=manager and access.can_change_details(user, organisation),
        # The organisation's members and the managers see (and decide on) its delegations.
        delegation_rows=[
            (value, label, delegations.get(value)) for value, label in Delegation.Scope.choices
        ]
        if member or manager
        else [],
        can_delegate=member,
    )


@login_required
@require_http_methods(["POST"])
def organisation_delegation(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Grant (`action=grant`, a member of the organisation) or withdraw (`action=revoke`, a
    member, or a manager giving it up) a delegation of `scope` to the operation's managers."""
    operation = operation_for(request, slug)
    organisation = _found(selectors.organisation_get(operation, pk))
    user = _user(request)
    scope = request.POST.get("scope", "")
    if scope not in Delegation.Scope.values:
        raise Http404
    if request.POST.get("action") == "grant":
        try:
            delegation_services.delegation_grant(
                by=user, operation=operation, organisation=organisation, scope=scope
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Authorisation given."))
    else:
        current = {d.scope: d for d in delegation_services.delegations_of(operation, organisation)}
        delegation = current.get(scope)
        if delegation is not None:
            delegation_services.delegation_revoke(by=user, delegation=delegation)
            messages.success(request, _("Authorisation withdrawn."))
    return redirect("core:organisation_detail", slug=slug, pk=organisation.pk)


def _organisation_added(organisation: Organisation) -> str:
    return _("Organisation %(acronym)s added.") % {"acronym": organisation.acronym}


@login_required
@require_http_methods(["GET", "POST"])
def organisation_create(request: HttpRequest, slug: str) -> HttpResponse:
    operation = managed_operation(request, slug)
    form = OrganisationForm(request.POST or None)
    organisation = form_saved(
        request,
        form,
        lambda: organisation_services.organisation_create(
            by=_user(request), operation=operation, **form.cleaned_data
        ),
        _organisation_added,
    )
    if organisation is not None:
        return redirect("core:organisation_detail", slug=slug, pk=organisation.value.pk)
    return _render(request, "core/organisations/form.html", operation, form=form)


@login_required
@require_http_methods(["POST"])
def organisation_link(request: HttpRequest, slug: str) -> HttpResponse:
    """Add an organisation registered in another operation to this one, by acronym."""
    operation = managed_operation(request, slug)
    try:
        organisation = organisation_services.organisation_link(
            by=_user(request), operation=operation, acronym=request.POST.get("acronym", "")
        )
    except ValidationError as error:
        for message in error.message_dict.get("acronym", error.messages):
            messages.error(request, message)
        return redirect("core:organisations", slug=slug)
    messages.success(request, _organisation_added(organisation))
    return redirect("core:organisation_detail", slug=slug, pk=organisation.pk)


@login_required
@require_http_methods(["GET", "POST"])
def organisation_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation = managed_operation(request, slug)
    organisation = _found(selectors.organisation_get(operation, pk))
    initial = {
        "name": organisation.name,
        "acronym": organisation.acronym,
        "type": organisation.type,
        "country": organisation.country_id,
        "website": organisation.website,
    }
    form = OrganisationForm(request.POST or None, initial=initial)
    saved = form_saved(
        request,
        form,
        lambda: organisation_services.organisation_update(
            by=_user(request), operation=operation, organisation=organisation, **form.cleaned_data
        ),
        lambda _obj: _("Organisation saved."),
    )
    if saved is not None:
        return redirect("core:organisation_detail", slug=slug, pk=organisation.pk)
    return _render(
        request, "core/organisations/form.html", operation, form=form, organisation=organisation
    )


@login_required
@require_GET
def structure(request: HttpRequest, slug: str) -> HttpResponse:
    operation = operation_for(request, slug)
    return _render(
        request,
        "core/structure/tree.html",
        operation,
        tree=selectors.body_tree(operation),
        nuclear=list(selectors.nuclear_members(operation)),
    )


@login_required
@require_GET
def body_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation = operation_for(request, slug)
    body = _found(selectors.body_get(operation, pk))
    can_see_contacts = access.can_see_contacts(_user(request), operation)
    memberships = list(selectors.body_memberships(body))
    return _render(
        request,
        "core/structure/detail.html",
        operation,
        body=body,
        current=[m for m in memberships if _is_current(m)],
        past=[m for m in memberships if not _is_current(m)],
        children=list(selectors.body_children(body)),
        can_see_contacts=can_see_contacts,
        contacts=list(selectors.body_contacts(body)) if can_see_contacts else [],
    )


def _is_current(membership: Membership) -> bool:
    return membership.until is None or membership.until >= timezone.localdate()


@login_required
@require_http_methods(["GET", "POST"])
def body_create(request: HttpRequest, slug: str) -> HttpResponse:
    operation = managed_operation(request, slug)
    initial = {}
    parent_id = request.GET.get("parent", "")
    if parent_id.isdigit():
        initial["parent"] = int(parent_id)
    form = BodyForm(request.POST or None, operation=operation, initial=initial)
    body = form_saved(
        request,
        form,
        lambda: structure_services.body_create(
            by=_user(request), operation=operation, **form.service_fields()
        ),
        lambda body: _("Coordination body %(name)s created.") % {"name": body.name},
    )
    if body is not None:
        return redirect("core:body_detail", slug=slug, pk=body.value.pk)
    return _render(request, "core/structure/body_form.html", operation, form=form)


@login_required
@require_http_methods(["GET", "POST"])
def body_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation = managed_operation(request, slug)
    body = _found(selectors.body_get(operation, pk))
    form = BodyForm(
        request.POST or None, operation=operation, body=body, initial=BodyForm.initial_for(body)
    )
    saved = form_saved(
        request,
        form,
        lambda: structure_services.body_update(
            by=_user(request), body=body, **form.service_fields()
        ),
        lambda _obj: _("Coordination body saved."),
    )
    if saved is not None:
        return redirect("core:body_detail", slug=slug, pk=body.pk)
    return _render(request, "core/structure/body_form.html", operation, form=form, body=body)


def _membership_or_404(operation: Operation, pk: int) -> Membership:
    return _found(
        Membership.objects.filter(body__operation=operation, pk=pk)
        .select_related("body", "body__operation", "organisation")
        .first()
    )


@login_required
@require_http_methods(["GET", "POST"])
def membership_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation = managed_operation(request, slug)
    body = _found(selectors.body_get(operation, pk))
    form = MembershipForm(request.POST or None, operation=operation, body=body)
    membership = form_saved(
        request,
        form,
        lambda: structure_services.membership_add(
            by=_user(request), body=body, **form.cleaned_data
        ),
        lambda membership: (
            _("%(organisation)s added to %(body)s.")
            % {"organisation": membership.organisation.acronym, "body": body.name}
        ),
    )
    if membership is not None:
        return redirect("core:body_detail", slug=slug, pk=body.pk)
    return _render(request, "core/structure/membership_form.html", operation, form=form, body=body)


@login_required
@require_http_methods(["GET", "POST"])
def membership_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation = managed_operation(request, slug)
    membership = _membership_or_404(operation, pk)
    initial = {
        "role": membership.role,
        "is_nuclear": membership.is_nuclear,
        "since": membership.since,
        "until": membership.until,
    }
    form = MembershipForm(
        request.POST or None,
        operation=operation,
        body=membership.body,
        membership=membership,
        initial=initial,
    )
    saved = form_saved(
        request,
        form,
        lambda: structure_services.membership_update(
            by=_user(request), membership=membership, **form.cleaned_data
        ),
        lambda _obj: _("Membership saved."),
    )
    if saved is not None:
        return redirect("core:body_detail", slug=slug, pk=membership.body_id)
    return _render(
        request,
        "core/structure/membership_form.html",
        operation,
        form=form,
        body=membership.body,
        membership=membership,
    )


@login_required
@require_http_methods(["GET", "POST"])
def membership_end(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation = managed_operation(request, slug)
    membership = _membership_or_404(operation, pk)
    form = MembershipEndForm(request.POST or None)
    saved = form_saved(
        request,
        form,
        lambda: structure_services.membership_end(
            by=_user(request), membership=membership, until=form.cleaned_data["until"]
        ),
        lambda _obj: (
            _("Membership of %(organisation)s ended.")
            % {"organisation": membership.organisation.acronym}
        ),
    )
    if saved is not None:
        return redirect("core:body_detail", slug=slug, pk=membership.body_id)
    return _render(
        request,
        "core/structure/membership_end.html",
        operation,
        form=form,
        body=membership.body,
        membership=membership,
    )
