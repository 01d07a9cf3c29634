"""Strategy and work plan pages: the plans of the bodies, one plan with its timeline, an
activity with its quarterly reviews and the action points and trainings that carry it out."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tutela.capacity import access as capacity_access
from tutela.capacity.forms.workplans import (
    ActionPointLinkForm,
    ObjectiveForm,
    SessionLinkForm,
    WorkActivityForm,
    WorkPlanForm,
    WorkReviewForm,
)
from tutela.capacity.models import WorkActivity, WorkObjective, WorkPlan
from tutela.capacity.selectors import coordination_link
from tutela.capacity.selectors import workplans as selectors
from tutela.capacity.services import workplans as services
from tutela.capacity.views.common import capacity_page
from tutela.core.views.common import current_user as _user
from tutela.core.views.common import form_saved
from tutela.core.views.common import operation_for as _operation


def _plan(request: HttpRequest, slug: str, pk: int) -> WorkPlan:
    operation = _operation(request, slug)
    try:
        return WorkPlan.objects.select_related("operation", "body").get(operation=operation, pk=pk)
    except WorkPlan.DoesNotExist:
        raise Http404 from None


def _activity(plan: WorkPlan, pk: int) -> WorkActivity:
    try:
        return WorkActivity.objects.select_related(
            "objective", "objective__plan", "lead_organisation"
        ).get(objective__plan=plan, pk=pk)
    except WorkActivity.DoesNotExist:
        raise Http404 from None


def _require_editor(request: HttpRequest, plan: WorkPlan) -> None:
    if not capacity_access.can_edit_workplan(_user(request), plan.body):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def workplans(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _operation(request, slug)
    bodies = capacity_access.editable_bodies(_user(request), operation)
    form = None
    if bodies.exists():
        form = WorkPlanForm(
            request.POST or None, bodies=bodies, initial={"year": timezone.now().year}
        )
        saved = form_saved(
            request,
            form,
            lambda: services.workplan_create(by=_user(request), **form.cleaned_data),
            _("Work plan created."),
        )
        if saved is not None:
            return redirect("capacity:workplan_detail", slug=slug, pk=saved.value.pk)
    elif request.method == "POST":
        raise PermissionDenied
    return capacity_page(
        request,
        "capacity/workplan_list.html",
        operation,
        plans=list(selectors.workplans(operation)),
        form=form,
    )


@login_required
@require_http_methods(["GET", "POST"])
def workplan_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The plan, its timeline, and (for its editors) the form adding an objective."""
    plan = _plan(request, slug, pk)
    can_edit = capacity_access.can_edit_workplan(_user(request), plan.body)
    form = None
    if can_edit:
        form = ObjectiveForm(request.POST or None)
        saved = form_saved(
            request,
            form,
            lambda: services.objective_add(plan=plan, by=_user(request), **form.cleaned_data),
            _("Objective added."),
        )
        if saved is not None:
            return redirect("capacity:workplan_detail", slug=slug, pk=plan.pk)
    elif request.method == "POST":
        raise PermissionDenied
    return capacity_page(
        request,
        "capacity/workplan_detail.html",
        plan.operation,
        view=selectors.plan_view(plan),
        plan=plan,
        can_edit=can_edit,
        form=form,
    )


@login_required
@require_http_methods(["GET", "POST"])
def work_activity_edit(
    request: HttpRequest, slug: str, pk: int, activity: int | None = None
) -> HttpResponse:
    plan = _plan(request, slug, pk)
    _require_editor(request, plan)
    found = _activity(plan, activity) if activity is not None else None
    initial = WorkActivityForm.initial_for(found) if found else {}
    form = WorkActivityForm(request.POST or None, plan=plan, initial=initial)

    def save() -> WorkActivity:
        data = dict(form.cleaned_data)
        if found is None:
            objective: WorkObjective = data.pop("objective")
            return services.work_activity_add(objective=objective, by=_user(request), **data)
        return services.work_activity_update(activity=found, by=_user(request), **data)

    saved = form_saved(request, form, save, _("Activity saved."))
    if saved is not None:
        return redirect("capacity:work_activity", slug=slug, pk=plan.pk, activity=saved.value.pk)
    return capacity_page(
        request,
        "capacity/work_activity_form.html",
        plan.operation,
        plan=plan,
        form=form,
        activity=found,
    )


@login_required
@require_http_methods(["GET", "POST"])
def work_activity(request: HttpRequest, slug: str, pk: int, activity: int) -> HttpResponse:
    """An activity: its quarterly reviews, action points and trainings; its editors review it
    here."""
    plan = _plan(request, slug, pk)
    found = _activity(plan, activity)
    can_edit = capacity_access.can_edit_workplan(_user(request), plan.body)
    today = timezone.localdate()
    form = None
    if can_edit:
        form = WorkReviewForm(
            request.POST or None,
            initial={
                "quarter": (today.month - 1) // 3 + 1 if today.year == plan.year else 4,
                "progress": found.progress,
                "status": found.status,
            },
        )
        saved = form_saved(
            request,
            form,
            lambda: services.work_review_record(
                activity=found, by=_user(request), year=plan.year, **form.cleaned_data
            ),
            _("Review recorded."),
        )
        if saved is not None:
            return redirect("capacity:work_activity", slug=slug, pk=plan.pk, activity=found.pk)
    elif request.method == "POST":
        raise PermissionDenied
    states = coordination_link.action_points_state(plan.operation, found.action_point_ids)
    return capacity_page(
        request,
        "capacity/work_activity.html",
        plan.operation,
        plan=plan,
        activity=found,
        reviews=list(found.reviews.select_related("reviewed_by")),
        action_points=[states[p] for p in found.action_point_ids if p in states],
        sessions=list(found.sessions.select_related("course").order_by("starts_on")),
        can_edit=can_edit,
        form=form,
        point_form=ActionPointLinkForm() if can_edit else None,
        session_form=SessionLinkForm(plan=plan) if can_edit else None,
    )


@login_required
@require_POST
def work_activity_action_point(
    request: HttpRequest, slug: str, pk: int, activity: int
) -> HttpResponse:
    plan = _plan(request, slug, pk)
    _require_editor(request, plan)
    found = _activity(plan, activity)
    form = ActionPointLinkForm(request.POST)

    def save() -> object:
        if form.cleaned_data.get("action_point"):
            return services.work_activity_action_point_link(
                activity=found, by=_user(request), action_point_id=form.cleaned_data["action_point"]
            )
        return services.work_activity_action_point_open(
            activity=found, by=_user(request), title=form.cleaned_data["title"]
        )

    if form_saved(request, form, save, _("Action point linked.")) is None:
        errors = [str(e) for errs in form.errors.values() for e in errs]
        messages.error(request, " ".join(errors) or _("Nothing was linked."))
    return redirect("capacity:work_activity", slug=slug, pk=plan.pk, activity=found.pk)


@login_required
@require_POST
def work_activity_session(request: HttpRequest, slug: str, pk: int, activity: int) -> HttpResponse:
    plan = _plan(request, slug, pk)
    _require_editor(request, plan)
    found = _activity(plan, activity)
    form = SessionLinkForm(request.POST, plan=plan)
    remove = request.POST.get("remove") == "1"
    saved = form_saved(
        request,
        form,
        lambda: services.work_activity_session_link(
            activity=found, by=_user(request), session=form.cleaned_data["session"], remove=remove
        ),
        _("Training unlinked.") if remove else _("Training linked."),
    )
    if saved is None:
        messages.error(request, _("Choose a training session of this operation."))
    return redirect("capacity:work_activity", slug=slug, pk=plan.pk, activity=found.pk)
