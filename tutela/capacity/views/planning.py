"""Training needs assessments, the capacity-building plans with their progress, and the
people-trained indicator page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tutela.capacity import access as capacity_access
from tutela.capacity.forms.planning import (
    CapacityPlanForm,
    NeedsAssessmentForm,
    NeedsResponseForm,
    PlanItemForm,
    YearForm,
)
from tutela.capacity.models import CapacityPlan, CapacityPlanItem, NeedsAssessment, NeedsResponse
from tutela.capacity.selectors import indicators
from tutela.capacity.selectors import planning as selectors
from tutela.capacity.services import planning as services
from tutela.capacity.views.common import button, capacity_page
from tutela.core.models import Operation
from tutela.core.views.common import current_user as _user
from tutela.core.views.common import form_saved
from tutela.core.views.common import operation_for as _operation


def _managed(request: HttpRequest, slug: str) -> Operation:
    operation = _operation(request, slug)
    if not capacity_access.can_manage_trainings(_user(request), operation):
        raise PermissionDenied
    return operation


def _assessment(request: HttpRequest, slug: str, pk: int) -> NeedsAssessment:
    operation = _operation(request, slug)
    try:
        return NeedsAssessment.objects.select_related("operation").get(operation=operation, pk=pk)
    except NeedsAssessment.DoesNotExist:
        raise Http404 from None


def _plan(request: HttpRequest, slug: str, pk: int) -> CapacityPlan:
    operation = _operation(request, slug)
    try:
        return CapacityPlan.objects.select_related("operation", "body").get(
            operation=operation, pk=pk
        )
    except CapacityPlan.DoesNotExist:
        raise Http404 from None


# --- Needs assessments --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def needs(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _operation(request, slug)
    manager = capacity_access.can_manage_trainings(_user(request), operation)
    form = None
    if manager:
        form = NeedsAssessmentForm(request.POST or None, initial={"year": timezone.now().year})
        saved = form_saved(
            request,
            form,
            lambda: services.needs_assessment_create(
                operation=operation, by=_user(request), **form.cleaned_data
            ),
            _("Assessment opened."),
        )
        if saved is not None:
            return redirect("capacity:needs_detail", slug=slug, pk=saved.value.pk)
    elif request.method == "POST":
        raise PermissionDenied
    return capacity_page(
        request,
        "capacity/needs_list.html",
        operation,
        assessments=list(selectors.needs_assessments(operation)),
        form=form,
    )


@login_required
@require_GET
def needs_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    assessment = _assessment(request, slug, pk)
    operation = assessment.operation
    user = _user(request)
    manager = capacity_access.can_manage_trainings(user, operation)
    own_id = capacity_access.own_organisation_id(user, operation)
    own = (
        NeedsResponse.objects.filter(assessment=assessment, organisation_id=own_id).first()
        if own_id
        else None
    )
    return capacity_page(
        request,
        "capacity/needs_detail.html",
        operation,
        assessment=assessment,
        summary=selectors.needs_summary(assessment),
        responses=selectors.needs_responses(assessment) if manager else [],
        own=own,
        can_answer=assessment.status == NeedsAssessment.Status.OPEN
        and (manager or own_id is not None),
    )


@login_required
@require_http_methods(["GET", "POST"])
def needs_answer(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    assessment = _assessment(request, slug, pk)
    operation = assessment.operation
    user = _user(request)
    manager = capacity_access.can_manage_trainings(user, operation)
    own_id = capacity_access.own_organisation_id(user, operation)
    if not manager and own_id is None:
        raise PermissionDenied
    initial: dict[str, object] = {}
    existing = (
        NeedsResponse.objects.filter(assessment=assessment, organisation_id=own_id).first()
        if own_id is not None and not manager
        else None
    )
    if existing is not None:
        initial = {f"topic_{t}": v for t, v in existing.priorities.items()}
        initial.update(staff_to_train=existing.staff_to_train, comment=existing.comment)
    form = NeedsResponseForm(
        request.POST or None, operation=operation, choose_organisation=manager, initial=initial
    )

    def submit() -> NeedsResponse:
        organisation = form.cleaned_data.get("organisation") or user.organisation
        if organisation is None:
            raise PermissionDenied
        return services.needs_response_submit(
            assessment=assessment,
            by=user,
            organisation=organisation,
            priorities=form.priorities(),
            staff_to_train=form.cleaned_data["staff_to_train"],
            comment=form.cleaned_data["comment"],
        )

    saved = form_saved(
        request,
        form,
        submit,
        _("Thank you: the answer is recorded."),
    )
    if saved is not None:
        return redirect("capacity:needs_detail", slug=slug, pk=assessment.pk)
    return capacity_page(
        request, "capacity/needs_answer.html", operation, assessment=assessment, form=form
    )


@login_required
@require_POST
def needs_close(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    assessment = _assessment(request, slug, pk)
    if not capacity_access.can_manage_trainings(_user(request), assessment.operation):
        raise PermissionDenied
    return button(
        request,
        lambda: services.needs_assessment_close(assessment=assessment, by=_user(request)),
        success=_("Assessment closed."),
        then=reverse("capacity:needs_detail", args=[slug, pk]),
    )


# --- Plans --------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def plans(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _operation(request, slug)
    manager = capacity_access.can_manage_trainings(_user(request), operation)
    form = None
    if manager:
        form = CapacityPlanForm(
            request.POST or None, operation=operation, initial={"year": timezone.now().year}
        )
        saved = form_saved(
            request,
            form,
            lambda: services.capacity_plan_create(
                operation=operation, by=_user(request), **form.cleaned_data
            ),
            _("Plan created."),
        )
        if saved is not None:
            return redirect("capacity:plan_detail", slug=slug, pk=saved.value.pk)
    elif request.method == "POST":
        raise PermissionDenied
    return capacity_page(
        request,
        "capacity/plan_list.html",
        operation,
        plans=list(selectors.plans(operation)),
        form=form,
    )


@login_required
@require_GET
def plan_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    plan = _plan(request, slug, pk)
    return capacity_page(
        request,
        "capacity/plan_detail.html",
        plan.operation,
        plan=plan,
        progress=selectors.plan_progress(plan),
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_item(request: HttpRequest, slug: str, pk: int, item: int | None = None) -> HttpResponse:
    """Add an item to a plan, or change one."""
    plan = _plan(request, slug, pk)
    operation = plan.operation
    if not capacity_access.can_manage_trainings(_user(request), operation):
        raise PermissionDenied
    found: CapacityPlanItem | None = None
    if item is not None:
        try:
            found = plan.items.get(pk=item)
        except CapacityPlanItem.DoesNotExist:
            raise Http404 from None
    initial = PlanItemForm.initial_for(found) if found else {"target_sessions": 1}
    form = PlanItemForm(request.POST or None, operation=operation, initial=initial)

    def save() -> CapacityPlanItem:
        if found is None:
            return services.plan_item_add(plan=plan, by=_user(request), **form.cleaned_data)
        return services.plan_item_update(item=found, by=_user(request), **form.cleaned_data)

    saved = form_saved(request, form, save, _("Plan item saved."))
    if saved is not None:
        return redirect("capacity:plan_detail", slug=slug, pk=plan.pk)
    return capacity_page(
        request, "capacity/plan_item_form.html", operation, plan=plan, form=form, item=found
    )


@login_required
@require_POST
def plan_item_delete(request: HttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    plan = _plan(request, slug, pk)
    if not capacity_access.can_manage_trainings(_user(request), plan.operation):
        raise PermissionDenied
    try:
        found = plan.items.get(pk=item)
    except CapacityPlanItem.DoesNotExist:
        raise Http404 from None
    return button(
        request,
        lambda: services.plan_item_remove(item=found, by=_user(request)),
        success=_("Plan item removed."),
        then=reverse("capacity:plan_detail", args=[slug, pk]),
    )


# --- Indicators ---------------------------------------------------------------------------------


@login_required
@require_GET
def people_trained(request: HttpRequest, slug: str) -> HttpResponse:
    """People trained in a year by sex and organisation type: exact for the training team,
    small counts suppressed for everyone else."""
    operation = _operation(request, slug)
    form = YearForm(request.GET or None)
    year = timezone.now().year
    if form.is_valid() and form.cleaned_data.get("year"):
        year = form.cleaned_data["year"]
    result = indicators.people_trained_in_year(operation, year)
    exact = capacity_access.can_manage_trainings(_user(request), operation)
    return capacity_page(
        request,
        "capacity/people_trained.html",
        operation,
        form=form,
        year=year,
        result=result,
        table=None if exact else result.published(),
        exact_rows=result.rows() if exact else [],
        labels=indicators.organisation_type_labels(),
    )
