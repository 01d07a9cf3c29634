"""Consent as data, enforced here for every hand-off whatever the client sends.

A consent is recorded per purpose (services, sharing with named organisations, aggregate
statistics, tracing), by the person or a caregiver, from a date, until a date or withdrawal, with
the fields the person agreed to disclose. `handoff_authorise` is the one gate every referral,
transfer and export goes through: it returns the consent (and the fields) that allow the hand-off,
or records a supervisor's override with its reason, or refuses. A caseworker's override is refused
(PermissionDenied), and identifying information of a GBV case never leaves the organisation, even
with an override.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tutela.cases import access, shared_fields
from tutela.cases.models import (
    Assessment,
    Case,
    Consent,
    ConsentOverride,
    Referral,
    ReviewStatus,
    Transfer,
)
from tutela.cases.models.cases import CHILD_BANDS
from tutela.core.extensions import Registry
from tutela.core.models import AuditEntry, Organisation, User
from tutela.core.services.audit import audit_create, audit_update, audit_write, snapshot

# Extension point: told when an open referral is withdrawn or loses the consent it rested on,
# called as channel(referral=..., by=..., what="referral" or "consent", reason=...) inside the
# transaction (a referral to another Tutela: the peer is told, tutela.cases.services.peers).
# Here rather than in services.referrals because both that module and this one call it.
withdrawal_channels = Registry("referral withdrawal channels")

Purpose = Consent.Purpose
NAMED_PURPOSES = frozenset({Purpose.SHARING, Purpose.TRACING})


def _is_child(case: Case) -> bool:
    return case.age_band in CHILD_BANDS


def _approved_bia(case: Case, assessment: Assessment | None) -> bool:
    return (
        assessment is not None
        and assessment.case_id == case.pk
        and assessment.kind == Assessment.Kind.BEST_INTEREST
        and assessment.status == ReviewStatus.APPROVED
    )


@transaction.atomic
def consent_record(
    *,
    case: Case,
    by: User,
    purpose: str,
    given_on: datetime.date | None = None,
    given_by: str = Consent.GivenBy.PERSON,
    caregiver_name: str = "",
    valid_until: datetime.date | None = None,
    organisations: Iterable[Organisation] = (),
    fields: Iterable[str] = (),
    best_interest: Assessment | None = None,
) -> Consent:
    access.require_edit(by, case)
    today = timezone.localdate()
    given_on = given_on or today
    organisations = list(organisations)
    fields = list(dict.fromkeys(fields))
    if purpose not in Purpose.values:
        raise ValidationError({"purpose": _("Unknown purpose.")})
    if given_by not in Consent.GivenBy.values:
        raise ValidationError({"given_by": _("Say who gave the consent.")})
    if given_on > today:
        raise ValidationError({"given_on": _("The consent cannot be given in the future.")})
    if valid_until is not None and valid_until < given_on:
        raise ValidationError({"valid_until": _("The end date is before the consent was given.")})
    unknown = [code for code in fields if code not in shared_fields.FIELDS]
    if unknown:
        raise ValidationError({"fields": _("Unknown information: %s") % ", ".join(unknown)})
    if case.is_gbv:
        identifying = [code for code in fields if code in shared_fields.IDENTIFYING]
        if identifying:
            raise ValidationError(
                {
                    "fields": _(
                        "Identifying information of a GBV case never leaves the organisation: "
                        "it cannot be part of a consent to share."
                    )
                }
            )
    if purpose in NAMED_PURPOSES:
        if not organisations:
            raise ValidationError({"organisations": _("Name the organisations it may go to.")})
        members = set(case.operation.organisations.values_list("pk", flat=True))
        for organisation in organisations:
            if organisation.pk not in members or organisation.pk == case.organisation_id:
                raise ValidationError(
                    {
                        "organisations": _("%(org)s is not another organisation of the operation.")
                        % {"org": organisation.acronym}
                    }
                )
    elif organisations or fields:
        raise ValidationError(
            {
                "organisations": _(
                    "Only a consent to share or to trace names organisations and information."
                )
            }
        )
    if given_by == Consent.GivenBy.CAREGIVER and not caregiver_name.strip():
        raise ValidationError({"caregiver_name": _("Give the caregiver's name.")})
    # Child protection: a child's consent alone stands only on an approved best-interest
    # assessment (e.g. the caregiver is the source of harm).
    child_alone = _is_child(case) and given_by != Consent.GivenBy.CAREGIVER
    if child_alone and not _approved_bia(case, best_interest):
        raise ValidationError(
            {
                "given_by": _(
                    "A child's consent is given by a parent or caregiver, unless an approved "
                    "best-interest assessment says otherwise."
                )
            }
        )
    consent = Consent(
        case=case,
        purpose=purpose,
        given_by=given_by,
        caregiver_name=caregiver_name.strip(),
        given_on=given_on,
        valid_until=valid_until,
        fields=fields if purpose in NAMED_PURPOSES else [],
        best_interest=best_interest,
        recorded_by=by,
    )
    consent.full_clean(exclude=["case", "recorded_by", "best_interest"], validate_constraints=False)
    consent.save()
    consent.organisations.set(organisations)
    audit_create(actor=by, instance=consent, operation=case.operation)
    return consent


@transaction.atomic
def consent_withdraw(
    *, consent: Consent, by: User, note: str = "", on: datetime.date | None = None
) -> Consent:
    """Record the withdrawal. What was shared under it is taken back where Tutela holds it: open
    referrals lose their copy of the case's information, pending transfers are cancelled."""
    case = consent.case
    access.require_edit(by, case)
    if consent.withdrawn_on is not None:
        raise ValidationError(_("This consent was already withdrawn."))
    before = snapshot(consent)
    consent.withdrawn_on = on or timezone.localdate()
    consent.withdrawn_by = by
    consent.withdrawal_note = note.strip()
    consent.save()
    audit_update(actor=by, instance=consent, operation=case.operation, before=before)
    for referral in Referral.objects.filter(
        consent=consent, status__in=[Referral.Status.SENT, Referral.Status.ACCEPTED]
    ):
        referral_before = snapshot(referral)
        referral.shared_data = ""
        referral.shared_fields = []
        referral.save(update_fields=["shared_data", "shared_fields", "updated_at"])
        audit_update(actor=by, instance=referral, operation=case.operation, before=referral_before)
        for channel in withdrawal_channels:
            channel(referral=referral, by=by, what="consent", reason=consent.withdrawal_note)
    for transfer in Transfer.objects.filter(consent=consent, status=Transfer.Status.PENDING):
        transfer.status = Transfer.Status.CANCELLED
        transfer.decided_at = timezone.now()
        transfer.save(update_fields=["status", "decided_at", "updated_at"])
        audit_write(
            actor=by,
            action=AuditEntry.Action.UPDATE,
            instance=transfer,
            operation=case.operation,
            after={"status": transfer.status, "why": "consent withdrawn"},
        )
    return consent


def active_consents(case: Case, purpose: str, on: datetime.date | None = None) -> list[Consent]:
    on = on or timezone.localdate()
    return [
        consent
        for consent in case.consents.filter(purpose=purpose).prefetch_related("organisations")
        if consent.is_active(on)
    ]


def has_consent(case: Case, purpose: str) -> bool:
    return bool(active_consents(case, purpose))


@dataclass
class Handoff:
    """What allows a hand-off: the consent or the override, and the fields that may go."""

    fields: list[str]
    consent: Consent | None = None
    override: ConsentOverride | None = None


def _consent_naming(case: Case, organisation: Organisation) -> Consent | None:
    for consent in active_consents(case, Purpose.SHARING):
        if any(o.pk == organisation.pk for o in consent.organisations.all()):
            return consent
    return None


@transaction.atomic
def handoff_authorise(
    *,
    case: Case,
    by: User,
    handoff: str,
    organisation: Organisation | None,
    fields: Iterable[str],
    override_reason: str = "",
) -> Handoff:
    """The gate of every referral, transfer and export of a case.

    Allowed when an active consent to share names the receiving organisation and covers every
    requested field. Otherwise, with `override_reason`, a supervisor of the case's team may go
    ahead: the override is recorded, audited and shown on the case; anyone else is refused
    (PermissionDenied). Identifying fields of a GBV case are refused in every case."""
    requested = list(dict.fromkeys(fields))
    unknown = [code for code in requested if code not in shared_fields.FIELDS]
    if unknown:
        raise ValidationError({"fields": _("Unknown information: %s") % ", ".join(unknown)})
    if case.is_gbv and any(code in shared_fields.IDENTIFYING for code in requested):
        raise ValidationError(
            {
                "fields": _(
                    "Identifying information of a GBV case never leaves the organisation, "
                    "with or without consent."
                )
            }
        )
    consent = _consent_naming(case, organisation) if organisation is not None else None
    if consent is not None and set(requested) <= set(consent.fields):
        return Handoff(fields=shared_fields.allowed_for(case, requested), consent=consent)
    if not override_reason.strip():
        if consent is None:
            raise ValidationError(
                _("No active consent allows sharing this case with %(org)s.")
                % {"org": organisation.acronym if organisation else _("anyone")}
            )
        beyond = [str(shared_fields.FIELDS[c]) for c in requested if c not in consent.fields]
        raise ValidationError({"fields": _("The consent does not cover: %s.") % ", ".join(beyond)})
    if not access.can_override_consent(by, case):
        raise PermissionDenied(_("Only a supervisor of the case's team may override consent."))
    override = ConsentOverride.objects.create(
        case=case,
        handoff=handoff,
        organisation=organisation,
        fields=shared_fields.allowed_for(case, requested),
        reason=override_reason.strip(),
        by=by,
    )
    audit_create(actor=by, instance=override, operation=case.operation)
    return Handoff(fields=override.fields, consent=consent, override=override)


def shared_json(case: Case, fields: list[str]) -> str:
    return json.dumps(shared_fields.snapshot(case, fields), ensure_ascii=False, default=str)
