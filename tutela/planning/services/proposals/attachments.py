"""A proposal's attachments, kept through Django's storage API: only the document types a proposal
needs, checked by their first bytes as well as their names, bounded in size.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.utils.translation import gettext as _

from tutela.core.models import AuditEntry, User
from tutela.core.services.audit import audit_write
from tutela.planning import access
from tutela.planning.models import (
    Proposal,
    ProposalAttachment,
)

Status = Proposal.Status

ATTACHMENT_TYPES = ("pdf", "docx", "doc", "xlsx", "xls", "odt", "ods", "csv", "jpg", "jpeg", "png")
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
# Files that claim to be PDFs or Office documents start like one.
_MAGIC = {
    "pdf": (b"%PDF",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
    "odt": (b"PK\x03\x04",),
    "ods": (b"PK\x03\x04",),
    "doc": (b"\xd0\xcf\x11\xe0",),
    "xls": (b"\xd0\xcf\x11\xe0",),
    "png": (b"\x89PNG",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
}


def _check_attachment(upload: File[Any]) -> str:
    name = os.path.basename(upload.name or "")
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ATTACHMENT_TYPES:
        raise ValidationError(
            {
                "file": _(
                    "Attach PDF, Word, Excel, OpenDocument, CSV or image files only (%(types)s)."
                )
                % {"types": ", ".join(ATTACHMENT_TYPES)}
            },
            code="type",
        )
    size = upload.size or 0
    if size == 0:
        raise ValidationError({"file": _("The file is empty.")}, code="empty")
    if size > ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            {
                "file": _("The file is too large (%(size)s MB); the limit is %(limit)s MB.")
                % {"size": round(size / 2**20, 1), "limit": ATTACHMENT_MAX_BYTES // 2**20}
            },
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if isinstance(head, str):
        head = head.encode()
    magic = _MAGIC.get(extension)
    if magic and not head.startswith(magic):
        raise ValidationError(
            {"file": _("The file's content is not a .%(type)s file.") % {"type": extension}},
            code="content",
        )
    return name[:255]


@transaction.atomic
def proposal_attach(*, proposal: Proposal, by: User, file: File[Any]) -> ProposalAttachment:
    """Attach a document to a proposal while its organisation may still change it."""
    access.require_proposal_editable(by, proposal)
    name = _check_attachment(file)
    attachment = ProposalAttachment(
        proposal=proposal, name=name, size=file.size or 0, uploaded_by=by
    )
    attachment.file.save(name, file, save=False)
    attachment.save()
    audit_write(
        actor=by,
        action=AuditEntry.Action.CREATE,
        instance=attachment,
        operation=proposal.allocation.operation,
        after=_attachment_record(attachment),
    )
    return attachment


def _attachment_record(attachment: ProposalAttachment) -> dict[str, Any]:
    return {
        "proposal": attachment.proposal_id,
        "name": attachment.name,
        "size": attachment.size,
        "file": attachment.file.name,
    }


@transaction.atomic
def proposal_attachment_remove(*, attachment: ProposalAttachment, by: User) -> None:
    proposal = attachment.proposal
    access.require_proposal_editable(by, proposal)
    before = _attachment_record(attachment)
    pk = attachment.pk
    attachment.file.delete(save=False)
    attachment.delete()
    audit_write(
        actor=by,
        action=AuditEntry.Action.DELETE,
        operation=proposal.allocation.operation,
        entity_type=ProposalAttachment._meta.label_lower,
        entity_id=str(pk),
        summary=f"Attachment removed from proposal {proposal.pk}",
        before=before,
    )
