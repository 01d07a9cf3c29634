"""Incident pages under /o/<slug>/monitoring/ (url names "monitoring:<name>"): the module's home,
the record form (with the warning on personal data in the narrative), the list, the detail, edit,
delete, and the analysts' review of probable duplicates.

Access (tutela.monitoring.access): operations the user has no role in answer 404; records the
user may not see answer 404; what the user may see but not do (an analyst editing another
organisation's record, a partner opening the duplicates review) answers 403.
"""

from __future__ import annotations

import contextlib
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tutela.core import access
from tutela.core.models import Operation, Organisation
from tutela.core.views.common import PAGE_SIZE, paginate
from tutela.core.views.common import current_user as _user
from tutela.core.views.common import operation_for as _operation
from tutela.monitoring import access as monitoring_access
from tutela.monitoring.forms.incident_filters import IncidentFilterForm
from tutela.monitoring.forms.incidents import IncidentForm, narrative_digest
from tutela.monitoring.incidents import records
from tutela.monitoring.incidents.data import References, incident_problems
from tutela.monitoring.incidents.narrative import mask_personal_data
from tutela.monitoring.models import DuplicateFlag, Incident
from tutela.monitoring.services import duplicates as duplicate_services
from tutela.monitoring.services import incidents as incident_services


def _page(
    request: HttpRequest, template: str, operation: Operation, **context: Any
) -> HttpResponse:
    context.setdefault("operation", operation)
    context.setdefault("nav_active", "monitoring")
    return render(request, template, context)


def _editable(request: HttpRequest, slug: str, pk: int) -> tuple[Operation, Incident]:
    operation = _operation(request, slug)
    user = _user(request)
    incident = monitoring_access.incident_get_for_user(
        user, operation, pk, request=request, reason="edit"
    )
    if not monitoring_access.can_edit(user, incident):
        raise PermissionDenied
    return operation, incident


def _apply_error(form: IncidentForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        problems = [
            (name, item.code or "invalid", message)
            for name, items in error.error_dict.items()
            for item in items
            for message in item.messages
        ]
        form.apply_problems(problems)
    else:
        for message in error.messages:
            form.add_error(None, message)


# --- home ----------------------------------------------------------------------------------------


@login_required
@require_GET
def home(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _operation(request, slug)
    user = _user(request)
    visible = monitoring_access.incidents_for_user(user, operation)
    month = timezone.localdate().replace(day=1)
    analyst = monitoring_access.is_analyst(user, operation)
    can_record = monitoring_access.can_record(user, operation)
    own = (
        visible.filter(organisation_id=user.organisation_id or 0)
        if can_record
        else Incident.objects.none()
    )
    return _page(
        request,
        "monitoring/home.html",
        operation,
        can_record=can_record,
        is_analyst=analyst,
        is_manager=access.is_manager(user, operation),
        visible_count=visible.filter(merged_into__isnull=True).count(),
        own_count=own.count(),
        own_month_count=own.filter(month=month).count(),
        duplicate_count=(
            duplicate_services.duplicates_to_review(operation).count() if analyst else None
        ),
        organisation=user.organisation if can_record else None,
        month=month,
    )


# --- record, edit --------------------------------------------------------------------------------


def _form_page(
    request: HttpRequest, operation: Operation, incident: Incident | None
) -> HttpResponse:
    user = _user(request)
    initial: dict[str, Any] | None = None
    blocks = 2
    if incident is not None:
        initial, blocks = IncidentForm.initial_for(records.incident_data_from(incident), operation)
    else:
        today = timezone.localdate()
        initial = {"occurred_on": today, "reported_on": today, "verification": "unverified"}
    if request.method == "POST":
        with contextlib.suppress(ValueError):
            blocks = max(1, min(int(request.POST.get("blocks", blocks)), 10))
    data = request.POST if request.method == "POST" else None
    form = IncidentForm(data, operation=operation, blocks=blocks, initial=initial)
    findings: list[Any] = []
    masked = ""
    if request.method == "POST" and form.is_valid():
        refs = References.load(operation)
        item = form.to_data(refs)
        problems = incident_problems(item, refs)
        masked, findings = mask_personal_data(item.narrative.strip())
        if problems:
            form.apply_problems(problems)
        elif findings and form.cleaned_data.get("narrative_checked") != narrative_digest(
            item.narrative
        ):
            # Show what will be masked; saving again with the same narrative confirms it.
            post = request.POST.copy()
            post["narrative_checked"] = narrative_digest(item.narrative)
            form = IncidentForm(post, operation=operation, blocks=blocks, initial=initial)
            form.is_valid()
            return _page(
                request,
                "monitoring/incident_form.html",
                operation,
                form=form,
                incident=incident,
                findings=findings,
                masked=masked,
                confirm=True,
            )
        else:
            try:
                if incident is None:
                    assert user.organisation is not None
                    incident = incident_services.incident_record(
                        operation=operation,
                        organisation=user.organisation,
                        by=user,
                        data=item,
                    )
                    messages.success(
                        request,
                        _("Incident %(reference)s recorded.") % {"reference": incident.reference},
                    )
                else:
                    incident = incident_services.incident_update(
                        incident=incident, by=user, data=item
                    )
                    messages.success(
                        request,
                        _("Incident %(reference)s saved.") % {"reference": incident.reference},
                    )
            except ValidationError as error:
                _apply_error(form, error)
            else:
                if findings:
                    messages.info(
                        request,
                        _("Probable personal data was masked in the narrative (%(count)s).")
                        % {"count": len(findings)},
                    )
                return redirect("monitoring:incident_detail", slug=operation.slug, pk=incident.pk)
    if request.method == "POST":
        form.focus_first_error()
    return _page(
        request,
        "monitoring/incident_form.html",
        operation,
        form=form,
        incident=incident,
        findings=[],
        confirm=False,
    )


@login_required
@require_http_methods(["GET", "POST"])
def incident_create(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _operation(request, slug)
    if not monitoring_access.can_record(_user(request), operation):
        raise PermissionDenied
    return _form_page(request, operation, None)


@login_required
@require_http_methods(["GET", "POST"])
def incident_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation, incident = _editable(request, slug, pk)
    return _form_page(request, operation, incident)


@login_required
@require_http_methods(["GET", "POST"])
def incident_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation, incident = _editable(request, slug, pk)
    if request.method == "POST":
        reference = incident.reference
        incident_services.incident_delete(incident=incident, by=_user(request))
        messages.success(request, _("Incident %(reference)s deleted.") % {"reference": reference})
        return redirect("monitoring:incident_list", slug=operation.slug)
    return _page(request, "monitoring/incident_delete.html", operation, incident=incident)


# --- list, detail --------------------------------------------------------------------------------


@login_required
@require_GET
def incident_list(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _operation(request, slug)
    user = _user(request)
    visible = monitoring_access.incidents_for_user(user, operation)
    organisations = list(
        Organisation.objects.filter(pk__in=visible.values("organisation_id").distinct()).order_by(
            "acronym"
        )
    )
    filters = IncidentFilterForm(
        request.GET or None, operation=operation, organisations=organisations
    )
    incidents = (
        filters.apply(visible)
        .select_related("organisation", "area", "primary_risk", "verification", "merged_into")
        .order_by("-occurred_on", "-pk")
    )
    page = paginate(request, incidents, PAGE_SIZE)
    return _page(
        request,
        "monitoring/incident_list.html",
        operation,
        page=page,
        form=filters,
        filtered=filters.filtered if request.GET else False,
        can_record=monitoring_access.can_record(user, operation),
        own_organisation_id=user.organisation_id,
    )


@login_required
@require_GET
def incident_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation = _operation(request, slug)
    user = _user(request)
    incident = monitoring_access.incident_get_for_user(user, operation, pk, request=request)
    analyst = monitoring_access.is_analyst(user, operation)
    open_flags = (
        DuplicateFlag.objects.filter(
            Q(incident=incident) | Q(other=incident), status=DuplicateFlag.Status.OPEN
        ).count()
        if analyst
        else 0
    )
    return _page(
        request,
        "monitoring/incident_detail.html",
        operation,
        incident=incident,
        risks=incident.risks.select_related("risk", "violation"),
        people=incident.people.select_related("age_band", "population_group"),
        services=incident.services.all(),
        merged_records=incident.merged_records.select_related("organisation"),
        can_read_narrative=monitoring_access.can_read_narrative(user, incident),
        can_edit=monitoring_access.can_edit(user, incident),
        open_flags=open_flags,
        is_analyst=analyst,
    )


# --- duplicates ----------------------------------------------------------------------------------


def _analyst_operation(request: HttpRequest, slug: str) -> Operation:
    operation = _operation(request, slug)
    if not monitoring_access.is_analyst(_user(request), operation):
        raise PermissionDenied
    return operation


@login_required
@require_GET
def duplicates(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _analyst_operation(request, slug)
    page = paginate(request, duplicate_services.duplicates_to_review(operation))
    return _page(request, "monitoring/duplicates.html", operation, page=page)


@login_required
@require_POST
def duplicate_decide(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation = _analyst_operation(request, slug)
    flag = (
        DuplicateFlag.objects.filter(operation=operation, pk=pk)
        .select_related("incident", "other", "operation")
        .first()
    )
    if flag is None:
        raise Http404
    decision = request.POST.get("decision", "")
    user = _user(request)
    try:
        if decision == "keep_apart":
            duplicate_services.duplicate_keep(flag=flag, by=user)
            messages.success(request, _("The two records are kept apart."))
        elif decision in ("merge_into_first", "merge_into_second"):
            keep = flag.incident if decision == "merge_into_first" else flag.other
            duplicate_services.duplicate_merge(flag=flag, by=user, keep=keep)
            messages.success(
                request,
                _("Merged: %(reference)s is the record counted.") % {"reference": keep.reference},
            )
        else:
            messages.error(request, _("Choose to merge the records or to keep them apart."))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect("monitoring:duplicates", slug=operation.slug)
