"""Case pages: the list (with search), registration (with the probable-duplicate check), the
case file, its edit forms, household members, documents, reassignment and its access log.

Access (tutela.cases.access): case management staff only (403 for other roles, 404 outside the
operation); a case the user may not see is 404; every read of a case is audited.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tutela.cases import access, files
from tutela.cases.forms.cases import (
    CaseEditForm,
    CaseFilterForm,
    CaseRegisterForm,
    DocumentForm,
    MemberForm,
    PersonFields,
    ReassignForm,
)
from tutela.cases.models import Case, CasePerson, Intervention
from tutela.cases.selectors import cases as selectors
from tutela.cases.services import cases as services
from tutela.cases.services import workflow
from tutela.cases.services.consent import active_consents
from tutela.cases.views.common import case_of, case_page, case_url, form_page, staff_operation
from tutela.core.forms.directory import apply_validation_error, valid_filters
from tutela.core.models import User
from tutela.core.services.audit import audit_read
from tutela.core.views.common import current_user, download, paginate


@login_required
@require_GET
def case_list(request: HttpRequest, slug: str) -> HttpResponse:
    operation = staff_operation(request, slug)
    user = current_user(request)
    form = CaseFilterForm(request.GET or None)
    filters = valid_filters(form)
    query = filters.pop("q", "")
    if query:
        results: Any = selectors.case_search(user, operation, query)
    else:
        results = selectors.case_list(user, operation, **filters)
    return case_page(
        request,
        "cases/list.html",
        operation,
        form=form,
        page=paginate(request, results),
        query=query,
        filtered=bool(filters) or bool(query),
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_register(request: HttpRequest, slug: str) -> HttpResponse:
    operation = staff_operation(request, slug)
    user = current_user(request)
    form = CaseRegisterForm(
        request.POST or None,
        operation=operation,
        initial={"kind": Case.Kind.INDIVIDUAL, "case_type": Case.Type.GENERAL},
    )
    candidates: list[services.Candidate] = []
    if request.method == "POST" and form.is_valid():
        values = form.case_values()
        try:
            case = services.case_register(
                operation=operation,
                by=user,
                principal=form.person_data(),
                registered_on=form.cleaned_data.get("registered_on"),
                confirm_not_duplicate=form.cleaned_data["confirm_not_duplicate"],
                kind=values["kind"],
                case_type=values["case_type"],
                risk_level=values["risk_level"],
                nationality=values["nationality"] or "",
                displacement_status=values["displacement_status"],
                specific_needs=values["specific_needs"] or [],
                concerns=values["concerns"] or [],
                address=values["address"] or "",
                summary=values["summary"] or "",
                area=values["area"],
            )
        except services.ProbableDuplicates as duplicates:
            candidates = duplicates.candidates
            form.add_error(None, duplicates)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Case %(code)s registered.") % {"code": case.code})
            return redirect(case_url(case))
    response = case_page(
        request, "cases/register.html", operation, form=form, candidates=candidates
    )
    if request.method == "POST":
        response.status_code = 400
    return response


@login_required
@require_GET
def case_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation, case = case_of(request, slug, pk)
    user = current_user(request)
    plans = list(
        case.plans.prefetch_related("interventions__responsible", "interventions__service_type")
    )
    return case_page(
        request,
        "cases/detail.html",
        operation,
        case=case,
        people=selectors.case_people(case),
        documents=selectors.case_documents(case),
        consents=case.consents.prefetch_related("organisations").select_related("recorded_by"),
        active={
            c.pk
            for p in ("services", "sharing", "aggregate", "tracing", "dedup")
            for c in active_consents(case, p)
        },
        overrides=case.overrides.select_related("organisation", "by"),
        assessments=case.assessments.select_related("by"),
        plans=plans,
        approvals=case.approvals.select_related("requested_by", "decided_by"),
        deliveries=case.deliveries.select_related("service_type", "organisation"),
        follow_ups=case.follow_ups.select_related("by", "done_by"),
        referrals=case.referrals.select_related("to_organisation").order_by("-sent_at"),
        transfers=case.transfers.select_related("to_organisation", "requested_by"),
        can_edit=access.can_edit_case(user, case),
        can_reassign=access.can_reassign(user, case),
        can_supervise=access.can_supervise(user, case),
        decidable={
            a.pk
            for a in case.approvals.filter(status="pending")
            if access.can_decide_approval(user, a)
        },
        assigned=list(case.assigned.all()),
        intervention_statuses=Intervention.Status.choices,
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation, case = case_of(request, slug, pk, reason="edit")
    access.require_edit(current_user(request), case)
    form = CaseEditForm(
        request.POST or None, operation=operation, initial=CaseEditForm.initial_for(case)
    )

    def save() -> Case:
        values = form.case_values()
        values["nationality"] = values.get("nationality") or ""
        return services.case_update(case=case, by=current_user(request), **values)

    return form_page(
        request,
        operation,
        form,
        save,
        title=_("Edit the case"),
        submit=_("Save"),
        success=_("Case saved."),
        then=case_url(case),
        back=case_url(case),
        case=case,
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(
    request: HttpRequest, slug: str, pk: int, person: int | None = None
) -> HttpResponse:
    operation, case = case_of(request, slug, pk, reason="edit person")
    user = current_user(request)
    access.require_edit(user, case)
    existing: CasePerson | None = None
    if person is not None:
        existing = case.people.filter(pk=person).first()
        if existing is None:
            raise Http404
    form_class = PersonFields if existing is not None and existing.is_principal else MemberForm
    form = form_class(
        request.POST or None,
        initial=PersonFields.initial_for(existing) if existing is not None else None,
    )

    def save() -> CasePerson:
        data = form.person_data()
        if existing is None:
            return services.person_add(case=case, by=user, data=data)
        return services.person_update(person=existing, by=user, data=data)

    title = _("Add a household member") if existing is None else _("Edit a person")
    return form_page(
        request,
        operation,
        form,
        save,
        title=title,
        submit=_("Save"),
        success=_("Person saved."),
        then=case_url(case),
        back=case_url(case),
        case=case,
    )


@login_required
@require_POST
def person_remove(request: HttpRequest, slug: str, pk: int, person: int) -> HttpResponse:
    _operation, case = case_of(request, slug, pk, reason="remove person")
    member = case.people.filter(pk=person).first()
    if member is None:
        raise Http404
    try:
        services.person_remove(person=member, by=current_user(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Household member removed."))
    return redirect(case_url(case))


@login_required
@require_http_methods(["GET", "POST"])
def document_upload(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation, case = case_of(request, slug, pk, reason="upload")
    user = current_user(request)
    access.require_edit(user, case)
    form = DocumentForm(request.POST or None, request.FILES or None, case=case)

    def save() -> Any:
        upload = form.cleaned_data["file"]
        return services.document_add(
            case=case,
            by=user,
            filename=upload.name,
            content=upload.read(),
            kind=form.cleaned_data["kind"],
            person=form.cleaned_data.get("person"),
        )

    return form_page(
        request,
        operation,
        form,
        save,
        title=_("Attach a photo or document"),
        submit=_("Attach"),
        success=_("Document attached (encrypted)."),
        then=case_url(case),
        back=case_url(case),
        case=case,
        multipart=True,
    )


@login_required
@require_GET
def document_download(request: HttpRequest, slug: str, pk: int, document: int) -> HttpResponse:
    operation, case = case_of(request, slug, pk, reason="document")
    item = case.documents.filter(pk=document).first()
    if item is None:
        raise Http404
    audit_read(actor=current_user(request), instance=item, operation=operation, request=request)
    return download(
        files.document_read(item.storage_name.name),
        item.filename,
        item.content_type,
        inline=item.content_type.startswith("image/"),
    )


@login_required
@require_POST
def document_remove(request: HttpRequest, slug: str, pk: int, document: int) -> HttpResponse:
    _operation, case = case_of(request, slug, pk, reason="remove document")
    item = case.documents.filter(pk=document).first()
    if item is None:
        raise Http404
    services.document_remove(document=item, by=current_user(request))
    messages.success(request, _("Document removed."))
    return redirect(case_url(case))


@login_required
@require_http_methods(["GET", "POST"])
def case_reassign(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation, case = case_of(request, slug, pk, reason="reassign")
    user = current_user(request)
    if not access.can_reassign(user, case):
        raise PermissionDenied
    form = ReassignForm(
        request.POST or None,
        case=case,
        initial={"owner": case.owner_id, "assigned": list(case.assigned.all())},
    )
    save = partial(_reassign, form, case, user)
    return form_page(
        request,
        operation,
        form,
        save,
        title=_("Reassign the case"),
        submit=_("Reassign"),
        success=_("Case reassigned."),
        then=case_url(case),
        back=case_url(case),
        case=case,
    )


def _reassign(form: ReassignForm, case: Case, user: User) -> Case:
    return workflow.case_reassign(
        case=case,
        by=user,
        owner=form.cleaned_data["owner"],
        assigned=form.cleaned_data.get("assigned") or [],
    )


@login_required
@require_GET
def case_access_log(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation, case = case_of(request, slug, pk, reason="access log")
    return case_page(
        request,
        "cases/access_log.html",
        operation,
        case=case,
        page=paginate(request, selectors.case_access_log(case)),
    )


def detail_url(slug: str, pk: int) -> str:
    return reverse("cases:detail", kwargs={"slug": slug, "pk": pk})
