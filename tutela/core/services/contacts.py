"""The operation's contact directory.

Managers (coordinator, IMO) keep every organisation's contacts; partner and AoR/regional focal
points keep their own organisation's contacts only. E-mail and phone are encrypted at rest (model
fields); the audit log records that they changed, never their value.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tutela.core import access
from tutela.core.models import AuditEntry, Body, Contact, Operation, Organisation, User
from tutela.core.selectors import contact_list
from tutela.core.services.audit import audit_create, audit_update, audit_write, snapshot
from tutela.core.services.contacts_xlsx import contacts_workbook

CONTACT_FIELDS = frozenset(
    {"organisation", "name", "title", "email", "phone", "bodies", "is_active"}
)


def _require_write(user: User, operation: Operation, organisation: Organisation) -> None:
    if not access.can_write_contacts(user, operation, organisation):
        raise PermissionDenied


def _clean_values(contact: Contact) -> None:
    contact.name = contact.name.strip()
    contact.title = contact.title.strip()
    contact.email = contact.email.strip().lower()
    contact.phone = " ".join(contact.phone.split())
    if contact.email:
        try:
            validate_email(contact.email)
        except ValidationError:
            raise ValidationError({"email": _("Enter a valid e-mail address.")}) from None


def _check_links(operation: Operation, organisation: Organisation, bodies: list[Body]) -> None:
    errors: dict[str, str] = {}
    if not operation.organisations.filter(pk=organisation.pk).exists():
        errors["organisation"] = _("%(organisation)s does not take part in this operation.") % {
            "organisation": organisation.acronym
        }
    foreign = [body.name for body in bodies if body.operation_id != operation.pk]
    if foreign:
        errors["bodies"] = _("Not a body of this operation: %(bodies)s.") % {
            "bodies": ", ".join(foreign)
        }
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def contact_create(
    *,
    by: User,
    operation: Operation,
    organisation: Organisation,
    name: str,
    title: str = "",
    email: str = "",
    phone: str = "",
    bodies: Iterable[Body] = (),
) -> Contact:
    _require_write(by, operation, organisation)
    body_list = list(bodies)
    contact = Contact(
        operation=operation,
        organisation=organisation,
        name=name or "",
        title=title or "",
        email=email or "",
        phone=phone or "",
    )
    _clean_values(contact)
    _check_links(operation, organisation, body_list)
    contact.full_clean()
    contact.save()
    contact.bodies.set(body_list)
    audit_create(actor=by, instance=contact, operation=operation)
    return contact


@transaction.atomic
def contact_update(*, by: User, contact: Contact, **fields: Any) -> Contact:
    """Change a contact; `bodies` is replaced when given. A partner can neither edit another
    organisation's contact nor move one of theirs to another organisation."""
    operation = contact.operation
    unknown = set(fields) - CONTACT_FIELDS
    if unknown:
        raise TypeError(f"contact_update() got unknown field(s): {sorted(unknown)}")
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    _require_write(by, operation, contact.organisation)
    before = snapshot(contact)
    bodies = fields.pop("bodies", None)
    for field, value in fields.items():
        if field in {"name", "title", "email", "phone"}:
            value = value or ""
        setattr(contact, field, value)
    if "organisation" in fields:
        _require_write(by, operation, contact.organisation)
    _clean_values(contact)
    body_list = list(bodies) if bodies is not None else []
    _check_links(operation, contact.organisation, body_list)
    contact.full_clean()
    contact.save()
    if bodies is not None:
        contact.bodies.set(body_list)
    audit_update(actor=by, instance=contact, operation=operation, before=before)
    return contact


@transaction.atomic
def contact_deactivate(*, by: User, contact: Contact) -> Contact:
    """Take a contact out of the directory (the person left); the row is kept for history."""
    return contact_update(by=by, contact=contact, is_active=False)


def contacts_export(
    *,
    by: User,
    operation: Operation,
    filters: Mapping[str, Any] | None = None,
    today: datetime.date | None = None,
) -> tuple[bytes, str, int]:
    """The filtered contact list as an Excel workbook: (content, file name, number of rows).

    Exporting personal data is recorded in the audit log, with the filters used."""
    if not access.can_see_contacts(by, operation):
        raise PermissionDenied
    filters = dict(filters or {})
    contacts = list(contact_list(operation, filters))
    today = today or timezone.localdate()
    content = contacts_workbook(contacts, operation=operation)
    filename = f"{operation.slug}-contacts-{today.isoformat()}.xlsx"
    audit_write(
        actor=by,
        action=AuditEntry.Action.EXPORT,
        operation=operation,
        entity_type=Contact._meta.label_lower,
        summary=f"Exported {len(contacts)} contacts to {filename}",
        after={
            "count": len(contacts),
            "filters": {k: _filter_value(v) for k, v in filters.items() if v not in (None, "")},
        },
    )
    return content, filename, len(contacts)


def _filter_value(value: Any) -> Any:
    if isinstance(value, Organisation | Body):
        return value.pk
    if isinstance(value, bool | int | str):
        return value
    return str(value)
