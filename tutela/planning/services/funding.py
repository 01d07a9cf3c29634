"""Funding received, entered by hand (the FTS import is in services.fts_import): a flow from a
donor to an organisation, and to one of its projects where known. The operation's managers
write; every write is audited."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tutela.core.models import AuditEntry, Operation, Organisation, User
from tutela.core.pcodes import name_key
from tutela.core.services.audit import audit_create, audit_update, audit_write, snapshot
from tutela.planning import access
from tutela.planning.models import Donor, FundingFlow, Project


def donor_for(operation: Operation, name: str) -> Donor:
    """The operation's donor of that name (spelt as FTS spells it), created when new."""
    name = " ".join((name or "").split())
    key = name_key(name)
    if not key:
        raise ValidationError({"donor": _("Give the donor's name.")})
    donor, _created = Donor.objects.get_or_create(
        operation=operation, name_key=key, defaults={"name": name[:300]}
    )
    return donor


def _recipient(
    operation: Operation, organisation: Organisation | None, project: Project | None
) -> Organisation | None:
    if project is not None:
        if project.operation_id != operation.pk:
            raise ValidationError({"project": _("Choose a project of this operation.")})
        if organisation is not None and organisation.pk != project.organisation_id:
            raise ValidationError(
                {"organisation": _("The project belongs to another organisation.")}
            )
        return project.organisation
    if organisation is not None and not operation.organisations.filter(pk=organisation.pk).exists():
        raise ValidationError(
            {"organisation": _("This organisation is not part of the operation.")}
        )
    return organisation


@transaction.atomic
def funding_flow_record(
    *,
    operation: Operation,
    by: User,
    donor: str,
    amount_usd: Decimal,
    status: str,
    year: int,
    organisation: Organisation | None = None,
    project: Project | None = None,
    description: str = "",
    decision_date: datetime.date | None = None,
    original_amount: Decimal | None = None,
    original_currency: str = "",
) -> FundingFlow:
    access.require_funding_manager(by, operation)
    flow = FundingFlow(
        operation=operation,
        year=year,
        donor=donor_for(operation, donor),
        organisation=_recipient(operation, organisation, project),
        project=project,
        amount_usd=amount_usd,
        status=status,
        description=(description or "").strip(),
        decision_date=decision_date,
        original_amount=original_amount,
        original_currency=(original_currency or "").strip().upper(),
        source=FundingFlow.Source.MANUAL,
        created_by=by,
    )
    flow.full_clean()
    flow.save()
    audit_create(actor=by, instance=flow, operation=operation)
    return flow


@transaction.atomic
def funding_flow_update(
    *,
    flow: FundingFlow,
    by: User,
    donor: str | None = None,
    amount_usd: Decimal | None = None,
    status: str | None = None,
    year: int | None = None,
    organisation: Organisation | None = None,
    project: Project | None = None,
    description: str | None = None,
    decision_date: datetime.date | None = None,
    original_amount: Decimal | None = None,
    original_currency: str | None = None,
) -> FundingFlow:
    """Change a flow. Flows imported from FTS are changed by importing again, except their
    project and organisation, which can be set by hand when FTS gave none Tutela knows."""
    operation = flow.operation
    access.require_funding_manager(by, operation)
    before = snapshot(flow)
    if flow.source == FundingFlow.Source.FTS and any(
        value is not None
        for value in (donor, amount_usd, status, year, description, original_amount)
    ):
        raise ValidationError(
            _("This flow comes from FTS: import FTS again to change its amount or donor."),
            code="fts",
        )
    if donor is not None:
        flow.donor = donor_for(operation, donor)
    for name, value in (
        ("amount_usd", amount_usd),
        ("status", status),
        ("year", year),
        ("description", description),
        ("decision_date", decision_date),
        ("original_amount", original_amount),
        ("original_currency", original_currency),
    ):
        if value is not None:
            setattr(flow, name, value.strip() if isinstance(value, str) else value)
    if project is not None or organisation is not None:
        flow.organisation = _recipient(operation, organisation, project)
        flow.project = project
    flow.full_clean()
    flow.save()
    audit_update(actor=by, instance=flow, operation=operation, before=before)
    return flow


@transaction.atomic
def funding_flow_delete(*, flow: FundingFlow, by: User) -> None:
    operation = flow.operation
    access.require_funding_manager(by, operation)
    before = snapshot(flow)
    pk, summary = flow.pk, str(flow)
    flow.delete()
    audit_write(
        actor=by,
        action=AuditEntry.Action.DELETE,
        operation=operation,
        entity_type=FundingFlow._meta.label_lower,
        entity_id=str(pk),
        summary=summary,
        before=before,
    )
