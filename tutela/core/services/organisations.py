"""Organisations of an operation: the cluster's partners (UN agencies, NGOs, government...).

An organisation is shared between operations (UNHCR works in Mali and in Colombia); each operation
lists the organisations that take part in it through `Organisation.operations`.

Rules for shared organisations:
- A manager adds (links) an organisation already registered only if it takes part in an operation
  where the manager holds a role, or in none yet (server administrators: any). Others are
  answered exactly as an acronym nobody registered, so the link form does not list the
  organisations of operations the manager does not take part in.
- An organisation's name, acronym, type, country and website are the same in every operation it
  takes part in, so only someone who manages every one of those operations (or a server
  administrator) changes them: the manager of one operation cannot rename it for the others.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from tutela.core import access, extensions
from tutela.core.models import AdminArea, AuditEntry, Operation, Organisation, User
from tutela.core.services.audit import audit_create, audit_update, audit_write, snapshot

ORGANISATION_FIELDS = frozenset({"name", "acronym", "type", "country", "website"})


def organisations_known_to(user: User) -> QuerySet[Organisation]:
    """Organisations the user may know exist: those taking part in an operation where the user
    holds a role (or above one), and those registered in no operation yet. Every organisation
    for a server administrator."""
    if user.is_superuser:
        return Organisation.objects.all()
    return Organisation.objects.filter(
        Q(operations__in=access.operations_for_user(user)) | Q(operations__isnull=True)
    ).distinct()


def _check_acronym(acronym: str, *, by: User, exclude_pk: int | None = None) -> None:
    """Acronyms identify organisations in every import: "drc" and "DRC" must not both exist.
    The organisation holding the acronym is named only to a user who may know it exists."""
    clash = Organisation.objects.filter(acronym__iexact=acronym)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    existing = clash.first()
    if existing is None:
        return
    if organisations_known_to(by).filter(pk=existing.pk).exists():
        message = _(
            "An organisation with the acronym “%(acronym)s” is already registered "
            "(%(name)s). Acronyms must be unique, whatever their case."
        ) % {"acronym": existing.acronym, "name": existing.name}
    else:
        message = _(
            "The acronym “%(acronym)s” is already used on this server, by an organisation of an "
            "operation you do not take part in. Acronyms must be unique, whatever their case: "
            "choose another one, or ask a server administrator to add that organisation to this "
            "operation."
        ) % {"acronym": acronym}
    raise ValidationError({"acronym": message})


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
        _check_acronym(acronym, by=by)
    organisation.full_clean()
    organisation.save()
    organisation.operations.add(operation)
    audit_create(actor=by, instance=organisation, operation=operation)
    return organisation


@transaction.atomic
def organisation_link(*, by: User, operation: Operation, acronym: str) -> Organisation:
    """Add an organisation already registered on this server (working in another operation the
    manager takes part in) to this operation, found by its acronym (any case). An organisation
    the manager may not know exists is answered as an unknown acronym."""
    access.require_manager(by, operation)
    acronym = (acronym or "").strip()
    organisation = (
        organisations_known_to(by).filter(acronym__iexact=acronym).first() if acronym else None
    )
    if organisation is None:
        raise ValidationError(
            {
                "acronym": _(
                    "No organisation with the acronym “%(acronym)s” is registered in the "
                    "operations you take part in: add it as a new organisation (a server "
                    "administrator adds one that works only in other operations)."
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

    The organisation must take part in the operation whose manager edits it, and the manager must
    manage every other operation it takes part in (its details are the same in all of them)."""
    access.require_manager(by, operation)
    unknown = set(fields) - ORGANISATION_FIELDS
    if unknown:
        raise TypeError(f"organisation_update() got unknown field(s): {sorted(unknown)}")
    if not organisation_in_operation(operation, organisation):
        raise ValidationError(_("This organisation does not take part in the operation."))
    if not access.can_change_details(by, organisation):
        raise ValidationError(
            _(
                "This organisation also takes part in operations you do not manage, where its "
                "name and acronym are the same: ask a server administrator to change them."
            )
        )
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    before = snapshot(organisation)
    for field, value in fields.items():
        if isinstance(value, str):
            value = value.strip()
        setattr(organisation, field, value)
    if "acronym" in fields and organisation.acronym:
        _check_acronym(organisation.acronym, by=by, exclude_pk=organisation.pk)
    organisation.full_clean()
    organisation.save()
    audit_update(actor=by, instance=organisation, operation=operation, before=before)
    after = snapshot(organisation)
    changed = frozenset(name for name in after if after.get(name) != before.get(name))
    if changed:
        for step in extensions.organisation_changes:
            step(organisation=organisation, changed=changed)
    return organisation
