"""The coordination structure of an operation: bodies (national cluster, AoRs, regional working
groups, SAG...) and the organisations that are members of them."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tutela.core import access
from tutela.core.models import AdminArea, Body, Membership, Operation, Organisation, User
from tutela.core.services.audit import audit_create, audit_update, snapshot

BODY_FIELDS = frozenset({"name", "code", "kind", "parent", "lead", "co_lead", "scope"})
MEMBERSHIP_FIELDS = frozenset({"role", "is_nuclear", "since", "until"})


def operation_country_pcodes(operation: Operation) -> list[str]:
    return list(operation.countries.values_list("pcode", flat=True))


def _check_scope(operation: Operation, scope: Iterable[AdminArea]) -> list[AdminArea]:
    areas = list(scope)
    countries = set(operation_country_pcodes(operation))
    outside = [area for area in areas if area.country_pcode not in countries]
    if outside:
        raise ValidationError(
            {
                "scope": _("Outside the operation's countries: %(areas)s.")
                % {"areas": ", ".join(area.pcode for area in outside)}
            }
        )
    return areas


def _check_organisations(operation: Operation, **organisations: Organisation | None) -> None:
    ids = {org.pk for org in organisations.values() if org is not None}
    if not ids:
        return
    taking_part = set(operation.organisations.filter(pk__in=ids).values_list("pk", flat=True))
    errors = {
        field: _("%(organisation)s does not take part in this operation.")
        % {"organisation": org.acronym}
        for field, org in organisations.items()
        if org is not None and org.pk not in taking_part
    }
    if errors:
        raise ValidationError(errors)


def _check_name(body: Body) -> None:
    clash = Body.objects.filter(operation_id=body.operation_id, name__iexact=body.name)
    if body.pk is not None:
        clash = clash.exclude(pk=body.pk)
    if body.name and clash.exists():
        raise ValidationError(
            {"name": _("A coordination body with this name already exists in the operation.")}
        )


def _check_parent(body: Body) -> None:
    """A body cannot sit below itself or below one of its own sub-bodies."""
    if body.pk is None or body.parent_id is None:
        return
    ancestor: Body | None = body.parent
    seen: set[int] = set()
    while ancestor is not None and ancestor.pk not in seen:
        if ancestor.pk == body.pk:
            raise ValidationError(
                {"parent": _("A body cannot be placed under itself or one of its sub-bodies.")}
            )
        seen.add(ancestor.pk)
        ancestor = ancestor.parent


@transaction.atomic
def body_create(
    *,
    by: User,
    operation: Operation,
    name: str,
    kind: str,
    code: str = "",
    parent: Body | None = None,
    lead: Organisation | None = None,
    co_lead: Organisation | None = None,
    scope: Iterable[AdminArea] = (),
) -> Body:
    access.require_manager(by, operation)
    body = Body(
        operation=operation,
        name=(name or "").strip(),
        code=(code or "").strip(),
        kind=kind,
        parent=parent,
        lead=lead,
        co_lead=co_lead,
    )
    _check_organisations(operation, lead=lead, co_lead=co_lead)
    areas = _check_scope(operation, scope)
    _check_name(body)
    body.full_clean()
    body.save()
    body.scope.set(areas)
    audit_create(actor=by, instance=body, operation=operation)
    return body


@transaction.atomic
def body_update(*, by: User, body: Body, **fields: Any) -> Body:
    """Change a body; `scope` (admin areas) is replaced when given."""
    operation = body.operation
    access.require_manager(by, operation)
    unknown = set(fields) - BODY_FIELDS
    if unknown:
        raise TypeError(f"body_update() got unknown field(s): {sorted(unknown)}")
    body = Body.objects.select_for_update().get(pk=body.pk)
    before = snapshot(body)
    scope = fields.pop("scope", None)
    for field, value in fields.items():
        if isinstance(value, str):
            value = value.strip()
        setattr(body, field, value)
    _check_organisations(
        operation,
        **{f: fields[f] for f in ("lead", "co_lead") if f in fields},
    )
    areas = _check_scope(operation, scope) if scope is not None else None
    _check_name(body)
    _check_parent(body)
    body.full_clean()
    body.save()
    if areas is not None:
        body.scope.set(areas)
    audit_update(actor=by, instance=body, operation=operation, before=before)
    return body


@transaction.atomic
def membership_add(
    *,
    by: User,
    body: Body,
    organisation: Organisation,
    role: str = Membership.Role.MEMBER,
    is_nuclear: bool = False,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> Membership:
    operation = body.operation
    access.require_manager(by, operation)
    _check_organisations(operation, organisation=organisation)
    existing = Membership.objects.filter(body=body, organisation=organisation).first()
    if existing is not None:
        if existing.until is not None:
            message = _(
                "%(organisation)s was a member until %(until)s: edit that membership to renew it."
            ) % {"organisation": organisation.acronym, "until": existing.until.isoformat()}
        else:
            message = _("%(organisation)s is already a member of this body.") % {
                "organisation": organisation.acronym
            }
        raise ValidationError({"organisation": message})
    membership = Membership(
        body=body,
        organisation=organisation,
        role=role,
        is_nuclear=is_nuclear,
        since=since,
        until=until,
    )
    membership.full_clean()
    membership.save()
    audit_create(actor=by, instance=membership, operation=operation)
    return membership


@transaction.atomic
def membership_update(*, by: User, membership: Membership, **fields: Any) -> Membership:
    operation = membership.body.operation
    access.require_manager(by, operation)
    unknown = set(fields) - MEMBERSHIP_FIELDS
    if unknown:
        raise TypeError(f"membership_update() got unknown field(s): {sorted(unknown)}")
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    before = snapshot(membership)
    for field, value in fields.items():
        setattr(membership, field, value)
    membership.full_clean()
    membership.save()
    audit_update(actor=by, instance=membership, operation=operation, before=before)
    return membership


@transaction.atomic
def membership_end(*, by: User, membership: Membership, until: datetime.date) -> Membership:
    """Record that an organisation left a body on `until` (the row is kept, for history)."""
    if until is None:
        raise ValidationError({"until": _("Give the date the membership ended.")})
    return membership_update(by=by, membership=membership, until=until)
