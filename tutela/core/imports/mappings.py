"""Saved column and value mappings of an importer (the 5W's ColumnMapping, protection
monitoring's MonitoringMapping): who may save one, and how a save is written and audited. Each
importer keeps its own checks of the columns and values (its fields are its own)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from tutela.core import access
from tutela.core.imports.value_tables import value_tables_merge, value_tables_parse
from tutela.core.models import AuditEntry, Operation, Organisation, User
from tutela.core.models.imports import SavedMappingBase
from tutela.core.services.audit import audit_create, audit_update, audit_write, snapshot

M = TypeVar("M", bound=models.Model)
S = TypeVar("S", bound=SavedMappingBase)


def usable_mappings(
    model: type[S], operation: Operation, organisation: Organisation | None, kind: str
) -> QuerySet[S]:
    """Mappings usable for an organisation's uploads: its own and the operation's shared ones."""
    usable = Q(organisation__isnull=True)
    if organisation is not None:
        usable |= Q(organisation=organisation)
    return model._default_manager.filter(usable, operation=operation, kind=kind).order_by("name")


def mapping_save_check(
    *,
    by: User | None,
    operation: Operation,
    organisation: Organisation | None,
    may_save: Callable[[Any, Operation], bool],
) -> bool:
    """PermissionDenied unless `by` may save a mapping for `organisation` (None: shared with the
    whole operation). `may_save(by, operation)` says who may save mappings at all; then managers
    save any organisation's and shared ones, others only their own organisation's. The command
    line (`by=None`) may save any. Returns whether `by` saves as a manager."""
    if by is None:
        return True
    if not may_save(by, operation):
        raise PermissionDenied
    manager = access.is_manager(by, operation)
    if not manager and (organisation is None or organisation.pk != by.organisation_id):
        raise PermissionDenied(_("You may only save mappings for your own organisation."))
    return manager


def mapping_write(
    *,
    by: User | None,
    operation: Operation,
    existing: M | None,
    new: Callable[[], M],
    fields: Mapping[str, Any],
    request: Any = None,
) -> M:
    """Set `fields` on the existing mapping (or on `new()`), validate, save and audit (a create
    or an update entry). Callers run it inside their own transaction, after their checks; the
    database constraints are left to the database (a clash of names is the caller's check)."""
    before = snapshot(existing) if existing is not None else None
    mapping = existing if existing is not None else new()
    for name, value in fields.items():
        setattr(mapping, name, value)
    mapping.full_clean(validate_constraints=False)
    mapping.save()
    if before is None:
        audit_create(actor=by, instance=mapping, operation=operation, request=request)
    else:
        audit_update(
            actor=by, instance=mapping, operation=operation, before=before, request=request
        )
    return mapping


def mapping_row_delete(
    *, mapping: models.Model, by: User, operation: Operation, request: Any
) -> None:
    """Delete a saved mapping, audited (the caller has checked `by` may). The uploads that used
    it keep their results (their link is emptied)."""
    audit_write(
        actor=by,
        action=AuditEntry.Action.DELETE,
        instance=mapping,
        operation=operation,
        before=snapshot(mapping),
        request=request,
    )
    mapping.delete()


def mapping_values_merge(
    *,
    mapping: models.Model,
    by: User,
    data: bytes,
    choices: Mapping[str, set[str]],
    request: Any,
) -> int:
    """Lay the value tables of a CSV file (field, value, code) over the saved mapping's `values`
    (core.imports.value_tables); every problem of the file at once (ValidationError) and nothing
    changed while there is one. The caller has checked `by` may, and runs it in its transaction.
    The number of values the file gives."""
    tables = value_tables_parse(data, choices=choices)
    before = snapshot(mapping)
    # Every importer's mapping model has a JSON `values` field.
    mapping.values = value_tables_merge(getattr(mapping, "values", None) or {}, tables)  # type: ignore[attr-defined]
    mapping.full_clean()
    mapping.save()
    # Every importer's mapping model belongs to an operation.
    operation = mapping.operation  # type: ignore[attr-defined]
    audit_update(actor=by, instance=mapping, operation=operation, before=before, request=request)
    return sum(len(t) for t in tables.values())
