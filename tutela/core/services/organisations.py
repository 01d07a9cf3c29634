"""Organisations of an operation: the cluster's partners (UN agencies, NGOs, government...).

An organisation is shared between operations (UNHCR works in Mali and in Colombia); each operation
lists the organisations that take part in it through `Organisation.operations`.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tutela.core import access
from tutela.core.models import AdminArea, AuditEntry, Operation, Organisation, User
from tutela.core.services.audit import audit_create, audit_update, audit_write, snapshot

ORGANISATION_FIELDS = frozenset({"name", "acronym", "type", "country", "website"})


def _check_acronym(acronym: str, *, exclude_pk: int | None = None) -> None:
    """Acronyms identify organisations in every import: "drc" and "DRC" must not both exist."""
    clash = Organisation.objects.filter(acronym__iexact=acronym)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    existing = clash.first()
    if existing is not None:
        raise ValidationError(
            {
                "acronym": _(
                    "An organisation with the acronym “%(acronym)s” is already registered "
                    "(%(name)s). Acronyms must be unique, whatever their case."
                )
                % {"acronym": existing.acronym, "name": existing.name}
            }
        )


def organisation_in_operation(operation: Operation, organisation: Organisation) -> bool:
    return organisation.operations.filter(pk=operation.pk).exists()


@transaction.atomic
def organisation_create(
    *,
    by: User,
    operation: Operation,
    name: str,
    acronym: str,
    type: str,
    country: AdminArea | None = None,
    website: str = "",
) -> Organisation:
    """Register a new organisation and add it to the operation."""
    access.require_manager(by, operation)
    acronym = (acronym or "").strip()
    organisation = Organisation(
        name=(name or "").strip(),
        acronym=acronym,
        type=type,
        country=country,
        website=(website or "").strip(),
    )
    if acronym:
        _check_acronym(acronym)
    organisation.full_clean()
    organisation.save()
    organisation.operations.add(operation)
    audit_create(actor=by, instance=organisation, operation=operation)
    return organisation


@transaction.atomic
def organisation_link(*, by: User, operation: Operation, acronym: str) -> Organisation:
    """Add an organisation already registered on this server (e.g. working in another operation)
    to this operation, found by its acronym (any case)."""
    access.require_manager(by, operation)
    acronym = (acronym or "").strip()
    organisation = Organisation.objects.filter(acronym__iexact=acronym).first() if acronym else None
    if organisation is None:
        raise ValidationError(
            {
                "acronym": _(
                    "No organisation with the acronym “%(acronym)s” is registered: add it as a "
                    "new organisation."
                )
                % {"acronym": acronym}
            }
        )
    if organisation_in_operation(operation, organisation):
        raise ValidationError(
            {
                "acronym": _("%(acronym)s already takes part in this operation.")
                % {"acronym": organisation.acronym}
            }
        )
    organisation.operations.add(operation)
    audit_write(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        instance=organisation,
        operation=operation,
        summary=f"{organisation.acronym} added to {operation.slug}",
        after={"operations": [operation.pk]},
    )
    return organisation


@transaction.atomic
def organisation_update(
    *, by: User, operation: Operation, organisation: Organisation, **fields: Any
) -> Organisation:
    """Change an organisation's name, acronym, type, country or website.

    The organisation must take part in the operation whose manager edits it."""
    access.require_manager(by, operation)
    unknown = set(fields) - ORGANISATION_FIELDS
    if unknown:
        raise TypeError(f"organisation_update() got unknown field(s): {sorted(unknown)}")
    if not organisation_in_operation(operation, organisation):
        raise ValidationError(_("This organisation does not take part in the operation."))
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    before = snapshot(organisation)
    for field, value in fields.items():
        if isinstance(value, str):
            value = value.strip()
        setattr(organisation, field, value)
    if "acronym" in fields and organisation.acronym:
        _check_acronym(organisation.acronym, exclude_pk=organisation.pk)
    organisation.full_clean()
    organisation.save()
    audit_update(actor=by, instance=organisation, operation=operation, before=before)
    return organisation
