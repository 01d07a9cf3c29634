"""Saved column and value mappings of monitoring-network files (MonitoringMapping), by name."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from tutela.core import access
from tutela.core.imports.problems import display_value
from tutela.core.models import Operation, Organisation
from tutela.core.services.audit import audit_create, audit_update, snapshot
from tutela.monitoring import access as monitoring_access
from tutela.monitoring.import_fields import FieldSet
from tutela.monitoring.import_rows import TYPOLOGY_KEY, fieldset_for
from tutela.monitoring.models import (
    MonitoringMapping,
)

# --- saved mappings ------------------------------------------------------------------------------


def mappings_for(
    operation: Operation, organisation: Organisation | None, kind: str
) -> QuerySet[MonitoringMapping]:
    """Mappings usable for an organisation's uploads: its own and the operation's shared ones."""
    usable = Q(organisation__isnull=True)
    if organisation is not None:
        usable |= Q(organisation=organisation)
    return MonitoringMapping.objects.filter(usable, operation=operation, kind=kind).order_by("name")


def mappings_for_user(
    user: Any, operation: Operation, kind: str | None = None
) -> QuerySet[MonitoringMapping]:
    mappings = MonitoringMapping.objects.filter(operation=operation).select_related("organisation")
    if kind:
        mappings = mappings.filter(kind=kind)
    if access.is_manager(user, operation):
        return mappings
    if monitoring_access.can_record(user, operation):
        return mappings.filter(
            Q(organisation__isnull=True) | Q(organisation_id=user.organisation_id)
        )
    return mappings.none()


def _clean_mapping(
    fieldset: FieldSet, columns: Any, values: Any
) -> tuple[dict[str, str], dict[str, Any]]:
    errors: list[str] = []
    if not isinstance(columns, Mapping):
        raise ValidationError({"columns": _("The columns must map headers to fields.")})
    if not isinstance(values, Mapping):
        raise ValidationError({"values": _("The values must map fields to value tables.")})
    clean_columns: dict[str, str] = {}
    for header, target in columns.items():
        target = "" if target is None else str(target)
        if target and target not in fieldset.by_name:
            errors.append(
                _("“%(target)s” (for column “%(header)s”) is not a field.")
                % {"target": display_value(target), "header": display_value(header)}
            )
        clean_columns[str(header)[:300]] = target
    clean_values: dict[str, Any] = {}
    for target, table in values.items():
        if target == TYPOLOGY_KEY:
            if table:
                clean_values[TYPOLOGY_KEY] = str(table)[:40]
            continue
        spec = fieldset.by_name.get(target)
        if spec is None:
            errors.append(_("“%(target)s” is not a field.") % {"target": display_value(target)})
            continue
        if not isinstance(table, Mapping):
            errors.append(_("The values of %(target)s must be a table.") % {"target": target})
            continue
        clean_values[target] = {
            str(k)[:300]: (None if v is None else str(v)[:100]) for k, v in table.items()
        }
    if not errors and not set(clean_columns.values()) - {""} and not clean_values:
        errors.append(_("The mapping maps no column."))
    if errors:
        raise ValidationError({"columns": errors})
    return clean_columns, clean_values


@transaction.atomic
def mapping_save(
    *,
    by: Any,
    operation: Operation,
    organisation: Organisation | None,
    kind: str,
    name: str,
    columns: Mapping[str, Any],
    values: Mapping[str, Any] | None = None,
    request: Any = None,
) -> MonitoringMapping:
    """Create or update (by name) a column and value mapping; `organisation=None` shares it with
    the whole operation (managers only). Members save their own organisation's."""
    manager = by is None or access.is_manager(by, operation)
    if by is not None and not (
        access.is_manager(by, operation) or monitoring_access.can_record(by, operation)
    ):
        raise PermissionDenied
    if not manager and (organisation is None or organisation.pk != by.organisation_id):
        raise PermissionDenied(_("You may only save mappings for your own organisation."))
    name = (name or "").strip()[:100]
    if not name:
        raise ValidationError({"name": _("Give the mapping a name.")})
    clean_columns, clean_values = _clean_mapping(
        fieldset_for(operation, kind), columns, values or {}
    )
    existing = MonitoringMapping.objects.filter(operation=operation, kind=kind, name=name).first()
    if (
        existing is not None
        and existing.organisation_id != (organisation.pk if organisation else None)
        and not manager
    ):
        raise ValidationError({"name": _("Another organisation's mapping has this name.")})
    before = snapshot(existing) if existing is not None else None
    mapping = existing or MonitoringMapping(operation=operation, kind=kind, name=name)
    mapping.organisation = organisation
    mapping.columns = clean_columns
    mapping.values = clean_values
    mapping.full_clean(validate_constraints=False)
    mapping.save()
    if before is None:
        audit_create(actor=by, instance=mapping, operation=operation, request=request)
    else:
        audit_update(
            actor=by, instance=mapping, operation=operation, before=before, request=request
        )
    return mapping
