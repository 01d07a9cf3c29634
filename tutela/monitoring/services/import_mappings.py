"""Saved column and value mappings of monitoring-network files (MonitoringMapping), by name."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from tutela.core.imports.mappings import (
    mapping_row_delete,
    mapping_save_check,
    mapping_values_merge,
    mapping_write,
    usable_mappings,
)
from tutela.core.imports.problems import display_value
from tutela.core.models import Operation, Organisation, User
from tutela.core.services.audit import audit_update, snapshot
from tutela.monitoring import access as monitoring_access
from tutela.monitoring.imports.fields import FieldSet
from tutela.monitoring.imports.vocabulary import TYPOLOGY_KEY, fieldset_for
from tutela.monitoring.models import (
    MonitoringMapping,
)

# --- saved mappings ------------------------------------------------------------------------------


def mappings_for(
    operation: Operation, organisation: Organisation | None, kind: str
) -> QuerySet[MonitoringMapping]:
    """Mappings usable for an organisation's uploads: its own and the operation's shared ones."""
    return usable_mappings(MonitoringMapping, operation, organisation, kind)


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
    by: User,
    operation: Operation,
    organisation: Organisation | None,
    kind: str,
    name: str,
    columns: Mapping[str, Any],
    values: Mapping[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> MonitoringMapping:
    """Create or update (by name) a column and value mapping; `organisation=None` shares it with
    the whole operation (managers only). Members save their own organisation's."""
    manager = mapping_save_check(
        by=by,
        operation=operation,
        organisation=organisation,
        may_save=monitoring_access.can_save_mapping,
    )
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
    return mapping_write(
        by=by,
        operation=operation,
        existing=existing,
        new=lambda: MonitoringMapping(operation=operation, kind=kind, name=name),
        fields={"organisation": organisation, "columns": clean_columns, "values": clean_values},
        request=request,
    )


# --- changing a saved mapping (the saved mappings page) ------------------------------------------


def _require_change(by: User, mapping: MonitoringMapping) -> None:
    if not monitoring_access.can_change_mapping(by, mapping):
        raise PermissionDenied(
            _(
                "Only the organisation that owns this mapping and the operation's coordinators "
                "and information management officers may change it."
            )
        )


@transaction.atomic
def mapping_rename(
    *, mapping: MonitoringMapping, by: User, name: str, request: HttpRequest | None = None
) -> MonitoringMapping:
    """Give a saved mapping another name, unique among the operation's mappings of its kind."""
    _require_change(by, mapping)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the mapping a name.")})
    if name == mapping.name:
        return mapping
    clash = MonitoringMapping.objects.filter(
        operation_id=mapping.operation_id, kind=mapping.kind, name=name
    ).exclude(pk=mapping.pk)
    if clash.exists():
        raise ValidationError(
            {
                "name": _("Another mapping of this kind is already called “%(name)s”.")
                % {"name": name}
            }
        )
    before = snapshot(mapping)
    mapping.name = name
    mapping.full_clean()
    mapping.save()
    audit_update(
        actor=by, instance=mapping, operation=mapping.operation, before=before, request=request
    )
    return mapping


@transaction.atomic
def mapping_share(
    *,
    mapping: MonitoringMapping,
    by: User,
    organisation: Organisation | None,
    request: HttpRequest | None = None,
) -> MonitoringMapping:
    """Share a saved mapping with every organisation of the operation (`organisation=None`), or
    make it one organisation's. Managers only."""
    if not monitoring_access.can_share_mapping(by, mapping):
        raise PermissionDenied(
            _(
                "Only the operation's coordinators and information management officers may "
                "share a mapping or change its organisation."
            )
        )
    operation = mapping.operation
    if organisation is not None and not operation.organisations.filter(pk=organisation.pk).exists():
        raise ValidationError({"organisation": _("This organisation is not in the operation.")})
    if mapping.organisation_id == (organisation.pk if organisation else None):
        return mapping
    before = snapshot(mapping)
    mapping.organisation = organisation
    mapping.full_clean()
    mapping.save()
    audit_update(actor=by, instance=mapping, operation=operation, before=before, request=request)
    return mapping


@transaction.atomic
def mapping_update(
    *,
    mapping: MonitoringMapping,
    by: User,
    name: str,
    organisation: Organisation | None,
    request: HttpRequest | None = None,
) -> MonitoringMapping:
    """The edit form of the saved mappings page: a new name and (managers) who uses the mapping;
    each change is checked and audited by mapping_rename and mapping_share, all or nothing."""
    mapping = mapping_rename(mapping=mapping, by=by, name=name, request=request)
    if mapping.organisation_id != (organisation.pk if organisation else None):
        mapping = mapping_share(mapping=mapping, by=by, organisation=organisation, request=request)
    return mapping


@transaction.atomic
def mapping_delete(
    *, mapping: MonitoringMapping, by: User, request: HttpRequest | None = None
) -> None:
    """Delete a saved mapping; the uploads that used it keep their results (their link is
    emptied)."""
    _require_change(by, mapping)
    mapping_row_delete(mapping=mapping, by=by, operation=mapping.operation, request=request)


@transaction.atomic
def mapping_values_import(
    *,
    mapping: MonitoringMapping,
    by: User,
    data: bytes,
    choices: dict[str, set[str]],
    request: HttpRequest | None = None,
) -> int:
    """Lay the value tables of a CSV file (field, value, code) over the saved mapping's; every
    problem of the file is reported at once and nothing changes while there is one. The number
    of values the file gives."""
    _require_change(by, mapping)
    return mapping_values_merge(mapping=mapping, by=by, data=data, choices=choices, request=request)
