"""Minutes (compte-rendu) of a meeting: written in Markdown (shown as sanitised HTML), approved by
a manager, exported to Word and PDF in the meeting's language with the attendance list, and
circulated by e-mail (PDF attached) to the body's members once approved.

Rules:
- Managers and the body's focal points write the minutes
  (`coordination.access.can_manage_body`); editing approved minutes returns them to draft;
  circulated minutes are final.
- Only managers (coordinator, IMO) approve.
- Drafts are read by those who write them; approved minutes by everyone with a role.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from tutela.coordination import access as coordination_access
from tutela.coordination.models import ActionPoint, Meeting, Minutes
from tutela.coordination.selectors.meetings import attendance_by_organisation
from tutela.coordination.services.document_formats import (
    markdown_to_docx,
    markdown_to_html,
    markdown_to_pdf,
)
from tutela.coordination.services.invitations import meeting_recipient_addresses
from tutela.core import access
from tutela.core.models import User
from tutela.core.services.audit import audit_create, audit_update, snapshot
from tutela.core.services.mail import mail_enqueue

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_CONTENT_TYPE = "application/pdf"


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


@transaction.atomic
def minutes_save(*, meeting: Meeting, by: User, text: str, decisions: str = "") -> Minutes:
    """Write or edit the minutes (draft). Editing approved minutes returns them to draft."""
    _require(coordination_access.can_manage_body(by, meeting.operation, meeting.body))
    if meeting.status == Meeting.Status.CANCELLED:
        raise ValidationError(_("A cancelled meeting has no minutes."))
    minutes = Minutes.objects.select_for_update().filter(meeting=meeting).first()
    text, decisions = (text or "").strip(), (decisions or "").strip()
    if minutes is None:
        minutes = Minutes(meeting=meeting, text=text, decisions=decisions, updated_by=by)
        minutes.full_clean()
        minutes.save()
        audit_create(actor=by, instance=minutes, operation=meeting.operation)
        return minutes
    if minutes.status == Minutes.Status.CIRCULATED:
        raise ValidationError(_("These minutes have been circulated and can no longer change."))
    if minutes.text == text and minutes.decisions == decisions:
        return minutes
    before = snapshot(minutes)
    minutes.text, minutes.decisions, minutes.updated_by = text, decisions, by
    if minutes.status == Minutes.Status.APPROVED:
        minutes.status = Minutes.Status.DRAFT
        minutes.approved_by = None
        minutes.approved_at = None
    minutes.full_clean()
    minutes.save()
    audit_update(actor=by, instance=minutes, operation=meeting.operation, before=before)
    return minutes


@transaction.atomic
def minutes_approve(*, minutes: Minutes, by: User) -> Minutes:
    """A manager approves the draft minutes."""
    meeting = minutes.meeting
    _require(access.is_manager(by, meeting.operation))
    if minutes.status != Minutes.Status.DRAFT:
        raise ValidationError(_("Only draft minutes can be approved."))
    if not (minutes.text or minutes.decisions):
        raise ValidationError(_("The minutes are empty."))
    before = snapshot(minutes)
    minutes.status = Minutes.Status.APPROVED
    minutes.approved_by = by
    minutes.approved_at = timezone.now()
    minutes.save()
    audit_update(actor=by, instance=minutes, operation=meeting.operation, before=before)
    return minutes


@transaction.atomic
def minutes_circulate(*, minutes: Minutes, by: User) -> int:
    """E-mail the approved minutes (PDF attached) to the body's members; recorded as
    circulated. Returns the number of recipients."""

    meeting = minutes.meeting
    _require(coordination_access.can_manage_body(by, meeting.operation, meeting.body))
    if minutes.status != Minutes.Status.APPROVED:
        raise ValidationError(_("Only approved minutes can be circulated."))
    addresses = meeting_recipient_addresses(meeting)
    if not addresses:
        raise ValidationError(
            _("No member of this body has an active contact with an e-mail address.")
        )
    pdf = minutes_pdf(meeting, minutes)
    with translation.override(meeting.language):
        subject = _("Minutes: %(title)s") % {"title": meeting.title}
        text = _(
            "Please find attached the approved minutes of the meeting %(title)s (%(body)s) "
            "of %(date)s."
        ) % {
            "title": meeting.title,
            "body": meeting.body.name,
            "date": formats.date_format(timezone.localtime(meeting.starts_at), "DATE_FORMAT"),
        }
    before = snapshot(minutes)
    mail_enqueue(
        operation=meeting.operation,
        kind="meeting_minutes",
        subject=subject,
        text=text,
        to_addresses=addresses,
        attachments=[(f"{export_filename(meeting)}.pdf", pdf, PDF_CONTENT_TYPE)],
        digestible=False,
    )
    minutes.status = Minutes.Status.CIRCULATED
    minutes.circulated_at = timezone.now()
    minutes.save()
    audit_update(actor=by, instance=minutes, operation=meeting.operation, before=before)
    return len(addresses)


# --- Rendering ------------------------------------------------------------------------------------


def minutes_html(minutes: Minutes) -> dict[str, str]:
    """The minutes' text and decisions as sanitised HTML (no scripts, styles or event
    handlers; links limited to http, https and mailto)."""
    return {
        "text": markdown_to_html(minutes.text),
        "decisions": markdown_to_html(minutes.decisions),
    }


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>])")


def _md(value: Any) -> str:
    """A plain value (a name, a title) made inert inside the generated Markdown."""
    text = str(value or "").replace("\r", " ").replace("\n", " ")
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def export_filename(meeting: Meeting) -> str:
    day = timezone.localtime(meeting.starts_at).date().isoformat()
    return f"minutes-{day}-{slugify(meeting.body.code or meeting.body.name)[:40]}"


def minutes_markdown(meeting: Meeting, minutes: Minutes | None) -> str:
    """The whole minutes document as Markdown, in the current language: details, attendance by
    organisation, agenda, decisions, discussion, action points."""

    start = timezone.localtime(meeting.starts_at)
    end = timezone.localtime(meeting.ends_at)
    parts = [
        f"**{_('Body')}:** {_md(meeting.body.name)}  ",
        f"**{_('Date')}:** {formats.date_format(start, 'DATE_FORMAT')}, "
        f"{formats.time_format(start, 'TIME_FORMAT')}–{formats.time_format(end, 'TIME_FORMAT')}  ",
    ]
    if meeting.location:
        parts.append(f"**{_('Location')}:** {_md(meeting.location)}  ")
    if minutes is not None and minutes.approved_at:
        parts.append(
            f"**{_('Approved')}:** "
            f"{formats.date_format(timezone.localtime(minutes.approved_at), 'DATE_FORMAT')}"
            + (f" ({_md(minutes.approved_by.full_name)})" if minutes.approved_by else "")
            + "  "
        )
    parts += ["", f"## {_('Attendance')}", ""]
    lines = attendance_by_organisation(meeting)
    if lines:
        parts += [
            f"| {_('Organisation')} | {_('Present')} | {_('Participants')} |",
            "| --- | --- | --- |",
        ]
        for line in lines:
            parts.append(
                f"| {_md(line.organisation.acronym)} — {_md(line.organisation.name)} "
                f"| {_('Yes') if line.present else _('No')} "
                f"| {_md(', '.join(line.names))} |"
            )
    else:
        parts.append(_("Attendance was not recorded."))
    agenda = list(meeting.agenda.select_related("presenter"))
    if agenda:
        parts += ["", f"## {_('Agenda')}", ""]
        for number, item in enumerate(agenda, start=1):
            presenter = f" ({_md(item.presenter.acronym)})" if item.presenter else ""
            parts.append(f"{number}. {_md(item.title)}{presenter}")
    if minutes is not None and minutes.decisions:
        parts += ["", f"## {_('Decisions')}", "", minutes.decisions]
    if minutes is not None and minutes.text:
        parts += ["", f"## {_('Discussion')}", "", minutes.text]
    points = list(
        ActionPoint.objects.filter(meeting=meeting)
        .select_related("owner_organisation", "owner")
        .order_by("due_date", "pk")
    )
    if points:
        parts += [
            "",
            f"## {_('Action points')}",
            "",
            f"| {_('Action')} | {_('Owner')} | {_('Due date')} | {_('Status')} |",
            "| --- | --- | --- | --- |",
        ]
        for point in points:
            owner = " / ".join(
                _md(x)
                for x in (
                    point.owner_organisation.acronym if point.owner_organisation else "",
                    point.owner.full_name if point.owner else "",
                )
                if x
            )
            due = formats.date_format(point.due_date, "SHORT_DATE_FORMAT") if point.due_date else ""
            parts.append(
                f"| {_md(point.title)} | {owner} | {due} | {_md(point.get_status_display())} |"
            )
    return "\n".join(parts) + "\n"


def _title(meeting: Meeting) -> str:
    return _("Minutes: %(title)s") % {"title": meeting.title}


def minutes_docx(meeting: Meeting, minutes: Minutes | None) -> bytes:
    """The minutes as a Word document, in the meeting's language."""
    with translation.override(meeting.language):
        return markdown_to_docx(
            minutes_markdown(meeting, minutes), title=_title(meeting), language=meeting.language
        )


def minutes_pdf(meeting: Meeting, minutes: Minutes | None) -> bytes:
    """The minutes as a PDF, in the meeting's language."""
    with translation.override(meeting.language):
        return markdown_to_pdf(
            minutes_markdown(meeting, minutes), title=_title(meeting), language=meeting.language
        )
