"""5W configuration pages for the operation's managers: activity catalogue (with indicators),
population groups, 5W settings and planning figures. Everyone else gets 403 (404 outside their
operations)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from tutela.activities.forms import (
    ActivityForm,
    IndicatorFormSet,
    PlanningFilterForm,
    PlanningUploadForm,
    PopulationGroupForm,
    SettingsForm,
    indicator_lines,
)
from tutela.activities.models import Activity, ActivitySettings, PlanningFigure
from tutela.activities.services import config as config_services
from tutela.activities.views.reporting import current_user, managed_operation, page, paginate
from tutela.core.forms.directory import apply_validation_error, valid_filters
from tutela.core.models import PopulationGroup


@login_required
@require_GET
def config_home(request: HttpRequest, slug: str) -> HttpResponse:
    operation = managed_operation(request, slug)
    return page(
        request,
        "activities/config/home.html",
        operation,
        activity_count=Activity.objects.filter(operation=operation).count(),
        group_count=PopulationGroup.objects.filter(operation=operation).count(),
        planning_count=PlanningFigure.objects.filter(operation=operation).count(),
        settings=config_services.settings_for(operation),
    )


# --- activities ----------------------------------------------------------------------------------


@login_required
@require_GET
def activity_list(request: HttpRequest, slug: str) -> HttpResponse:
    operation = managed_operation(request, slug)
    activities = (
        Activity.objects.filter(operation=operation)
        .select_related("body")
        .prefetch_related("indicators")
        .order_by("body__name", "code")
    )
    return page(
        request,
        "activities/config/activity_list.html",
        operation,
        page=paginate(request, activities),
    )


def _indicator_initial(activity: Activity) -> list[dict[str, Any]]:
    return [
        {
            "id": i.pk,
            "code": i.code,
            "name_en": i.name_en,
            "name_fr": i.name_fr,
            "name_es": i.name_es,
            "unit": i.unit,
        }
        for i in activity.indicators.all()
    ]


def _activity_page(request: HttpRequest, slug: str, activity: Activity | None) -> HttpResponse:
    operation = managed_operation(request, slug)
    data = request.POST if request.method == "POST" else None
    form = ActivityForm(
        data,
        operation=operation,
        initial=ActivityForm.initial_for(activity) if activity else None,
    )
    formset = IndicatorFormSet(
        data,
        prefix="indicators",
        form_kwargs={"operation": operation},
        initial=_indicator_initial(activity) if activity else None,
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        user = current_user(request)
        try:
            # The activity and its indicator lines are saved together, or not at all.
            with transaction.atomic():
                if activity is None:
                    activity = config_services.activity_create(
                        by=user,
                        operation=operation,
                        indicators=indicator_lines(formset),
                        request=request,
                        **form.cleaned_data,
                    )
                else:
                    activity = config_services.activity_update(
                        by=user,
                        activity=activity,
                        indicators=indicator_lines(formset),
                        request=request,
                        **form.cleaned_data,
                    )
        except ValidationError as error:
            apply_validation_error(form, error)
            # A create rolled back: no activity (the stubs type a model's pk as never None).
            if activity is not None and activity.pk is None:
                activity = None  # type: ignore[unreachable]
        else:
            messages.success(request, _("Activity %(code)s saved.") % {"code": activity.code})
            return redirect("activities:activity_list", slug=slug)
    return page(
        request,
        "activities/config/activity_form.html",
        operation,
        form=form,
        formset=formset,
        activity=activity,
    )


@login_required
@require_http_methods(["GET", "POST"])
def activity_create(request: HttpRequest, slug: str) -> HttpResponse:
    return _activity_page(request, slug, None)


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation = managed_operation(request, slug)
    activity = get_object_or_404(Activity, operation=operation, pk=pk)
    return _activity_page(request, slug, activity)


# --- population groups ---------------------------------------------------------------------------


@login_required
@require_GET
def population_groups(request: HttpRequest, slug: str) -> HttpResponse:
    operation = managed_operation(request, slug)
    groups = PopulationGroup.objects.filter(operation=operation).order_by("code")
    return page(
        request,
        "activities/config/population_groups.html",
        operation,
        page=paginate(request, groups),
    )


def _group_page(request: HttpRequest, slug: str, group: PopulationGroup | None) -> HttpResponse:
    operation = managed_operation(request, slug)
    initial = (
        {
            "code": group.code,
            "name_en": group.name_en,
            "name_fr": group.name_fr,
            "name_es": group.name_es,
            "hxl_attribute": group.hxl_attribute,
        }
        if group
        else None
    )
    form = PopulationGroupForm(request.POST or None, initial=initial, operation=operation)
    if request.method == "POST" and form.is_valid():
        user = current_user(request)
        try:
            if group is None:
                group = config_services.population_group_create(
                    by=user, operation=operation, request=request, **form.cleaned_data
                )
            else:
                group = config_services.population_group_update(
                    by=user, group=group, request=request, **form.cleaned_data
                )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Population group %(code)s saved.") % {"code": group.code})
            return redirect("activities:population_groups", slug=slug)
    return page(
        request, "activities/config/population_group_form.html", operation, form=form, group=group
    )


@login_required
@require_http_methods(["GET", "POST"])
def population_group_create(request: HttpRequest, slug: str) -> HttpResponse:
    return _group_page(request, slug, None)


@login_required
@require_http_methods(["GET", "POST"])
def population_group_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation = managed_operation(request, slug)
    group = get_object_or_404(PopulationGroup, operation=operation, pk=pk)
    return _group_page(request, slug, group)


# --- settings ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def settings_edit(request: HttpRequest, slug: str) -> HttpResponse:
    operation = managed_operation(request, slug)
    current = config_services.settings_for(operation)
    initial = {
        "cumulative_rule": current.cumulative_rule,
        "outlier_factor": current.outlier_factor,
        "rounds_open_days_before_end": current.rounds_open_days_before_end,
        "rounds_deadline_day": current.rounds_deadline_day,
        "sensitive_areas": " ".join(
            current.sensitive_areas.order_by("pcode").values_list("pcode", flat=True)
        )
        if current.pk
        else "",
    }
    form = SettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            config_services.settings_update(
                by=current_user(request),
                operation=operation,
                cumulative_rule=form.cleaned_data["cumulative_rule"],
                outlier_factor=form.cleaned_data["outlier_factor"],
                sensitive_area_pcodes=form.cleaned_data["sensitive_areas"],
                rounds_open_days_before_end=form.cleaned_data["rounds_open_days_before_end"],
                rounds_deadline_day=form.cleaned_data["rounds_deadline_day"] or 10,
                request=request,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("5W settings saved."))
            return redirect("activities:settings_edit", slug=slug)
    return page(
        request,
        "activities/config/settings.html",
        operation,
        form=form,
        rules=ActivitySettings.CumulativeRule,
    )


# --- planning figures ----------------------------------------------------------------------------


@login_required
@require_GET
def planning_figures(request: HttpRequest, slug: str) -> HttpResponse:
    operation = managed_operation(request, slug)
    form = PlanningFilterForm(request.GET or None, operation=operation)
    filters = valid_filters(form)
    figures = PlanningFigure.objects.filter(operation=operation).select_related(
        "area", "body", "population_group"
    )
    if filters.get("year"):
        figures = figures.filter(year=filters["year"])
    if filters.get("body"):
        figures = figures.filter(body=filters["body"])
    if filters.get("population_group"):
        figures = figures.filter(population_group=filters["population_group"])
    if filters.get("pcode"):
        figures = figures.filter(area__pcode__istartswith=filters["pcode"].strip())
    if filters.get("severity"):
        figures = figures.filter(severity__gte=filters["severity"])
    years = list(
        PlanningFigure.objects.filter(operation=operation)
        .order_by("-year")
        .values_list("year", flat=True)
        .distinct()
    )
    upload_form = PlanningUploadForm(initial={"year": years[0] if years else None, "dry_run": True})
    return page(
        request,
        "activities/config/planning.html",
        operation,
        form=form,
        page=paginate(request, figures.order_by("-year", "area__pcode", "body__code")),
        filtered=bool(filters),
        upload_form=upload_form,
    )
