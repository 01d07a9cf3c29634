"""Briefing notes, advocacy notes and statements under clearance.

Workflow: draft -> submitted (to a designated approver among the operation's coordinators,
information management officers and focal points) -> cleared (by that approver only; or returned
to draft with a comment) -> published. Only a cleared or published document is circulated by
e-mail or published. Every save or upload is a new numbered version; every transition is in the
audit log (which is also the document's history page).
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone, translation
from django.utils.html import escape, linebreaks
from django.utils.text import slugify
from django.utils.translation import gettext as _

from tutela.coordination import access as coordination_access
from tutela.coordination.models import ClearanceDocument, DocumentVersion
from tutela.coordination.selectors import advocacy as selectors
from tutela.coordination.services import document_formats
from tutela.core.models import (
    AuditEntry,
    Body,
    Membership,
    Operation,
    Organisation,
    OutboxMessage,
    User,
)
from tutela.core.services.audit import audit_create, audit_update, audit_write, snapshot
from tutela.core.services.mail import addresses_for_organisations, mail_enqueue

Status = ClearanceDocument.Status
ATTACH_FORMATS = ("docx", "pdf")


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _require_status(document: ClearanceDocument, *statuses: str, message: str) -> None:
    if document.status not in statuses:
        raise ValidationError(message, code="status")


def _log_transition(
    *,
    by: User,
    document: ClearanceDocument,
    before: dict[str, Any],
    summary: str,
    comment: str = "",
    extra: dict[str, Any] | None = None,
) -> AuditEntry:
    after = snapshot(document)
    if comment:
        after["comment"] = comment
    after.update(extra or {})
    return audit_write(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        instance=document,
        operation=document.operation,
        before=before,
        after=after,
        summary=f"{summary}: {document.title}"[:300],
    )


def _languages(operation: Operation) -> list[str]:
    return list(operation.languages or [code for code, _name in settings.LANGUAGES])


def _add_version(
    *,
    document: ClearanceDocument,
    by: User,
    text: str = "",
    file: File[Any] | None = None,
    note: str = "",
) -> DocumentVersion:
    text = (text or "").strip()
    if file is None and not text:
        raise ValidationError({"text": _("Write the text or upload a Word (.docx) file.")})
    if file is not None and text:
        raise ValidationError(
            {"file": _("Either write the text or upload a Word file, not both at once.")}
        )
    if file is not None:
        document_formats.docx_check(file)
    # Lock the document row so that two saves at the same time cannot take the same number.
    ClearanceDocument.objects.select_for_update().filter(pk=document.pk).first()
    last = document.versions.aggregate(n=Max("number"))["n"] or 0
    version = DocumentVersion(
        document=document, number=last + 1, text=text, note=(note or "").strip(), created_by=by
    )
    if file is not None:
        version.file = file
    version.full_clean()
    version.save()
    audit_write(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        instance=document,
        operation=document.operation,
        summary=f"Version {version.number} saved: {document.title}"[:300],
        after={
            "version": version.number,
            "file": version.file.name if version.file else "",
            "note": version.note,
        },
    )
    ClearanceDocument.objects.filter(pk=document.pk).update(updated_at=timezone.now())
    return version


def _check_language(document: ClearanceDocument) -> None:
    if document.language not in _languages(document.operation):
        raise ValidationError({"language": _("Choose one of the operation's languages.")})


@transaction.atomic
def document_create(
    *,
    operation: Operation,
    by: User,
    kind: str,
    title: str,
    language: str,
    text: str = "",
    file: File[Any] | None = None,
    note: str = "",
) -> ClearanceDocument:
    """A new draft with its first version: Markdown text written in the app, or a Word file."""
    _require(coordination_access.can_edit_advocacy(by, operation))
    document = ClearanceDocument(
        operation=operation,
        kind=kind,
        title=(title or "").strip(),
        language=language,
        status=Status.DRAFT,
        created_by=by,
    )
    _check_language(document)
    document.full_clean()
    document.save()
    audit_create(actor=by, instance=document, operation=operation)
    _add_version(document=document, by=by, text=text, file=file, note=note)
    return document


@transaction.atomic
def document_update(
    *,
    document: ClearanceDocument,
    by: User,
    title: str | None = None,
    kind: str | None = None,
    language: str | None = None,
    text: str | None = None,
    note: str = "",
) -> ClearanceDocument:
    """Change a draft's title, kind or language; new text makes a new version (unchanged or
    empty text does not)."""
    _require(coordination_access.can_manage_document(by, document))
    _require_status(
        document, Status.DRAFT, message=_("Only a draft can be edited; return it to draft first.")
    )
    before = snapshot(document)
    if title is not None:
        document.title = title.strip()
    if kind is not None:
        document.kind = kind
    if language is not None:
        document.language = language
    _check_language(document)
    document.full_clean()
    document.save()
    audit_update(actor=by, instance=document, operation=document.operation, before=before)
    # Empty text leaves the versions alone (an uploaded Word file stays the current version
    # when only the title changes).
    if text is not None and text.strip():
        current = selectors.document_current_version(document)
        if current is None or current.file or current.text != text.strip():
            _add_version(document=document, by=by, text=text, note=note)
    return document


@transaction.atomic
def document_save_version(
    *,
    document: ClearanceDocument,
    by: User,
    text: str = "",
    file: File[Any] | None = None,
    note: str = "",
) -> DocumentVersion:
    """A new version of a draft: text written in the app, or an uploaded Word file."""
    _require(coordination_access.can_manage_document(by, document))
    _require_status(
        document, Status.DRAFT, message=_("Only a draft can be edited; return it to draft first.")
    )
    return _add_version(document=document, by=by, text=text, file=file, note=note)


@transaction.atomic
def document_submit(*, document: ClearanceDocument, by: User, approver: User) -> ClearanceDocument:
    _require(coordination_access.can_manage_document(by, document))
    _require_status(document, Status.DRAFT, message=_("Only a draft can be submitted."))
    if not selectors.approver_candidates(document.operation).filter(pk=approver.pk).exists():
        raise ValidationError(
            {
                "approver": _(
                    "Choose a coordinator, information management officer or focal point of "
                    "this operation."
                )
            }
        )
    if approver.pk == document.created_by_id or approver.pk == by.pk:
        raise ValidationError(
            {"approver": _("Someone other than the author must clear the document.")}
        )
    if not document.versions.exists():
        raise ValidationError(_("Write or upload the document before submitting it."))
    before = snapshot(document)
    document.status = Status.SUBMITTED
    document.approver = approver
    document.submitted_at = timezone.now()
    document.cleared_at = None
    document.cleared_by = None
    document.save()
    _log_transition(
        by=by,
        document=document,
        before=before,
        summary=f"Submitted for clearance to {approver.email}",
    )
    return document


@transaction.atomic
def document_clear(
    *, document: ClearanceDocument, by: User, comment: str = ""
) -> ClearanceDocument:
    """Only the designated approver clears (not even a coordinator in their place)."""
    _require(coordination_access.is_approver(by, document))
    _require_status(
        document, Status.SUBMITTED, message=_("Only a submitted document can be cleared.")
    )
    before = snapshot(document)
    document.status = Status.CLEARED
    document.cleared_at = timezone.now()
    document.cleared_by = by
    document.save()
    _log_transition(
        by=by, document=document, before=before, summary="Cleared", comment=comment.strip()
    )
    return document


@transaction.atomic
def document_return(*, document: ClearanceDocument, by: User, comment: str) -> ClearanceDocument:
    """The approver sends the document back to its author, saying what to change."""
    _require(coordination_access.is_approver(by, document))
    _require_status(
        document, Status.SUBMITTED, message=_("Only a submitted document can be returned.")
    )
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Say what needs to change.")})
    before = snapshot(document)
    document.status = Status.DRAFT
    document.submitted_at = None
    document.save()
    _log_transition(
        by=by, document=document, before=before, summary="Returned to draft", comment=comment
    )
    return document


@transaction.atomic
def document_publish(*, document: ClearanceDocument, by: User) -> ClearanceDocument:
    """Make a cleared document visible to every role of the operation."""
    _require(coordination_access.can_manage_document(by, document))
    _require_status(
        document, Status.CLEARED, message=_("Only a cleared document can be published.")
    )
    before = snapshot(document)
    document.status = Status.PUBLISHED
    document.published_at = timezone.now()
    document.save()
    _log_transition(by=by, document=document, before=before, summary="Published")
    return document


# --- Files ---------------------------------------------------------------------------------------


def _base_name(document: ClearanceDocument, version: DocumentVersion) -> str:
    return f"{slugify(document.title)[:60] or 'document'}-v{version.number}"


def version_content(version: DocumentVersion, fmt: str = "docx") -> tuple[bytes, str, str]:
    """A version as a file: (content, file name, content type). Text written in the app comes as
    a generated Word or PDF file; an uploaded Word file comes as it was uploaded (Word only)."""
    document = version.document
    base = _base_name(document, version)
    if version.file:
        if fmt != "docx":
            raise ValidationError(
                {
                    "format": _(
                        "This version is an uploaded Word file: it can be sent as .docx only."
                    )
                }
            )
        with version.file.open("rb") as handle:
            content = handle.read()
        return content, f"{base}.docx", document_formats.DOCX_CONTENT_TYPE
    if fmt == "pdf":
        pdf = document_formats.markdown_to_pdf(
            version.text, title=document.title, language=document.language
        )
        return pdf, f"{base}.pdf", document_formats.PDF_CONTENT_TYPE
    if fmt == "docx":
        docx = document_formats.markdown_to_docx(
            version.text, title=document.title, language=document.language
        )
        return docx, f"{base}.docx", document_formats.DOCX_CONTENT_TYPE
    raise ValidationError({"format": _("Choose Word (.docx) or PDF.")})


def version_original_name(version: DocumentVersion) -> str:
    return os.path.basename(version.file.name) if version.file else ""


# --- Circulation ---------------------------------------------------------------------------------


def body_member_recipients(
    operation: Operation, body: Body, today: datetime.date | None = None
) -> tuple[list[User], list[str]]:
    """The body's current member organisations: their users with a role in the operation, and
    their active contacts' addresses (those attending the body preferred). `mail_enqueue` treats
    an address that belongs to one of the users as that user, so nobody gets the mail twice."""
    today = today or timezone.localdate()
    organisations = list(
        Organisation.objects.filter(
            pk__in=Membership.objects.filter(body=body)
            .filter(Q(until__isnull=True) | Q(until__gte=today))
            .values("organisation_id")
        )
    )
    users = list(
        User.objects.filter(
            is_active=True,
            organisation__in=organisations,
            operation_roles__operation=operation,
        )
        .distinct()
        .order_by("email")
    )
    return users, addresses_for_organisations(operation, organisations, body=body)


@transaction.atomic
def document_circulate(
    *,
    document: ClearanceDocument,
    by: User,
    body: Body,
    attach_as: str = "docx",
    message: str = "",
) -> Sequence[OutboxMessage]:
    """E-mail a cleared or published document to a body's members, attached as Word or PDF.
    The messages go through the outbox (sent by the background worker once committed)."""
    _require(coordination_access.can_manage_document(by, document))
    _require_status(
        document,
        Status.CLEARED,
        Status.PUBLISHED,
        message=_("Only a cleared or published document can be circulated."),
    )
    operation = document.operation
    if body.operation_id != operation.pk:
        raise ValidationError({"body": _("Choose one of this operation's bodies.")})
    if attach_as not in ATTACH_FORMATS:
        raise ValidationError({"attach_as": _("Choose Word (.docx) or PDF.")})
    version = selectors.document_current_version(document)
    if version is None:
        raise ValidationError(_("The document has no version to send."))
    users, addresses = body_member_recipients(operation, body)
    if not users and not addresses:
        raise ValidationError(
            {"body": _("No member of this body has an e-mail address in Tutela.")}
        )
    try:
        content, filename, content_type = version_content(version, attach_as)
    except ValidationError as error:
        raise ValidationError({"attach_as": error.messages}) from error
    with translation.override(document.language):
        subject = f"[{operation.name}] {document.get_kind_display()}: {document.title}"
        intro = message.strip() or _("Please find attached: %(title)s.") % {"title": document.title}
        text = f"{intro}\n\n{document.title}\n\n{version.text}".rstrip() + "\n"
        html = linebreaks(escape(intro)) + (
            document_formats.markdown_to_html(version.text) if version.text else ""
        )
    messages = mail_enqueue(
        operation=operation,
        kind="coordination.document",
        subject=subject,
        text=text,
        html=html,
        to_users=users,
        to_addresses=addresses,
        attachments=[(filename, content, content_type)],
    )
    before = snapshot(document)
    document.circulated_at = timezone.now()
    document.save(update_fields=["circulated_at", "updated_at"])
    _log_transition(
        by=by,
        document=document,
        before=before,
        summary=f"Circulated to {body.name}",
        extra={
            "body": body.pk,
            "version": version.number,
            "attachment": filename,
            "recipients": len(users) + len(addresses),
        },
    )
    return messages
