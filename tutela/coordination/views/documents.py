"""Pages of documents under clearance: list by status, create (write or upload), edit, upload a
new version, detail with history, versions and downloads, and the clearance workflow (submit,
clear, return to draft, publish, circulate).

What a user may see comes from `selectors.advocacy.document_get_for_user` (404 otherwise); what
they may do is checked again by the services (403).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tutela.coordination import access as coordination_access
from tutela.coordination.forms.advocacy import (
    DocumentCirculateForm,
    DocumentFilterForm,
    DocumentForm,
    DocumentReturnForm,
    DocumentSubmitForm,
    DocumentUploadForm,
)
from tutela.coordination.models import ClearanceDocument, DocumentVersion
from tutela.coordination.selectors import advocacy as selectors
from tutela.coordination.services import document_formats
from tutela.coordination.services import documents as services
from tutela.coordination.views.advocacy import render_advocacy_page as _render
from tutela.core.forms.directory import valid_filters
from tutela.core.models import Operation, User
from tutela.core.views.common import current_user as _user
from tutela.core.views.common import download, error_messages, paginate, post_action, save_form
from tutela.core.views.common import operation_for as _operation


def _document(request: HttpRequest, slug: str, pk: int) -> tuple[Operation, ClearanceDocument]:
    operation = _operation(request, slug)
    return operation, coordination_access.document_get_for_user(_user(request), operation, pk)


def _detail_url(slug: str, document: ClearanceDocument) -> str:
    return reverse("coordination:document_detail", kwargs={"slug": slug, "pk": document.pk})


def _back(slug: str, document: ClearanceDocument) -> HttpResponse:
    return redirect(_detail_url(slug, document))


@login_required
@require_GET
def documents(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _operation(request, slug)
    form = DocumentFilterForm(request.GET or None)
    filters = valid_filters(form)
    counts = selectors.document_status_counts(_user(request), operation)
    return _render(
        request,
        "coordination/document_list.html",
        operation,
        form=form,
        filtered=bool(filters),
        page=paginate(request, selectors.document_list(_user(request), operation, filters)),
        status_counts=[
            (value, label, counts.get(value, 0))
            for value, label in ClearanceDocument.Status.choices
        ],
    )


@login_required
@require_http_methods(["GET", "POST"])
def document_create(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _operation(request, slug)
    if not coordination_access.can_edit_advocacy(_user(request), operation):
        raise PermissionDenied
    form = DocumentForm(
        request.POST or None,
        request.FILES or None,
        operation=operation,
        initial={"language": operation.default_language},
    )
    create = partial(services.document_create, operation=operation, by=_user(request))
    created = _("Draft saved (version 1).")
    saved = save_form(request, form, create, success=created, then=partial(_detail_url, slug))
    return saved or _render(
        request, "coordination/document_form.html", operation, form=form, document=None
    )


@login_required
@require_http_methods(["GET", "POST"])
def document_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation, document = _document(request, slug, pk)
    if not coordination_access.can_manage_document(_user(request), document):
        raise PermissionDenied
    current = selectors.document_current_version(document)
    initial = {
        "title": document.title,
        "kind": document.kind,
        "language": document.language,
        "text": current.text if current is not None else "",
    }
    form = DocumentForm(
        request.POST or None, initial=initial, operation=operation, allow_upload=False
    )
    update = partial(services.document_update, document=document, by=_user(request))
    saved = save_form(
        request, form, update, success=_("Draft saved."), then=_detail_url(slug, document)
    )
    return saved or _render(
        request,
        "coordination/document_form.html",
        operation,
        form=form,
        document=document,
        current=current,
    )


@login_required
@require_http_methods(["GET", "POST"])
def document_upload(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A new version of a draft from a Word file."""
    operation, document = _document(request, slug, pk)
    if not coordination_access.can_manage_document(_user(request), document):
        raise PermissionDenied
    form = DocumentUploadForm(request.POST or None, request.FILES or None)
    upload = partial(services.document_save_version, document=document, by=_user(request))

    def uploaded(version: DocumentVersion) -> str:
        return _("Version %(number)s uploaded.") % {"number": version.number}

    saved = save_form(request, form, upload, success=uploaded, then=_detail_url(slug, document))
    return saved or _render(
        request, "coordination/document_upload.html", operation, form=form, document=document
    )


def _actions(user: User, document: ClearanceDocument) -> dict[str, bool]:
    Status = ClearanceDocument.Status
    manage = coordination_access.can_manage_document(user, document)
    approver = coordination_access.is_approver(user, document)
    return {
        "can_manage": manage,
        "can_edit_draft": manage and document.status == Status.DRAFT,
        "can_submit": manage and document.status == Status.DRAFT,
        "can_clear": approver and document.status == Status.SUBMITTED,
        "can_publish": manage and document.status == Status.CLEARED,
        "can_circulate": manage and document.status in {Status.CLEARED, Status.PUBLISHED},
    }


@login_required
@require_GET
def document_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation, document = _document(request, slug, pk)
    current = selectors.document_current_version(document)
    return _render(
        request,
        "coordination/document_detail.html",
        operation,
        document=document,
        current=current,
        html=document_formats.markdown_to_html(current.text) if current and current.text else "",
        history=list(selectors.document_history(document).select_related("actor")),
        **_actions(_user(request), document),
    )


@login_required
@require_GET
def document_versions(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation, document = _document(request, slug, pk)
    return _render(
        request,
        "coordination/document_versions.html",
        operation,
        document=document,
        versions=list(selectors.document_versions(document)),
    )


@login_required
@require_GET
def document_version_download(
    request: HttpRequest, slug: str, pk: int, number: int
) -> HttpResponse:
    """Any version of a document the user may see: Word (generated, or the uploaded file) or PDF
    (for text written in the app)."""
    _operation_, document = _document(request, slug, pk)
    version = selectors.document_version_get(document, number)
    fmt = request.GET.get("format", "docx")
    try:
        content, filename, content_type = services.version_content(version, fmt)
    except ValidationError as error:
        error_messages(request, error)
        return _back(slug, document)
    return download(content, filename, content_type)


@login_required
@require_http_methods(["GET", "POST"])
def document_submit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation, document = _document(request, slug, pk)
    if not coordination_access.can_manage_document(_user(request), document):
        raise PermissionDenied
    form = DocumentSubmitForm(request.POST or None, document=document)
    submit = partial(services.document_submit, document=document, by=_user(request))
    submitted = _("Submitted for clearance.")
    saved = save_form(request, form, submit, success=submitted, then=_detail_url(slug, document))
    return saved or _render(
        request, "coordination/document_submit.html", operation, form=form, document=document
    )


@login_required
@require_POST
def document_clear(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    _operation_, document = _document(request, slug, pk)
    return post_action(
        request,
        lambda: services.document_clear(
            document=document, by=_user(request), comment=request.POST.get("comment", "")
        ),
        success=_("Document cleared."),
        then=_detail_url(slug, document),
    )


@login_required
@require_http_methods(["GET", "POST"])
def document_return(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation, document = _document(request, slug, pk)
    if not coordination_access.is_approver(_user(request), document):
        raise PermissionDenied
    form = DocumentReturnForm(request.POST or None)
    send_back = partial(services.document_return, document=document, by=_user(request))
    returned = _("Document returned to draft.")
    saved = save_form(request, form, send_back, success=returned, then=_detail_url(slug, document))
    return saved or _render(
        request, "coordination/document_return.html", operation, form=form, document=document
    )


@login_required
@require_POST
def document_publish(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    _operation_, document = _document(request, slug, pk)
    return post_action(
        request,
        lambda: services.document_publish(document=document, by=_user(request)),
        success=_("Document published."),
        then=_detail_url(slug, document),
    )


@login_required
@require_http_methods(["GET", "POST"])
def document_circulate(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation, document = _document(request, slug, pk)
    if not coordination_access.can_manage_document(_user(request), document):
        raise PermissionDenied
    form = DocumentCirculateForm(request.POST or None, operation=operation)
    current = selectors.document_current_version(document)

    def circulate(**data: Any) -> Sequence[Any]:
        with transaction.atomic():
            return services.document_circulate(document=document, by=_user(request), **data)

    saved = save_form(
        request,
        form,
        circulate,
        success=lambda sent: (
            _("Document sent to %(count)s recipients of %(body)s.")
            % {"count": len(sent), "body": form.cleaned_data["body"].name}
        ),
        then=_detail_url(slug, document),
    )
    return saved or _render(
        request,
        "coordination/document_circulate.html",
        operation,
        form=form,
        document=document,
        current=current,
        circulable=document.status
        in {ClearanceDocument.Status.CLEARED, ClearanceDocument.Status.PUBLISHED},
    )
