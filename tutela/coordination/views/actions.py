"""Action point pages: all action points (filtered), mine, overdue by organisation, one action
point with its history, and the forms that create, edit, move and comment on them.

Access: everyone with a role in the operation reads (404 for others); managers and the body's
focal points create and edit; owners (the person or a member of the owner organisation),
managers and the body's focal points change the status and comment (403 for others).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tutela.coordination import access as coordination_access
from tutela.coordination.forms.actions import (
    ActionPointFilterForm,
    ActionPointForm,
    CommentForm,
    StatusForm,
)
from tutela.coordination.models import ActionPoint
from tutela.coordination.selectors import actions as selectors
from tutela.coordination.services import actions as services
from tutela.coordination.views.common import coordination_page, not_focal_point
from tutela.core.forms.directory import valid_filters
from tutela.core.models import Operation
from tutela.core.views.common import current_user as _user
from tutela.core.views.common import operation_for as _operation
from tutela.core.views.common import paginate, save_form


def _render(
    request: HttpRequest, template: str, operation: Operation, **context: Any
) -> HttpResponse:
    today, may = timezone.localdate(), coordination_access.can_create(_user(request), operation)
    return coordination_page(
        request, template, operation, context, today=today, can_create_action_points=may
    )


def _detail_url(slug: str, action_point: ActionPoint) -> str:
    return reverse("coordination:action_point_detail", kwargs={"slug": slug, "pk": action_point.pk})


@login_required
@require_GET
def action_points(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _operation(request, slug)
    form = ActionPointFilterForm(request.GET or None, operation=operation)
    filters = valid_filters(form)
    filters.pop("page", None)
    points = selectors.action_point_list(operation, **filters)
    return _render(
        request,
        "coordination/action_list.html",
        operation,
        form=form,
        page=paginate(request, points),
        filtered=bool(filters),
        heading=_("Action points"),
        filters_label=_("Filter action points"),
    )


@login_required
@require_GET
def my_action_points(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _operation(request, slug)
    include_closed = request.GET.get("closed") == "1"
    points = selectors.my_action_points(_user(request), operation, include_closed=include_closed)
    return _render(
        request,
        "coordination/action_mine.html",
        operation,
        page=paginate(request, points),
        include_closed=include_closed,
    )


@login_required
@require_GET
def overdue(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _operation(request, slug)
    return _render(
        request,
        "coordination/action_overdue.html",
        operation,
        rows=selectors.overdue_by_organisation(operation),
    )


@login_required
@require_GET
def action_point_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation = _operation(request, slug)
    action_point = selectors.action_point_get(operation, pk)
    return _detail(request, operation, action_point)


def _detail(
    request: HttpRequest,
    operation: Operation,
    action_point: ActionPoint,
    *,
    status_form: StatusForm | None = None,
    comment_form: CommentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = _user(request)
    can_update = coordination_access.can_update_action_point(user, action_point)
    response = _render(
        request,
        "coordination/action_detail.html",
        operation,
        action_point=action_point,
        history=selectors.action_point_history(action_point),
        overdue=selectors.is_overdue(action_point),
        can_edit=coordination_access.can_edit_action_point(user, action_point),
        can_update=can_update,
        status_form=status_form
        or StatusForm(initial={"status": action_point.status}, auto_id="id_status_%s"),
        comment_form=comment_form or CommentForm(auto_id="id_comment_%s"),
    )
    response.status_code = status
    return response


@login_required
@require_http_methods(["GET", "POST"])
def action_point_create(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _operation(request, slug)
    if not coordination_access.can_create(_user(request), operation):
        raise PermissionDenied
    initial: dict[str, Any] = {"priority": ActionPoint.Priority.MEDIUM}
    if request.GET.get("body", "").isdigit():
        initial["body"] = int(request.GET["body"])
    form = ActionPointForm(request.POST or None, operation=operation, initial=initial)
    create = partial(services.action_point_create, operation=operation, by=_user(request))
    to_detail, recorded = partial(_detail_url, slug), _("Action point recorded.")
    saved = save_form(
        request, form, create, success=recorded, then=to_detail, refused=not_focal_point()
    )
    return saved or _render(request, "coordination/action_form.html", operation, form=form)


@login_required
@require_http_methods(["GET", "POST"])
def action_point_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation = _operation(request, slug)
    action_point = selectors.action_point_get(operation, pk)
    if not coordination_access.can_edit_action_point(_user(request), action_point):
        raise PermissionDenied
    form = ActionPointForm(
        request.POST or None,
        operation=operation,
        initial=ActionPointForm.initial_for(action_point),
    )
    update = partial(services.action_point_update, action_point=action_point, by=_user(request))
    refused = ("body", _("You may not move this action point to that body."))
    to_detail, saved_message = _detail_url(slug, action_point), _("Action point saved.")
    saved = save_form(request, form, update, success=saved_message, then=to_detail, refused=refused)
    return saved or _render(
        request, "coordination/action_form.html", operation, form=form, action_point=action_point
    )


@login_required
@require_POST
def action_point_status(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation = _operation(request, slug)
    action_point = selectors.action_point_get(operation, pk)
    if not coordination_access.can_update_action_point(_user(request), action_point):
        raise PermissionDenied
    form = StatusForm(request.POST, auto_id="id_status_%s")

    def set_status(**data: Any) -> None:
        try:
            services.action_point_set_status(action_point=action_point, by=_user(request), **data)
        except ValidationError:
            # The service changed the object in memory before refusing it: show what is saved.
            action_point.refresh_from_db()
            raise

    def changed(_none: None) -> str:
        return _("Status: %(status)s.") % {"status": action_point.get_status_display()}

    to_detail = _detail_url(slug, action_point)
    saved = save_form(request, form, set_status, success=changed, then=to_detail)
    return saved or _detail(request, operation, action_point, status_form=form, status=400)


@login_required
@require_POST
def action_point_comment(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation = _operation(request, slug)
    action_point = selectors.action_point_get(operation, pk)
    if not coordination_access.can_update_action_point(_user(request), action_point):
        raise PermissionDenied
    form = CommentForm(request.POST, auto_id="id_comment_%s")
    comment = partial(services.action_point_comment, action_point=action_point, by=_user(request))
    to_detail = _detail_url(slug, action_point)
    saved = save_form(request, form, comment, success=_("Comment added."), then=to_detail)
    return saved or _detail(request, operation, action_point, comment_form=form, status=400)
