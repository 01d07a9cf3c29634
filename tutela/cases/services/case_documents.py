"""A case's documents (photos, scans, PDFs): checked by what their first bytes say they are (not
what the browser claims), stored encrypted (tutela.cases.files), added and removed with an audit
entry.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tutela.cases import access, files
from tutela.cases.models import (
    Case,
    CaseDocument,
    CasePerson,
)
from tutela.core.models import (
    AuditEntry,
    User,
)
from tutela.core.services.audit import audit_create, audit_write, snapshot

# Photos and scans: what the first bytes of the file say it is (not what the browser claims).
_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
)


# --- Documents ------------------------------------------------------------------------------------


def _content_type(content: bytes) -> str:
    for signature, content_type in _SIGNATURES:
        if content.startswith(signature):
            return content_type
    raise ValidationError({"file": _("Only photos (JPEG, PNG) and PDF documents can be attached.")})


@transaction.atomic
def document_add(
    *,
    case: Case,
    by: User,
    filename: str,
    content: bytes,
    kind: str = CaseDocument.Kind.OTHER,
    person: CasePerson | None = None,
) -> CaseDocument:
    """Attach a photo or document: checked, encrypted, stored under a random name."""
    access.require_edit(by, case)
    if not content:
        raise ValidationError({"file": _("The file is empty.")})
    if len(content) > files.MAX_BYTES:
        raise ValidationError({"file": _("The file is larger than 10 MB.")})
    if kind not in CaseDocument.Kind.values:
        raise ValidationError({"kind": _("Unknown kind of document.")})
    if person is not None and person.case_id != case.pk:
        raise ValidationError({"person": _("This person is not in the case.")})
    content_type = _content_type(content)
    storage_name = files.document_store(content)
    document = CaseDocument.objects.create(
        case=case,
        person=person,
        kind=kind,
        filename=(filename or "document")[-200:],
        content_type=content_type,
        size=len(content),
        storage_name=storage_name,
        uploaded_by=by,
    )
    audit_create(actor=by, instance=document, operation=case.operation)
    return document


@transaction.atomic
def document_remove(*, document: CaseDocument, by: User) -> None:
    case = document.case
    access.require_edit(by, case)
    audit_write(
        actor=by,
        action=AuditEntry.Action.DELETE,
        instance=document,
        operation=case.operation,
        before=snapshot(document),
    )
    storage_name = document.storage_name.name
    document.delete()
    transaction.on_commit(lambda: files.document_remove(storage_name))
