"""Pages of partner project sheets: list, write (with budget lines and targets), submit, vet
(comment, return, approve), versions, and what the 5W holds against each project."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tutela.core import access as core_access
from tutela.core.forms.directory import apply_validation_error, valid_filters
from tutela.core.models import Operation
from tutela.core.views.common import current_user, operation_for, paginate, post_action
from tutela.planning import access
from tutela.planning.forms.projects import (
    CommentForm,
    ProjectFilterForm,
    ProjectForm,
    ReturnForm,
    budget_formset,
    target_line_formset,
)
from tutela.planning.models import Project, ProjectVersion
from tutela.planning.selectors import projects as selectors
from tutela.planning.services import projects as services
from tutela.planning.views.common import page


def _project(request: HttpRequest, slug: str, pk: int) -> Project:
    operation = operation_for(request, slug)
    return access.project_get_for_user(current_user(request), operation, pk)


def _url(project: Project) -> str:
    return reverse("planning:project_detail", args=[project.operation.slug, project.pk])


@login_required
@require_GET
def project_list(request: HttpRequest, slug: str) -> HttpResponse:
    user = current_user(request)
    operation = operation_for(request, slug)
    form = ProjectFilterForm(request.GET or None, operation=operation)
    filters = valid_filters(form)
    return page(
        request,
        "planning/project_list.html",
        operation,
        form=form,
        filtered=bool(filters),
        page=paginate(request, selectors.project_list(user, operation, filters)),
        can_create=access.can_create_project(user, operation),
        status_counts=selectors.status_counts(user, operation),
    )


def _sheet_forms(
    request: HttpRequest, operation: Operation, project: Project | None
) -> tuple[ProjectForm, Any, Any]:
    choose = core_access.is_manager(current_user(request), operation)
    initial: dict[str, Any] = {}
    budget: list[dict[str, Any]] = []
    targets: list[dict[str, Any]] = []
    if project is not None:
        initial = {
            "organisation": project.organisation,
            "plan": project.plan,
            "code": project.code,
            "title": project.title,
            "objectives": project.objectives,
            "body": project.body,
            "start_date": project.start_date,
            "end_date": project.end_date,
            "implementing_partners": list(project.implementing_partners.all()),
            "plan_objectives": list(project.plan_objectives.all()),
            "locations": list(project.locations.all()),
            "activities": list(project.activities.all()),
        }
        budget = [
            {"category": b.category, "description": b.description, "amount_usd": b.amount_usd}
            for b in project.budget_lines.all()
        ]
        targets = [
            {"population_group": t.population_group, "targeted": t.targeted}
            for t in project.targets.all()
        ]
    data = request.POST or None
    form = ProjectForm(data, operation=operation, choose_organisation=choose, initial=initial)
    lines = budget_formset(data, initial=budget, prefix="budget")
    groups = target_line_formset(data, operation=operation, initial=targets, prefix="targets")
    return form, lines, groups


def _save_sheet(
    request: HttpRequest, form: ProjectForm, lines: Any, groups: Any, save: Any
) -> Project | None:
    if request.method != "POST":
        return None
    valid = [form.is_valid(), lines.is_valid(), groups.is_valid()]
    if not all(valid):
        return None
    fields = dict(form.cleaned_data)
    try:
        saved: Project = save(**fields, budget_lines=lines.lines(), targets=groups.targets())
        return saved
    except ValidationError as error:
        apply_validation_error(form, error)
        return None


@login_required
@require_http_methods(["GET", "POST"])
def project_create(request: HttpRequest, slug: str) -> HttpResponse:
    operation = operation_for(request, slug)
    if not access.can_create_project(current_user(request), operation):
        raise PermissionDenied
    form, lines, groups = _sheet_forms(request, operation, None)
    user = current_user(request)

    def create(**fields: Any) -> Project:
        fields.setdefault("organisation", user.organisation)
        return services.project_create(operation=operation, by=user, **fields)

    project = _save_sheet(request, form, lines, groups, create)
    if project is not None:
        messages.success(request, _("Project sheet saved as a draft."))
        return redirect(_url(project))
    return page(
        request,
        "planning/project_form.html",
        operation,
        form=form,
        lines=lines,
        groups=groups,
        project=None,
        subnav="projects",
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    project = _project(request, slug, pk)
    if not access.can_edit_project(current_user(request), project):
        raise PermissionDenied
    form, lines, groups = _sheet_forms(request, project.operation, project)
    user = current_user(request)

    def update(**fields: Any) -> Project:
        fields.pop("organisation", None)
        return services.project_update(project=project, by=user, **fields)

    saved = _save_sheet(request, form, lines, groups, update)
    if saved is not None:
        messages.success(request, _("Project sheet saved."))
        return redirect(_url(saved))
    return page(
        request,
        "planning/project_form.html",
        project.operation,
        form=form,
        lines=lines,
        groups=groups,
        project=project,
        subnav="projects",
    )


@login_required
@require_GET
def project_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    project = _project(request, slug, pk)
    user = current_user(request)
    # The vetting conversation is between the organisation and the cluster.
    insider = access.can_see_project_versions(user, project)
    return page(
        request,
        "planning/project_detail.html",
        project.operation,
        project=project,
        events=list(selectors.project_events(project)) if insider else [],
        reported=selectors.project_reported(user, project),
        can_edit=access.can_edit_project(user, project),
        can_vet=access.can_vet_projects(user, project.operation)
        and project.status == Project.Status.SUBMITTED,
        can_comment=access.can_comment_project(user, project),
        can_withdraw=(
            core_access.is_manager(user, project.operation) or access.is_own_project(user, project)
        )
        and project.status != Project.Status.WITHDRAWN,
        can_see_versions=insider,
        versions=list(project.versions.order_by("number")),
        comment_form=CommentForm(),
        **selectors.project_lines(project),
    )


@login_required
@require_POST
def project_submit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    project = _project(request, slug, pk)

    def submitted(version: ProjectVersion) -> str:
        return _("Project submitted to the cluster (version %(number)s).") % {
            "number": version.number
        }

    return post_action(
        request,
        lambda: services.project_submit(project=project, by=current_user(request)),
        success=submitted,
        then=_url(project),
    )


@login_required
@require_POST
def project_comment(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    project = _project(request, slug, pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a comment."))
        return redirect(_url(project))
    return post_action(
        request,
        lambda: services.project_comment(
            project=project, by=current_user(request), text=form.cleaned_data["text"]
        ),
        success=_("Comment added."),
        then=_url(project) + "#events",
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_return(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    project = _project(request, slug, pk)
    if not access.can_vet_projects(current_user(request), project.operation):
        raise PermissionDenied
    form = ReturnForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.project_return(
                project=project, by=current_user(request), comment=form.cleaned_data["comment"]
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Project returned to its organisation."))
            return redirect(_url(project))
    return page(
        request, "planning/project_return.html", project.operation, project=project, form=form
    )


@login_required
@require_POST
def project_approve(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    project = _project(request, slug, pk)
    return post_action(
        request,
        lambda: services.project_approve(
            project=project, by=current_user(request), comment=request.POST.get("comment", "")
        ),
        success=_("Project approved."),
        then=_url(project),
    )


@login_required
@require_POST
def project_withdraw(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    project = _project(request, slug, pk)
    return post_action(
        request,
        lambda: services.project_withdraw(project=project, by=current_user(request)),
        success=_("Project withdrawn."),
        then=_url(project),
    )


@login_required
@require_GET
def project_version(request: HttpRequest, slug: str, pk: int, number: int) -> HttpResponse:
    project = _project(request, slug, pk)
    if not access.can_see_project_versions(current_user(request), project):
        raise PermissionDenied
    version = get_object_or_404(ProjectVersion, project=project, number=number)
    return page(
        request,
        "planning/project_version.html",
        project.operation,
        project=project,
        version=version,
    )
