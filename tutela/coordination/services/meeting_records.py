"""What a meeting leaves on record: its documents (checked by extension and by how the file
starts, at most DOCUMENT_MAX_BYTES) and its attendance. Rules: services/meetings.py."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tutela.coordination import access as coordination_access
from tutela.coordination.access import require
from tutela.coordination.models import (
    Attendance,
    Meeting,
    MeetingDocument,
)
from tutela.coordination.selectors.meetings import member_organisation_ids
from tutela.core.models import AuditEntry, Contact, Organisation, User
from tutela.core.services.audit import audit_write, snapshot
from tutela.core.upload_checks import upload_check, upload_types

DOCUMENT_MAX_BYTES = 20 * 1024 * 1024


# Extension -> how the file starts (plain text: not checked).
DOCUMENT_TYPES = upload_types(
    "pdf", "docx", "xlsx", "pptx", "odt", "ods", "odp", "png", "jpg", "jpeg", "txt", "csv"
)


ATTENDANCE_SHEET_TYPES = frozenset({"pdf", "png", "jpg", "jpeg"})


def _check_upload(upload: UploadedFile, kind: str) -> str:
    if kind == MeetingDocument.Kind.ATTENDANCE_SHEET:
        types = {ext: DOCUMENT_TYPES[ext] for ext in ATTENDANCE_SHEET_TYPES}
    else:
        types = DOCUMENT_TYPES
    upload_check(upload, types=types, max_bytes=DOCUMENT_MAX_BYTES)
    return upload.name or ""


@transaction.atomic
def document_upload(
    *,
    meeting: Meeting,
    by: User,
    file: UploadedFile,
    kind: str = MeetingDocument.Kind.DOCUMENT,
    title: str = "",
) -> MeetingDocument:
    """Attach a document, presentation or signed attendance sheet (PDF or image) to a meeting,
    within size and type limits."""
    require(coordination_access.can_manage_body(by, meeting.operation, meeting.body))
    if kind not in MeetingDocument.Kind.values:
        raise ValidationError({"kind": _("Unknown kind of document.")})
    name = _check_upload(file, kind)
    document = MeetingDocument(
        meeting=meeting,
        kind=kind,
        title=(title or "").strip() or name.rsplit("/", 1)[-1][:200],
        uploaded_by=by,
    )
    document.file.save(name.rsplit("/", 1)[-1], file, save=False)
    document.full_clean()
    document.save()
    audit_write(
        actor=by,
        action=AuditEntry.Action.CREATE,
        instance=document,
        operation=meeting.operation,
        after=_document_snapshot(document),
    )
    return document


def _document_snapshot(document: MeetingDocument) -> dict[str, Any]:
    # A FieldFile is not JSON: the audit log records the stored file's name.
    return {
        **snapshot(document, fields=["meeting", "kind", "title", "uploaded_by"]),
        "file": document.file.name,
    }


@transaction.atomic
def document_remove(*, document: MeetingDocument, by: User) -> None:
    meeting = document.meeting
    require(coordination_access.can_manage_body(by, meeting.operation, meeting.body))
    audit_write(
        actor=by,
        action=AuditEntry.Action.DELETE,
        instance=document,
        operation=meeting.operation,
        before=_document_snapshot(document),
    )
    storage, name = document.file.storage, document.file.name
    document.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def attendance_record(
    *,
    meeting: Meeting,
    by: User,
    organisations: Iterable[Organisation] = (),
    contacts: Iterable[Contact] = (),
) -> list[Attendance]:
    """Record who attended (replacing what was recorded before): the organisations ticked, and
    the people ticked (their organisation counts as present). The body's member organisations
    not present are recorded absent. The meeting is then marked held."""
    require(coordination_access.can_manage_body(by, meeting.operation, meeting.body))
    if meeting.status == Meeting.Status.CANCELLED:
        raise ValidationError(_("Attendance cannot be recorded for a cancelled meeting."))
    if timezone.localdate() < timezone.localtime(meeting.starts_at).date():
        raise ValidationError(_("Attendance can be recorded from the day of the meeting."))
    operation = meeting.operation
    contacts = list(contacts)
    organisations = list(organisations)
    if any(c.operation_id != operation.pk for c in contacts):
        raise ValidationError({"contacts": _("This contact is not part of the operation.")})
    valid_orgs = set(Organisation.objects.filter(operations=operation).values_list("pk", flat=True))
    if any(o.pk not in valid_orgs for o in organisations):
        raise ValidationError(
            {"organisations": _("This organisation is not part of the operation.")}
        )
    before = sorted(meeting.attendance.values_list("organisation_id", "contact_id", "present"))
    rows: dict[tuple[int, int | None], bool] = {}
    for contact in contacts:
        rows[(contact.organisation_id, contact.pk)] = True
    present_orgs = {o.pk for o in organisations} | {c.organisation_id for c in contacts}
    for org_id in present_orgs:
        if not any(key[0] == org_id for key in rows):
            rows[(org_id, None)] = True
    for org_id in member_organisation_ids(meeting.body):
        if org_id not in present_orgs:
            rows[(org_id, None)] = False
    meeting.attendance.all().delete()
    created = Attendance.objects.bulk_create(
        Attendance(
            meeting=meeting,
            organisation_id=org_id,
            contact_id=contact_id,
            present=present,
            recorded_by=by,
        )
        for (org_id, contact_id), present in sorted(
            rows.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)
        )
    )
    after = sorted((o, c, p) for (o, c), p in rows.items())
    meeting_before = snapshot(meeting)
    if meeting.status == Meeting.Status.SCHEDULED:
        meeting.status = Meeting.Status.HELD
        meeting.save(update_fields=["status", "updated_at"])
    audit_write(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        instance=meeting,
        operation=operation,
        before={"attendance": [list(r) for r in before], **meeting_before},
        after={"attendance": [list(r) for r in after], **snapshot(meeting)},
        summary=f"Attendance recorded: {meeting}",
    )
    return created
