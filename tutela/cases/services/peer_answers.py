"""The receiving side of a referral from another Tutela: its organisation accepts, declines or
completes it (each answer goes back to the sender through the outbox and moves its referral to the
same state a local answer would), opens its own case from it, and is reminded of the ones left
unanswered past their deadline.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tutela.cases import access
from tutela.cases.models import (
    Case,
    InboundReferral,
    Peer,
    PeerMessage,
)
from tutela.cases.selectors.inbound import inbound_referrals_late
from tutela.cases.services import notifications
from tutela.cases.services.peer_outbox import peer_message_queue
from tutela.cases.services.referrals import case_from_shared
from tutela.core.models import AdminArea, User
from tutela.core.services.audit import audit_update, snapshot
from tutela.core.services.mail import mail_enqueue

# --- Answering an inbound referral ---------------------------------------------------------------


def _answer(
    inbound: InboundReferral, by: User, status: str, *, reason: str = "", feedback: str = ""
) -> InboundReferral:
    if inbound.peer.status != Peer.Status.ACTIVE:
        raise ValidationError(_("The other Tutela is no longer a registered peer."))
    before = snapshot(inbound)
    now = timezone.now()
    inbound.status = status
    if inbound.responded_at is None:
        inbound.responded_at = now
        inbound.responded_by = by
    if status == InboundReferral.Status.DECLINED:
        inbound.decline_reason = reason
        inbound.shared_data = ""
    if status == InboundReferral.Status.COMPLETED:
        inbound.completed_at = now
        inbound.feedback = feedback
    inbound.save()
    audit_update(actor=by, instance=inbound, operation=inbound.operation, before=before)
    peer_message_queue(
        peer=inbound.peer,
        kind=PeerMessage.Kind.ANSWER,
        payload={
            "kind": "answer",
            "answer": {
                "code": inbound.code,
                "status": status,
                "reason": reason,
                "feedback": feedback,
                "at": now.isoformat(),
            },
        },
        inbound=inbound,
    )
    return inbound


@transaction.atomic
def inbound_referral_accept(*, inbound: InboundReferral, by: User) -> InboundReferral:
    if not access.can_answer_inbound_referral(by, inbound):
        raise PermissionDenied
    if inbound.status != InboundReferral.Status.SENT:
        raise ValidationError(_("Only a referral waiting for an answer can be accepted."))
    return _answer(inbound, by, InboundReferral.Status.ACCEPTED)


@transaction.atomic
def inbound_referral_decline(*, inbound: InboundReferral, by: User, reason: str) -> InboundReferral:
    if not access.can_answer_inbound_referral(by, inbound):
        raise PermissionDenied
    if inbound.status != InboundReferral.Status.SENT:
        raise ValidationError(_("Only a referral waiting for an answer can be declined."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the referral is declined.")})
    return _answer(inbound, by, InboundReferral.Status.DECLINED, reason=reason.strip())


@transaction.atomic
def inbound_referral_complete(
    *, inbound: InboundReferral, by: User, feedback: str
) -> InboundReferral:
    if not access.can_answer_inbound_referral(by, inbound):
        raise PermissionDenied
    if inbound.status != InboundReferral.Status.ACCEPTED:
        raise ValidationError(_("Only an accepted referral can be completed."))
    if not feedback.strip():
        raise ValidationError({"feedback": _("Give feedback to the referring organisation.")})
    return _answer(inbound, by, InboundReferral.Status.COMPLETED, feedback=feedback.strip())


def answer_delivery(inbound: InboundReferral) -> PeerMessage | None:
    return PeerMessage.objects.filter(inbound=inbound).order_by("-created_at", "-id").first()


# --- The receiving side: its own case, and referrals left unanswered -----------------------------


@transaction.atomic
def inbound_referral_open_case(
    *,
    inbound: InboundReferral,
    by: User,
    area: AdminArea | None = None,
    confirm_not_duplicate: bool = False,
) -> Case:
    """The receiving organisation opens its own case from an accepted inbound referral, with the
    fields the sender's consent let through (and nothing else); the case is linked to it."""
    if not access.can_answer_inbound_referral(by, inbound):
        raise PermissionDenied
    inbound = InboundReferral.objects.select_for_update().get(pk=inbound.pk)
    if inbound.status not in (InboundReferral.Status.ACCEPTED, InboundReferral.Status.COMPLETED):
        raise ValidationError(_("Accept the referral before opening a case from it."))
    if inbound.case_id is not None:
        raise ValidationError(_("A case was already opened from this referral."))
    if inbound.consent_withdrawn_at is not None or inbound.withdrawn_at is not None:
        raise ValidationError(
            _("The referring organisation withdrew what it shared: no case can be opened from it.")
        )
    case = case_from_shared(
        operation=inbound.operation,
        by=by,
        shared_data=inbound.shared_data,
        area=area,
        case_type=Case.Type.GENERAL,
        summary=_("Opened from the referral %(code)s received from %(org)s.")
        % {"code": inbound.code, "org": inbound.from_organisation},
        confirm_not_duplicate=confirm_not_duplicate,
    )
    before = snapshot(inbound)
    inbound.case = case
    inbound.save(update_fields=["case", "updated_at"])
    audit_update(actor=by, instance=inbound, operation=inbound.operation, before=before)
    return case


def inbound_referrals_overdue(now: datetime.datetime | None = None) -> Any:
    """Late (the rule the receiving staff's notice shows too) and not escalated yet."""
    return (
        inbound_referrals_late(InboundReferral.objects.all(), now or timezone.now())
        .filter(escalated_at__isnull=True)
        .select_related("operation", "organisation")
    )


@transaction.atomic
def inbound_referrals_escalate(*, now: datetime.datetime | None = None) -> list[InboundReferral]:
    """The receiving side's escalation: each referral from another Tutela past its deadline
    without an answer is e-mailed once to the receiving organisation's supervisors, audited."""
    now = now or timezone.now()
    escalated = []
    for inbound in inbound_referrals_overdue(now).select_for_update(of=("self",)):
        for user in notifications.supervisors_of(inbound.operation, inbound.organisation_id):
            with translation.override(user.language or inbound.operation.default_language):
                mail_enqueue(
                    operation=inbound.operation,
                    kind="cases.peer_referral_overdue",
                    subject=_("Referral %(code)s not answered in time") % {"code": inbound.code},
                    text=_(
                        "The referral %(code)s that %(org)s sent your organisation through "
                        "another Tutela was due for an answer by %(deadline)s UTC and has none. "
                        "Please accept or decline it."
                    )
                    % {
                        "code": inbound.code,
                        "org": inbound.from_organisation,
                        "deadline": inbound.respond_by.strftime("%Y-%m-%d %H:%M"),
                    },
                    to_users=[user],
                )
        before = snapshot(inbound)
        inbound.escalated_at = now
        inbound.save(update_fields=["escalated_at", "updated_at"])
        audit_update(actor=None, instance=inbound, operation=inbound.operation, before=before)
        escalated.append(inbound)
    return escalated
