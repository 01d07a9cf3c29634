"""Protection Analysis Update pages: list, create, detail (sections editor, versions, clearance),
download (.docx / PDF).

Managers (coordinator, IMO) and designated analysts create and edit; the approver clears;
everyone in the operation sees published PAUs. Drafts do not exist for anyone else (404)."""

from __future__ import annotations

import difflib
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tutela.core.models import AuditEntry, Operation
from tutela.core.services.audit import audit_write
from tutela.core.views.common import current_user, download, operation_for, paginate
from tutela.monitoring.access import (
    can_edit_pau,
    can_see_draft,
    pau_get_for_user,
    paus_for_user,
    require_pau_editor,
)
from tutela.monitoring.forms.pau import PauCreateForm, ReturnForm, SectionsForm, SubmitForm
from tutela.monitoring.models import AnalysisUpdate, AnalysisUpdateVersion
from tutela.monitoring.pau.documents import build_document
from tutela.monitoring.pau.rendering import render as render_document
from tutela.monitoring.pau.sections import SECTION_KEYS, latest_version, section_titles
from tutela.monitoring.services import pau as services

Status = AnalysisUpdate.Status


def _page(
    request: HttpRequest, template: str, operation: Operation, **context: Any
) -> HttpResponse:
    context.setdefault("operation", operation)
    context.setdefault("nav_active", "monitoring")
    context.setdefault("can_edit", can_edit_pau(current_user(request), operation))
    return render(request, template, context)


def _errors(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@login_required
@require_GET
def pau_list(request: HttpRequest, slug: str) -> HttpResponse:
    operation = operation_for(request, slug)
    updates = paus_for_user(current_user(request), operation).select_related("scope")
    page = paginate(request, updates)
    return _page(request, "monitoring/pau/list.html", operation, page=page)


@login_required
@require_http_methods(["GET", "POST"])
def pau_create(request: HttpRequest, slug: str) -> HttpResponse:
    operation = operation_for(request, slug)
    require_pau_editor(current_user(request), operation)
    form = PauCreateForm(request.POST or None, operation=operation)
    if request.method == "POST" and form.is_valid():
        try:
            update = services.pau_create(
                operation=operation,
                by=current_user(request),
                period=form.cleaned_data["period"],
                scope=form.cleaned_data["scope"],
                language=form.cleaned_data["language"],
                request=request,
            )
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, _("The draft was generated from the figures."))
            return redirect("monitoring:pau_detail", operation.slug, update.pk)
    return _page(request, "monitoring/pau/create.html", operation, form=form)


def _version(
    request: HttpRequest, update: AnalysisUpdate, may_see_drafts: bool
) -> tuple[AnalysisUpdateVersion | None, AnalysisUpdateVersion | None]:
    """(latest, shown): readers of a published PAU see its latest version only."""
    latest = latest_version(update)
    wanted = request.GET.get("version")
    if wanted and may_see_drafts:
        try:
            shown = update.versions.get(number=int(wanted))
        except (ValueError, AnalysisUpdateVersion.DoesNotExist):
            raise Http404 from None
        return latest, shown
    return latest, latest


def _diff(old: AnalysisUpdateVersion, new: AnalysisUpdateVersion) -> list[dict[str, Any]]:
    """Per section, the changed lines between two versions (ndiff: "+ ", "- ", "  ")."""
    titles = section_titles()
    out = []
    for key in SECTION_KEYS:
        before = (old.sections.get(key) or "").splitlines()
        after = (new.sections.get(key) or "").splitlines()
        if before == after:
            continue
        lines = [
            {"kind": {"+": "added", "-": "removed"}.get(line[:1], "same"), "text": line[2:]}
            for line in difflib.ndiff(before, after)
            if not line.startswith("?")
        ]
        out.append({"title": titles[key], "lines": lines})
    return out


@login_required
@require_GET
def pau_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation = operation_for(request, slug)
    user = current_user(request)
    update = pau_get_for_user(user, operation, pk)
    may_see_drafts = can_see_draft(user, update)
    latest, shown = _version(request, update, may_see_drafts)
    editable = can_edit_pau(user, operation) and update.status == Status.DRAFT
    is_old = shown is not None and latest is not None and shown.number != latest.number
    diff = None
    if may_see_drafts and request.GET.get("diff") and latest is not None:
        try:
            other = update.versions.get(number=int(request.GET["diff"]))
        except (ValueError, AnalysisUpdateVersion.DoesNotExist):
            raise Http404 from None
        diff = {"from": other, "to": latest, "sections": _diff(other, latest)}
    form = None
    if editable and not is_old and latest is not None:
        form = SectionsForm(initial=dict(latest.sections))
    is_approver = update.approver_id == user.pk
    language = (get_language() or update.language)[:2]
    doc = build_document(update, shown, language=language, with_images=False)
    return _page(
        request,
        "monitoring/pau/detail.html",
        operation,
        update=update,
        latest=latest,
        shown=shown,
        is_old=is_old,
        doc=doc,
        diff=diff,
        form=form,
        versions=update.versions.select_related("created_by") if may_see_drafts else [],
        can_submit=editable,
        submit_form=SubmitForm(operation=operation, exclude=user) if editable else None,
        can_clear=is_approver and update.status == Status.SUBMITTED,
        can_publish=update.status == Status.CLEARED
        and (can_edit_pau(user, operation) or is_approver),
        can_return=update.status != Status.DRAFT and (can_edit_pau(user, operation) or is_approver),
        return_form=ReturnForm(),
        can_refresh=editable,
        languages=["fr", "en"],
    )


def _editable(request: HttpRequest, slug: str, pk: int) -> tuple[Operation, AnalysisUpdate]:
    operation = operation_for(request, slug)
    update = pau_get_for_user(current_user(request), operation, pk)
    return operation, update


@login_required
@require_POST
def pau_save(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation, update = _editable(request, slug, pk)
    require_pau_editor(current_user(request), operation)
    form = SectionsForm(request.POST)
    if form.is_valid():
        try:
            version = services.pau_save_sections(
                update=update,
                by=current_user(request),
                sections=form.sections(),
                note=form.cleaned_data["note"],
                request=request,
            )
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, _("Saved as version %(n)s.") % {"n": version.number})
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for message in errors:
                messages.error(request, f"{label}: {message}" if label else str(message))
    return redirect("monitoring:pau_detail", operation.slug, update.pk)


@login_required
@require_POST
def pau_refresh(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation, update = _editable(request, slug, pk)
    require_pau_editor(current_user(request), operation)
    try:
        version = services.pau_refresh(update=update, by=current_user(request), request=request)
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("Figures refreshed (version %(n)s).") % {"n": version.number})
    return redirect("monitoring:pau_detail", operation.slug, update.pk)


@login_required
@require_POST
def pau_submit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation, update = _editable(request, slug, pk)
    user = current_user(request)
    require_pau_editor(user, operation)
    form = SubmitForm(request.POST, operation=operation, exclude=user)
    if not form.is_valid():
        messages.error(request, _("Choose the approver (a coordinator or IMO)."))
    else:
        try:
            services.pau_submit(
                update=update,
                by=current_user(request),
                approver=form.cleaned_data["approver"],
                request=request,
            )
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, _("Submitted for clearance."))
    return redirect("monitoring:pau_detail", operation.slug, update.pk)


def _transition(request: HttpRequest, slug: str, pk: int, action: str) -> HttpResponse:
    user = current_user(request)
    operation, update = _editable(request, slug, pk)
    done = {
        "clear": _("Cleared."),
        "publish": _("Published: everyone in the operation can now read it."),
        "return": _("Returned to draft."),
    }
    try:
        if action == "clear":
            services.pau_clear(update=update, by=user, request=request)
        elif action == "publish":
            services.pau_publish(update=update, by=user, request=request)
        else:
            form = ReturnForm(request.POST)
            note = form.cleaned_data["note"] if form.is_valid() else ""
            services.pau_return_to_draft(update=update, by=user, note=note, request=request)
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, done[action])
    return redirect("monitoring:pau_detail", operation.slug, update.pk)


@login_required
@require_POST
def pau_clear(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _transition(request, slug, pk, "clear")


@login_required
@require_POST
def pau_publish(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _transition(request, slug, pk, "publish")


@login_required
@require_POST
def pau_return(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _transition(request, slug, pk, "return")


@login_required
@require_GET
def pau_download(request: HttpRequest, slug: str, pk: int, fmt: str) -> HttpResponse:
    user = current_user(request)
    operation = operation_for(request, slug)
    update = pau_get_for_user(user, operation, pk)
    if fmt not in {"docx", "pdf"}:
        raise Http404
    _latest, shown = _version(request, update, can_see_draft(user, update))
    language = request.GET.get("lang") or update.language
    if language not in {"fr", "en", "es"}:
        raise Http404
    content, mime, name = render_document(update, fmt, version=shown, language=language)
    audit_write(
        actor=user,
        action=AuditEntry.Action.EXPORT,
        instance=update,
        operation=operation,
        summary=f"{update.title} — {name}"[:300],
        request=request,
    )
    return download(content, name, mime)
