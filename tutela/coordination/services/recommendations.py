"""Advocacy recommendations, followed until they are implemented (or not).

A recommendation's status changes only through a follow-up entry, so that the follow-up log is
its history: who said what happened, when, with which evidence.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tutela.coordination import access as coordination_access
from tutela.coordination.models import (
    ClearanceDocument,
    Meeting,
    Mission,
    Recommendation,
    RecommendationFollowUp,
)
from tutela.coordination.selectors import advocacy as selectors
from tutela.core import access
from tutela.core.models import AuditEntry, Operation, User
from tutela.core.services.audit import audit_create, audit_update, audit_write, snapshot
from tutela.core.spreadsheets import csv_safe, sheet_title, xlsx_text
from tutela.core.upload_checks import TEXT, upload_check, upload_types
from tutela.monitoring.models import AnalysisUpdate

EDITABLE_FIELDS = frozenset(
    {
        "text",
        "addressee_kind",
        "addressee",
        "issued_in",
        "issued_on",
        "meeting",
        "document",
        "pau",
        "mission",
    }
)
# Where it was issued -> the field that links the meeting, note, PAU or mission.
LINK_FIELDS = {
    Recommendation.IssuedIn.MEETING: "meeting",
    Recommendation.IssuedIn.BRIEFING_NOTE: "document",
    Recommendation.IssuedIn.PAU: "pau",
    Recommendation.IssuedIn.MISSION: "mission",
}
LINK_MODELS: dict[str, type[Any]] = {
    "meeting": Meeting,
    "document": ClearanceDocument,
    "pau": AnalysisUpdate,
    "mission": Mission,
}

EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
# Extension -> the first bytes such a file starts with (text: no NUL byte).
EVIDENCE_TYPES = upload_types(
    "pdf", "docx", "xlsx", "pptx", "odt", "ods", "png", "jpg", "jpeg", "txt", "csv", text=TEXT
)


def _require_editor(user: User, operation: Operation) -> None:
    if not coordination_access.can_edit_advocacy(user, operation):
        raise PermissionDenied


def _check(recommendation: Recommendation, today: datetime.date | None = None) -> None:
    """Links match where it was issued and belong to the operation; not issued in the future."""
    errors: dict[str, str] = {}
    recommendation.text = (recommendation.text or "").strip()
    recommendation.addressee = (recommendation.addressee or "").strip()
    expected = LINK_FIELDS.get(recommendation.issued_in)  # type: ignore[call-overload]
    for name in LINK_MODELS:
        linked = getattr(recommendation, name)
        if linked is None:
            continue
        if name != expected:
            errors[name] = _("This link does not match where the recommendation was issued.")
        elif linked.operation_id != recommendation.operation_id:
            errors[name] = _("Choose one of this operation's records.")
    today = today or timezone.localdate()
    if recommendation.issued_on and recommendation.issued_on > today:
        errors["issued_on"] = _("The date cannot be in the future.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def recommendation_create(
    *,
    operation: Operation,
    by: User,
    text: str,
    addressee_kind: str,
    addressee: str,
    issued_in: str,
    issued_on: datetime.date,
    meeting: Meeting | None = None,
    document: ClearanceDocument | None = None,
    pau: AnalysisUpdate | None = None,
    mission: Mission | None = None,
) -> Recommendation:
    _require_editor(by, operation)
    recommendation = Recommendation(
        operation=operation,
        text=text,
        addressee_kind=addressee_kind,
        addressee=addressee,
        issued_in=issued_in,
        issued_on=issued_on,
        meeting=meeting,
        document=document,
        pau=pau,
        mission=mission,
        status=Recommendation.Status.ISSUED,
        status_changed_at=timezone.now(),
        created_by=by,
    )
    _check(recommendation)
    recommendation.full_clean()
    recommendation.save()
    audit_create(actor=by, instance=recommendation, operation=operation)
    return recommendation


@transaction.atomic
def recommendation_update(
    *, recommendation: Recommendation, by: User, **fields: Any
) -> Recommendation:
    """Change the text, addressee, where and when it was issued. The status is not among them:
    record a follow-up."""
    operation = recommendation.operation
    _require_editor(by, operation)
    if "status" in fields:
        raise ValidationError(
            {"status": _("The status changes through a follow-up entry, not by editing.")}
        )
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError(
            _("Unknown fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        )
    before = snapshot(recommendation)
    for name, value in fields.items():
        setattr(recommendation, name, value)
    # Changing where it was issued drops a link that no longer fits.
    if "issued_in" in fields:
        expected = LINK_FIELDS.get(recommendation.issued_in)  # type: ignore[call-overload]
        for name in LINK_MODELS:
            if name != expected and name not in fields:
                setattr(recommendation, name, None)
    _check(recommendation)
    recommendation.full_clean()
    recommendation.save()
    audit_update(actor=by, instance=recommendation, operation=operation, before=before)
    return recommendation


def evidence_check(upload: File[Any]) -> None:
    """Evidence files: documents, spreadsheets, images and text up to 10 MB, whose content
    matches their extension (an empty text file is accepted, as it always was)."""
    upload_check(
        upload,
        types=EVIDENCE_TYPES,
        max_bytes=EVIDENCE_MAX_BYTES,
        field="evidence",
        allow_empty=True,
    )


@transaction.atomic
def recommendation_follow_up(
    *,
    recommendation: Recommendation,
    by: User,
    status: str,
    note: str,
    evidence_file: File[Any] | None = None,
    evidence_link: str = "",
) -> RecommendationFollowUp:
    """Record what happened (a meeting with the authority, a reply, a change seen on the ground)
    and the status it leaves the recommendation in."""
    operation = recommendation.operation
    _require_editor(by, operation)
    # Lock the row: two follow-ups at the same time must not both read the old status.
    recommendation = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
    note = (note or "").strip()
    evidence_link = (evidence_link or "").strip()
    if status not in Recommendation.Status.values:
        raise ValidationError({"status": _("Choose a valid status.")})
    if status == recommendation.status and not (note or evidence_file or evidence_link):
        raise ValidationError(
            {"note": _("Describe what happened, attach evidence or change the status.")}
        )
    if evidence_file is not None:
        evidence_check(evidence_file)
    follow_up = RecommendationFollowUp(
        recommendation=recommendation,
        status=status,
        note=note,
        evidence_link=evidence_link,
        by=by,
    )
    if evidence_file is not None:
        follow_up.evidence = evidence_file
    follow_up.full_clean()
    follow_up.save()
    after = snapshot(follow_up, fields=["recommendation", "status", "note", "evidence_link", "by"])
    # The file is logged by its stored name (a file object has no place in the log).
    after["evidence"] = follow_up.evidence.name if follow_up.evidence else ""
    audit_write(
        actor=by,
        action=AuditEntry.Action.CREATE,
        instance=follow_up,
        operation=operation,
        after=after,
    )
    if status != recommendation.status:
        before = snapshot(recommendation)
        recommendation.status = status
        recommendation.status_changed_at = timezone.now()
        recommendation.save(update_fields=["status", "status_changed_at", "updated_at"])
        audit_update(actor=by, instance=recommendation, operation=operation, before=before)
    return follow_up


# --- Export --------------------------------------------------------------------------------------


def _link_label(recommendation: Recommendation) -> str:
    for name in LINK_MODELS:
        linked = getattr(recommendation, name)
        if linked is not None:
            return str(getattr(linked, "title", linked))
    return ""


# The HXL row of the export (tutela.core.hxl), one tag a column of _export_rows.
EXPORT_HXL = [
    "#meta+id",
    "#date+issued",
    "#org+addressee+type",
    "#org+addressee+name",
    "#description+recommendation",
    "#meta+issued_in",
    "#meta+source",
    "#status",
    "#date+status",
    "#indicator+follow_ups+num",
    "#date+follow_up",
    "#indicator+days_pending+num",
    "#indicator+days_since_follow_up+num",
]


def _export_rows(
    recommendations: list[Recommendation], today: datetime.date
) -> tuple[list[str], list[list[Any]]]:
    headers = [
        _("Id"),
        _("Issued on"),
        _("Addressee type"),
        _("Addressee"),
        _("Recommendation"),
        _("Issued in"),
        _("Source"),
        _("Status"),
        _("Status changed"),
        _("Follow-ups"),
        _("Last follow-up"),
        _("Days since issued"),
        _("Days since last follow-up"),
    ]
    rows = []
    for rec in recommendations:
        since_issued, since_follow_up = selectors.days_pending(rec, today)
        pending = rec.status in selectors.PENDING_STATUSES
        last = getattr(rec, "last_follow_up_at", None)
        rows.append(
            [
                rec.pk,
                rec.issued_on,
                rec.get_addressee_kind_display(),
                rec.addressee,
                rec.text,
                rec.get_issued_in_display(),
                _link_label(rec),
                rec.get_status_display(),
                timezone.localdate(rec.status_changed_at) if rec.status_changed_at else None,
                getattr(rec, "follow_up_count", 0),
                timezone.localdate(last) if last else None,
                since_issued if pending else None,
                since_follow_up if pending else None,
            ]
        )
    return [str(h) for h in headers], rows


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, int | float):
        return str(value)
    text = value.isoformat() if isinstance(value, datetime.date) else str(value)
    return str(csv_safe(text))


def recommendations_export(
    *,
    by: User,
    operation: Operation,
    filters: Mapping[str, Any] | None = None,
    fmt: str = "xlsx",
    today: datetime.date | None = None,
) -> tuple[bytes, str, str]:
    """The filtered list as CSV or an Excel workbook: (content, file name, content type).
    Recorded in the audit log."""
    if not access.roles_in(by, operation):
        raise PermissionDenied
    today = today or timezone.localdate()
    recommendations = list(selectors.recommendation_list(by, operation, filters))
    headers, rows = _export_rows(recommendations, today)
    filename = f"{operation.slug}-recommendations-{today.isoformat()}.{fmt}"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(headers)
        writer.writerow(EXPORT_HXL)
        for row in rows:
            writer.writerow([_csv_value(v) for v in row])
        # With a byte-order mark, Excel opens the UTF-8 file with its accents intact.
        content = ("\ufeff" + buffer.getvalue()).encode()
        content_type = "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        content = _workbook(headers, rows)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        raise ValidationError(_("Unknown export format."))
    audit_write(
        actor=by,
        action=AuditEntry.Action.EXPORT,
        operation=operation,
        entity_type=Recommendation._meta.label_lower,
        summary=f"Exported {len(rows)} recommendations to {filename}",
        after={
            "count": len(rows),
            "filters": {k: str(v) for k, v in (filters or {}).items() if v not in (None, "")},
        },
    )
    return content, filename, content_type


def _workbook(headers: list[str], rows: list[list[Any]]) -> bytes:
    # openpyxl is heavy: loaded only when the recommendations are exported to Excel.
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = sheet_title(_("Recommendations"))
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    # The HXL hashtag row, so HXL tools (libhxl, HDX) read the workbook.
    sheet.append(EXPORT_HXL)
    for cell in sheet[2]:
        cell.font = Font(italic=True, color="1F4E79")
    for row_number, row in enumerate(rows, start=3):
        for column, value in enumerate(row, start=1):
            cell = xlsx_text(sheet.cell(row=row_number, column=column), value)
            if column == 5:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            elif isinstance(value, datetime.date):
                cell.number_format = "yyyy-mm-dd"
    widths = [8, 12, 16, 28, 70, 18, 30, 16, 14, 10, 14, 12, 12]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = width
    sheet.freeze_panes = "A3"
    sheet.auto_filter.ref = sheet.dimensions
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
