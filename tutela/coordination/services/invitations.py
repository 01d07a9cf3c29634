"""The calendar invitations of a meeting, e-mailed (not digested) to its body's members' contacts
with an .ics file (METHOD:REQUEST, the meeting's UID and SEQUENCE); updates and cancellations
(METHOD:CANCEL) go the same way. Rules: services/meetings.py."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from tutela.coordination import access as coordination_access
from tutela.coordination.access import require
from tutela.coordination.models import (
    Meeting,
)
from tutela.coordination.selectors.meetings import member_organisation_ids
from tutela.coordination.services import ics
from tutela.coordination.services.agenda import agenda_add_action_points
from tutela.core.models import Contact, User
from tutela.core.services.audit import audit_update, snapshot
from tutela.core.services.mail import mail_enqueue


def meeting_recipient_contacts(meeting: Meeting) -> QuerySet[Contact]:
    """Who receives the invitations: the active contacts (with an e-mail address) attached to
    the body, and, for member organisations that have nobody attached to the body, their active
    contacts in the operation."""
    body = meeting.body
    member_orgs = member_organisation_ids(body)
    contacts = Contact.objects.filter(operation=meeting.operation, is_active=True)
    attached = contacts.filter(bodies=body)
    covered = set(attached.values_list("organisation_id", flat=True))
    uncovered = member_orgs - covered
    return (
        contacts.filter(Q(bodies=body) | Q(organisation_id__in=uncovered))
        .distinct()
        .select_related("organisation")
    )


def meeting_recipient_addresses(meeting: Meeting) -> list[str]:
    seen: dict[str, None] = {}
    for contact in meeting_recipient_contacts(meeting):
        address = (contact.email or "").strip()
        if address and "@" in address:
            seen.setdefault(address.lower(), None)
    return list(seen)


def _when(meeting: Meeting) -> str:
    start = timezone.localtime(meeting.starts_at)
    end = timezone.localtime(meeting.ends_at)
    return (
        f"{date_format(start, 'DATE_FORMAT')} {date_format(start, 'TIME_FORMAT')}"
        f"–{date_format(end, 'TIME_FORMAT')} ({timezone.get_current_timezone_name()})"
    )


def _calendar_mail(meeting: Meeting, *, method: str, update: bool) -> tuple[str, str]:
    """Subject and text of an invitation, update or cancellation, in the meeting's language."""
    with translation.override(meeting.language):
        values = {"title": meeting.title, "body": meeting.body.name, "when": _when(meeting)}
        if method == "CANCEL":
            subject = _("Cancelled: %(title)s") % values
            intro = _("The meeting %(title)s (%(body)s) planned on %(when)s is cancelled.") % values
        elif update:
            subject = _("Updated invitation: %(title)s") % values
            intro = (
                _("The meeting %(title)s (%(body)s) has changed. It now takes place on %(when)s.")
                % values
            )
        else:
            subject = _("Invitation: %(title)s") % values
            intro = _("You are invited to the meeting %(title)s (%(body)s) on %(when)s.") % values
        lines = [intro, ""]
        if method != "CANCEL":
            if meeting.location:
                lines.append(_("Location: %(location)s") % {"location": meeting.location})
            lines += ["", ics.meeting_description(meeting), ""]
            lines.append(_("The calendar invitation is attached (.ics)."))
    return subject, "\n".join(lines)


def _send_calendar(meeting: Meeting, *, method: str, update: bool = False) -> int:
    addresses = meeting_recipient_addresses(meeting)
    if not addresses:
        return 0
    subject, text = _calendar_mail(meeting, method=method, update=update)
    name = "cancellation.ics" if method == "CANCEL" else "invitation.ics"
    mail_enqueue(
        operation=meeting.operation,
        kind="meeting_cancellation" if method == "CANCEL" else "meeting_invitation",
        subject=subject,
        text=text,
        to_addresses=addresses,
        attachments=[(name, ics.meeting_ics(meeting, method=method), ics.CONTENT_TYPE)],
        digestible=False,
    )
    return len(addresses)


@transaction.atomic
def meeting_invitations_send(*, meeting: Meeting, by: User) -> int:
    """E-mail the invitation (.ics) to the body's members; sending again sends the current
    version with a new SEQUENCE. Returns the number of recipients."""
    require(coordination_access.can_manage_body(by, meeting.operation, meeting.body))
    if meeting.status != Meeting.Status.SCHEDULED:
        raise ValidationError(_("Invitations can only be sent for a scheduled meeting."))
    if not meeting_recipient_addresses(meeting):
        raise ValidationError(
            _("No member of this body has an active contact with an e-mail address.")
        )
    agenda_add_action_points(meeting=meeting)
    before = snapshot(meeting)
    resend = meeting.invitations_sent_at is not None
    if resend:
        meeting.ics_sequence += 1
    meeting.invitations_sent_at = timezone.now()
    meeting.save(update_fields=["ics_sequence", "invitations_sent_at", "updated_at"])
    count = _send_calendar(meeting, method="REQUEST", update=resend)
    audit_update(actor=by, instance=meeting, operation=meeting.operation, before=before)
    return count
