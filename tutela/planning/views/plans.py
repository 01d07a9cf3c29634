"""Pages of the response plan: the plan with its monitoring framework filled from the 5W, its
objectives, indicators (reached against target by area, population group and month), targets,
requirements and versions. Everyone with a role reads; the operation's managers write."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tutela.core.views.common import current_user, operation_for, post_action, save_form
from tutela.planning import access, exports
from tutela.planning.forms.plans import (
    IndicatorForm,
    ObjectiveForm,
    PlanForm,
    RequirementForm,
    VersionForm,
    target_formset,
)
from tutela.planning.models import Objective, Plan, PlanIndicator, PlanVersion
from tutela.planning.selectors import allocations as allocation_selectors
from tutela.planning.selectors import fivew, funding
from tutela.planning.selectors import plans as selectors
from tutela.planning.selectors import projects as project_selectors
from tutela.planning.services import plans as services
from tutela.planning.views.common import page


def _plan(request: HttpRequest, slug: str, pk: int) -> Plan:
    operation = operation_for(request, slug)
    return access.plan_get_for_user(current_user(request), operation, pk)


def _plan_url(plan: Plan) -> str:
    return reverse("planning:plan_detail", args=[plan.operation.slug, plan.pk])


def _editable_plan(request: HttpRequest, slug: str, pk: int) -> Plan:
    plan = _plan(request, slug, pk)
    access.require_plan_editor(current_user(request), plan.operation)
    return plan


@login_required
@require_GET
def home(request: HttpRequest, slug: str) -> HttpResponse:
    operation = operation_for(request, slug)
    plans = list(selectors.plan_list(operation))
    return page(
        request,
        "planning/home.html",
        operation,
        plans=plans,
        can_edit=access.can_edit_plans(current_user(request), operation),
        project_counts=project_selectors.status_counts(current_user(request), operation),
        allocations=list(allocation_selectors.allocation_list(operation)[:10]),
        funding_summary=funding.funding_summary(operation, plans[0].year) if plans else None,
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_create(request: HttpRequest, slug: str) -> HttpResponse:
    operation = operation_for(request, slug)
    access.require_plan_editor(current_user(request), operation)
    form = PlanForm(request.POST or None, operation=operation)

    create = partial(services.plan_create, operation=operation, by=current_user(request))
    saved = save_form(request, form, create, success=_("Plan created."), then=_plan_url)
    return saved or page(request, "planning/plan_form.html", operation, form=form, plan=None)


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    plan = _editable_plan(request, slug, pk)
    initial = {"kind": plan.kind, "title": plan.title, "code": plan.code, "body": plan.body}
    form = PlanForm(request.POST or None, operation=plan.operation, editing=True, initial=initial)
    update = partial(services.plan_update, plan=plan, by=current_user(request))
    saved = save_form(
        request,
        form,
        update,
        success=_("Plan saved."),
        then=_plan_url(plan),
    )
    return saved or page(request, "planning/plan_form.html", plan.operation, form=form, plan=plan)


@login_required
@require_GET
def plan_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    plan = _plan(request, slug, pk)
    operation = plan.operation
    framework = selectors.plan_framework(user=current_user(request), plan=plan)
    can_edit = access.can_edit_plans(current_user(request), operation)
    objectives = list(plan.objectives.select_related("parent").order_by("kind", "order", "code"))
    return page(
        request,
        "planning/plan_detail.html",
        operation,
        plan=plan,
        framework=framework,
        objectives=objectives,
        figures=fivew.planning_figure_totals(operation, plan.year),
        requirements=list(plan.requirements.select_related("body")),
        requirements_total=sum(r.amount_usd for r in plan.requirements.all()),
        funding_summary=funding.funding_summary(operation, plan.year),
        versions=list(plan.versions.select_related("created_by")),
        can_edit=can_edit,
        editable=can_edit and plan.is_editable,
        version_form=VersionForm(plan=plan) if can_edit else None,
        requirement_form=RequirementForm(operation=operation) if can_edit else None,
    )


@login_required
@require_GET
def framework_export(request: HttpRequest, slug: str, pk: int, fmt: str) -> HttpResponse:
    plan = _plan(request, slug, pk)
    if fmt not in exports.FORMATS:
        raise Http404
    framework = selectors.plan_framework(user=current_user(request), plan=plan)
    return exports.framework_download(framework, fmt=fmt, by=current_user(request), request=request)


# --- objectives ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def objective_create(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    plan = _editable_plan(request, slug, pk)
    form = ObjectiveForm(request.POST or None, plan=plan)

    create = partial(services.objective_create, plan=plan, by=current_user(request))
    saved = save_form(request, form, create, success=_("Objective added."), then=_plan_url(plan))
    return saved or page(
        request,
        "planning/objective_form.html",
        plan.operation,
        form=form,
        plan=plan,
        objective=None,
    )


@login_required
@require_http_methods(["GET", "POST"])
def objective_edit(request: HttpRequest, slug: str, pk: int, objective_pk: int) -> HttpResponse:
    plan = _editable_plan(request, slug, pk)
    objective = get_object_or_404(Objective, plan=plan, pk=objective_pk)
    initial = {
        name: getattr(objective, name)
        for name in ("kind", "code", "name_en", "name_fr", "name_es", "parent", "order")
    }
    form = ObjectiveForm(request.POST or None, plan=plan, initial=initial)

    update = partial(services.objective_update, objective=objective, by=current_user(request))
    saved = save_form(request, form, update, success=_("Objective saved."), then=_plan_url(plan))
    return saved or page(
        request,
        "planning/objective_form.html",
        plan.operation,
        form=form,
        plan=plan,
        objective=objective,
    )


@login_required
@require_POST
def objective_delete(request: HttpRequest, slug: str, pk: int, objective_pk: int) -> HttpResponse:
    plan = _editable_plan(request, slug, pk)
    objective = get_object_or_404(Objective, plan=plan, pk=objective_pk)
    return post_action(
        request,
        lambda: services.objective_delete(objective=objective, by=current_user(request)),
        success=_("Objective removed."),
        then=_plan_url(plan),
    )


# --- indicators ----------------------------------------------------------------------------------


def _indicator_url(indicator: PlanIndicator) -> str:
    return reverse(
        "planning:indicator_detail",
        args=[indicator.plan.operation.slug, indicator.plan_id, indicator.pk],
    )


@login_required
@require_http_methods(["GET", "POST"])
def indicator_create(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    plan = _editable_plan(request, slug, pk)
    form = IndicatorForm(request.POST or None, plan=plan)

    create = partial(services.indicator_create, plan=plan, by=current_user(request))
    saved = save_form(request, form, create, success=_("Indicator added."), then=_indicator_url)
    return saved or page(
        request,
        "planning/indicator_form.html",
        plan.operation,
        form=form,
        plan=plan,
        indicator=None,
    )


@login_required
@require_http_methods(["GET", "POST"])
def indicator_edit(request: HttpRequest, slug: str, pk: int, indicator_pk: int) -> HttpResponse:
    plan = _editable_plan(request, slug, pk)
    indicator = selectors.indicator_get(plan, indicator_pk)
    initial = {name: getattr(indicator, name) for name in services.INDICATOR_FIELDS}
    initial["activities"] = list(indicator.activities.all())
    initial["fivew_indicators"] = list(indicator.fivew_indicators.all())
    form = IndicatorForm(request.POST or None, plan=plan, initial=initial)

    update = partial(services.indicator_update, indicator=indicator, by=current_user(request))
    saved = save_form(
        request, form, update, success=_("Indicator saved."), then=_indicator_url(indicator)
    )
    return saved or page(
        request,
        "planning/indicator_form.html",
        plan.operation,
        form=form,
        plan=plan,
        indicator=indicator,
    )


@login_required
@require_POST
def indicator_delete(request: HttpRequest, slug: str, pk: int, indicator_pk: int) -> HttpResponse:
    plan = _editable_plan(request, slug, pk)
    indicator = selectors.indicator_get(plan, indicator_pk)
    return post_action(
        request,
        lambda: services.indicator_delete(indicator=indicator, by=current_user(request)),
        success=_("Indicator removed."),
        then=_plan_url(plan),
    )


BREAKDOWN_DIMS = ("area", "population_group", "month")


@login_required
@require_GET
def indicator_detail(request: HttpRequest, slug: str, pk: int, indicator_pk: int) -> HttpResponse:
    user = current_user(request)
    plan = _plan(request, slug, pk)
    indicator = selectors.indicator_get(plan, indicator_pk)
    level_param = request.GET.get("level", "")
    level = int(level_param) if level_param in ("1", "2", "3") else None
    breakdowns = {
        dim: selectors.indicator_breakdown(user=user, indicator=indicator, dim=dim, level=level)
        for dim in BREAKDOWN_DIMS
    }
    framework_row = next(
        (
            row
            for row in selectors.plan_framework(user=user, plan=plan).rows
            if row.indicator.pk == indicator.pk
        ),
        None,
    )
    return page(
        request,
        "planning/indicator_detail.html",
        plan.operation,
        plan=plan,
        indicator=indicator,
        progress=framework_row,
        by_area=breakdowns["area"],
        by_group=breakdowns["population_group"],
        by_month=breakdowns["month"],
        level=level or selectors.target_level(indicator),
        level_links=[(n, plan.operation.level_label(n)) for n in (1, 2, 3)],
        editable=access.can_edit_plans(user, plan.operation) and plan.is_editable,
    )


@login_required
@require_http_methods(["GET", "POST"])
def indicator_targets(request: HttpRequest, slug: str, pk: int, indicator_pk: int) -> HttpResponse:
    plan = _editable_plan(request, slug, pk)
    indicator = selectors.indicator_get(plan, indicator_pk)
    initial = [
        {
            "area": t.area,
            "population_group": t.population_group,
            "baseline": t.baseline,
            "target": t.target,
        }
        for t in indicator.targets.all()
    ]
    formset = target_formset(
        request.POST or None, operation=plan.operation, initial=initial, prefix="targets"
    )
    if request.method == "POST" and formset.is_valid():
        try:
            services.indicator_targets_save(
                indicator=indicator, by=current_user(request), targets=formset.targets()
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Targets saved."))
            return redirect(_indicator_url(indicator))
    return page(
        request,
        "planning/indicator_targets.html",
        plan.operation,
        plan=plan,
        indicator=indicator,
        formset=formset,
    )


# --- requirements and versions -------------------------------------------------------------------


@login_required
@require_POST
def requirement_set(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    plan = _editable_plan(request, slug, pk)
    form = RequirementForm(request.POST, operation=plan.operation)
    if not form.is_valid():
        messages.error(request, _("Choose a cluster or AoR and give an amount."))
        return redirect(_plan_url(plan))
    return post_action(
        request,
        lambda: services.requirement_set(plan=plan, by=current_user(request), **form.cleaned_data),
        success=_("Requirements saved."),
        then=_plan_url(plan),
    )


@login_required
@require_POST
def version_save(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    plan = _plan(request, slug, pk)
    if not access.can_edit_plans(current_user(request), plan.operation):
        raise PermissionDenied
    form = VersionForm(request.POST, plan=plan)
    if not form.is_valid():
        messages.error(request, _("This version cannot be saved now."))
        return redirect(_plan_url(plan))

    def saved(version: PlanVersion) -> str:
        return _("Version %(number)s saved (%(kind)s).") % {
            "number": version.number,
            "kind": version.get_kind_display(),
        }

    return post_action(
        request,
        lambda: services.plan_version_save(
            plan=plan, by=current_user(request), **form.cleaned_data
        ),
        success=saved,
        then=_plan_url(plan),
    )


@login_required
@require_POST
def revision_start(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    plan = _plan(request, slug, pk)
    if not access.can_edit_plans(current_user(request), plan.operation):
        raise PermissionDenied
    return post_action(
        request,
        lambda: services.plan_revision_start(plan=plan, by=current_user(request)),
        success=_("The mid-year revision has started: the plan can be changed again."),
        then=_plan_url(plan),
    )


@login_required
@require_GET
def version_detail(request: HttpRequest, slug: str, pk: int, number: int) -> HttpResponse:
    plan = _plan(request, slug, pk)
    version = get_object_or_404(
        PlanVersion.objects.select_related("created_by"), plan=plan, number=number
    )
    return page(
        request,
        "planning/version_detail.html",
        plan.operation,
        plan=plan,
        version=version,
        changes=selectors.version_changes(version),
    )
