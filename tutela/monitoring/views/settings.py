"""Monitoring settings pages, for the operation's managers (coordinator, IMO): settings (analysts,
duplicate window, early warning), sharing agreements, area populations, reference lists and
typology mappings. Everyone else gets 403 (404 outside their operations)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tutela.core import access
from tutela.core.models import Operation
from tutela.core.views.common import current_user, form_saved, operation_for, paginate
from tutela.monitoring.forms.settings import (
    MonitoringSettingsForm,
    PopulationUploadForm,
    RiskMappingForm,
    SharingAgreementForm,
    reference_form_class,
)
from tutela.monitoring.models import AreaPopulation, RiskMapping, SharingAgreement
from tutela.monitoring.services import settings as services


def _managed(request: HttpRequest, slug: str) -> Operation:
    operation = operation_for(request, slug)
    access.require_manager(current_user(request), operation)
    return operation


def _page(
    request: HttpRequest, template: str, operation: Operation, **context: Any
) -> HttpResponse:
    context.setdefault("operation", operation)
    context.setdefault("nav_active", "monitoring")
    context.setdefault("reference_kinds", reference_kinds())
    return render(request, template, context)


def reference_kinds() -> list[tuple[str, str]]:
    return [
        (kind, str(model._meta.verbose_name_plural).capitalize())
        for kind, model in services.REFERENCE_MODELS.items()
    ]


def _submitted(
    request: HttpRequest, form: BaseForm, save: Callable[[], object], done: str, *to: Any
) -> HttpResponse | None:
    """`form_saved`, then a redirect to `to` (None: show the page again)."""
    if form_saved(request, form, save, done) is None:
        return None
    return redirect(*to)


@login_required
@require_http_methods(["GET", "POST"])
def settings_home(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _managed(request, slug)
    instance = services.settings_for(operation)
    initial = {
        "analysts": list(instance.analysts.all()),
        "duplicate_window_days": instance.duplicate_window_days,
        "baseline_months": instance.baseline_months,
        "min_count": instance.min_count,
        "significance": instance.significance,
    }
    form = MonitoringSettingsForm(request.POST or None, operation=operation, initial=initial)
    done = _submitted(
        request,
        form,
        lambda: services.monitoring_settings_update(
            operation=operation,
            by=current_user(request),
            analysts=list(form.cleaned_data["analysts"]),
            duplicate_window_days=form.cleaned_data["duplicate_window_days"],
            baseline_months=form.cleaned_data["baseline_months"],
            min_count=form.cleaned_data["min_count"],
            significance=form.cleaned_data["significance"],
            request=request,
        ),
        _("Monitoring settings saved."),
        "monitoring:settings",
        operation.slug,
    )
    if done is not None:
        return done
    return _page(request, "monitoring/settings/home.html", operation, form=form)


@login_required
@require_http_methods(["GET", "POST"])
def settings_sharing(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _managed(request, slug)
    form = SharingAgreementForm(request.POST or None, operation=operation)
    done = _submitted(
        request,
        form,
        lambda: services.sharing_agreement_save(
            operation=operation, by=current_user(request), request=request, **form.cleaned_data
        ),
        _("Sharing agreement recorded."),
        "monitoring:settings_sharing",
        operation.slug,
    )
    if done is not None:
        return done
    agreements = {
        a.organisation_id: a
        for a in SharingAgreement.objects.filter(operation=operation).select_related("recorded_by")
    }
    organisations = [
        (org, agreements.get(org.pk)) for org in operation.organisations.order_by("acronym")
    ]
    return _page(
        request,
        "monitoring/settings/sharing.html",
        operation,
        form=form,
        organisations=organisations,
    )


@login_required
@require_http_methods(["GET", "POST"])
def settings_populations(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _managed(request, slug)
    form = PopulationUploadForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        result = services.area_populations_import(
            operation=operation,
            by=current_user(request),
            source=upload,
            file_name=upload.name,
            dry_run=form.cleaned_data["dry_run"],
            request=request,
        )
        if result.ok and not result.dry_run:
            messages.success(
                request,
                _("%(created)s populations added, %(updated)s updated.")
                % {"created": result.created, "updated": result.updated},
            )
            return redirect("monitoring:settings_populations", operation.slug)
        if result.ok:
            messages.success(request, _("The file is valid: %(n)s rows.") % {"n": result.rows})
    populations = (
        AreaPopulation.objects.filter(operation=operation)
        .select_related("area")
        .order_by("area__pcode", "-year")
    )
    page = paginate(request, populations)
    return _page(
        request,
        "monitoring/settings/populations.html",
        operation,
        form=form,
        result=result,
        page=page,
    )


def _kind(kind: str) -> str:
    if kind not in services.REFERENCE_MODELS:
        raise Http404
    return kind


@login_required
def settings_reference(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    operation = _managed(request, slug)
    model = services.REFERENCE_MODELS[_kind(kind)]
    items = model._default_manager.filter(operation=operation).order_by("order", "code")
    if kind == "violations":
        items = items.select_related("risk")
    page = paginate(request, items)
    return _page(
        request,
        "monitoring/settings/reference_list.html",
        operation,
        kind=kind,
        kind_label=str(model._meta.verbose_name_plural).capitalize(),
        extra=services.REFERENCE_EXTRA[kind],
        page=page,
    )


@login_required
@require_http_methods(["GET", "POST"])
def settings_reference_edit(
    request: HttpRequest, slug: str, kind: str, pk: int | None = None
) -> HttpResponse:
    operation = _managed(request, slug)
    model = services.REFERENCE_MODELS[_kind(kind)]
    instance = None
    if pk is not None:
        instance = model._default_manager.filter(operation=operation, pk=pk).first()
        if instance is None:
            raise Http404
    form_class = reference_form_class(kind, operation)
    form = form_class(request.POST or None, instance=instance)
    done = _submitted(
        request,
        form,
        lambda: services.reference_item_save(
            operation=operation,
            by=current_user(request),
            kind=kind,
            data=dict(form.cleaned_data),
            instance=instance,
            request=request,
        ),
        _("Saved."),
        "monitoring:settings_reference",
        operation.slug,
        kind,
    )
    if done is not None:
        return done
    return _page(
        request,
        "monitoring/settings/reference_form.html",
        operation,
        kind=kind,
        kind_label=str(model._meta.verbose_name_plural).capitalize(),
        form=form,
        instance=instance,
    )


@login_required
@require_http_methods(["GET", "POST"])
def settings_mappings(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _managed(request, slug)
    form = RiskMappingForm(request.POST or None, operation=operation)
    done = _submitted(
        request,
        form,
        lambda: services.risk_mapping_save(
            operation=operation, by=current_user(request), request=request, **form.cleaned_data
        ),
        _("Mapping saved."),
        "monitoring:settings_mappings",
        operation.slug,
    )
    if done is not None:
        return done
    mappings = (
        RiskMapping.objects.filter(operation=operation)
        .select_related("risk", "violation")
        .order_by("typology", "label")
    )
    typology = request.GET.get("typology", "").strip()
    if typology:
        mappings = mappings.filter(typology=typology)
    page = paginate(request, mappings)
    return _page(
        request,
        "monitoring/settings/mappings.html",
        operation,
        form=form,
        page=page,
        typology=typology,
    )


@login_required
@require_http_methods(["GET", "POST"])
def settings_mapping_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation = _managed(request, slug)
    mapping = RiskMapping.objects.filter(operation=operation, pk=pk).first()
    if mapping is None:
        raise Http404
    form = RiskMappingForm(request.POST or None, operation=operation, instance=mapping)
    done = _submitted(
        request,
        form,
        lambda: services.risk_mapping_save(
            operation=operation,
            by=current_user(request),
            instance=mapping,
            request=request,
            **form.cleaned_data,
        ),
        _("Mapping saved."),
        "monitoring:settings_mappings",
        operation.slug,
    )
    if done is not None:
        return done
    return _page(
        request, "monitoring/settings/mapping_form.html", operation, form=form, mapping=mapping
    )


@login_required
@require_POST
def settings_mapping_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation = _managed(request, slug)
    mapping = RiskMapping.objects.filter(operation=operation, pk=pk).first()
    if mapping is None:
        raise Http404
    services.risk_mapping_delete(mapping=mapping, by=current_user(request), request=request)
    messages.success(request, _("Mapping deleted."))
    return redirect("monitoring:settings_mappings", operation.slug)
