"""The saved column mappings of 5W files: an organisation's own and the operation's shared ones,
which make next month's upload of the same Kobo export or home-made sheet a single click."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from tutela.activities.access import can_enter_rows, mapping_change_check
from tutela.activities.models import ColumnMapping
from tutela.activities.models.fields import BY_NAME
from tutela.activities.services.import_reading import KIND
from tutela.core.imports.mappings import (
    mapping_row_delete,
    mapping_save_check,
    mapping_values_merge,
    mapping_write,
    usable_mappings,
)
from tutela.core.models import Operation, Organisation, User


def mappings_for(
    operation: Operation, organisation: Organisation | None, kind: str = KIND
) -> QuerySet[ColumnMapping]:
    """Mappings usable for an organisation's uploads: its own and the operation's shared ones."""
    return usable_mappings(ColumnMapping, operation, organisation, kind)


def _check_mapping(
    columns: Mapping[str, Any],
    values: Mapping[str, Any],
    targets: Iterable[str],
) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    known = set(targets)
    errors: list[str] = []
    if not isinstance(columns, Mapping):
        raise ValidationError({"columns": _("The columns must map headers to fields.")})
    if not isinstance(values, Mapping):
        raise ValidationError({"values": _("The values must map fields to value tables.")})
    clean_columns: dict[str, str] = {}
    for header, target in columns.items():
        target = "" if target is None else str(target)
        if target and target not in known:
            errors.append(
                _("“%(target)s” (for column “%(header)s”) is not a field.")
                % {"target": target, "header": header}
            )
        clean_columns[str(header)] = target
    used = set(clean_columns.values())
    clean_values: dict[str, dict[str, Any]] = {}
    for target, table in values.items():
        if target not in known:
            errors.append(_("“%(target)s” is not a field.") % {"target": target})
            continue
        if not isinstance(table, Mapping):
            errors.append(_("The values of %(target)s must be a table.") % {"target": target})
            continue
        clean_values[target] = {str(k): (None if v is None else str(v)) for k, v in table.items()}
    if not errors and not used - {""} and not clean_values:
        errors.append(_("The mapping maps no column."))
    if errors:
        raise ValidationError({"columns": errors})
    return clean_columns, clean_values


@transaction.atomic
def mapping_save(
    *,
    by: User | None,
    operation: Operation,
    organisation: Organisation | None,
    name: str,
    columns: Mapping[str, Any],
    values: Mapping[str, Any] | None = None,
    sheet: str = "",
    header_row: int = 1,
    kind: str = KIND,
    targets: Iterable[str] | None = None,
    request: Any = None,
) -> ColumnMapping:
    """Create or update (by name) an organisation's column mapping; `organisation=None` makes a
    mapping shared by the whole operation (managers only). Targets must be field names (or "" to
    ignore a column)."""
    mapping_save_check(
        by=by,
        operation=operation,
        organisation=organisation,
        may_save=can_enter_rows,
    )
    clean_columns, clean_values = _check_mapping(
        columns, values or {}, targets if targets is not None else BY_NAME
    )
    name = name.strip()
    existing = ColumnMapping.objects.filter(
        operation=operation, organisation=organisation, kind=kind, name=name
    ).first()
    return mapping_write(
        by=by,
        operation=operation,
        existing=existing,
        new=lambda: ColumnMapping(
            operation=operation, organisation=organisation, kind=kind, name=name
        ),
        fields={
            "columns": clean_columns,
            "values": clean_values,
            "sheet": sheet.strip(),
            "header_row": header_row,
        },
        request=request,
    )


@transaction.atomic
def mapping_delete(*, mapping: ColumnMapping, by: User, request: Any = None) -> None:
    """Delete a saved 5W mapping (audited); the uploads that used it keep their results."""
    mapping_change_check(by, mapping)
    mapping_row_delete(mapping=mapping, by=by, operation=mapping.operation, request=request)


@transaction.atomic
def mapping_values_import(
    *,
    mapping: ColumnMapping,
    by: User,
    data: bytes,
    choices: Mapping[str, set[str]],
    request: Any = None,
) -> int:
    """Lay the value tables of a CSV file (field, value, code) over the saved mapping's; every
    problem of the file at once and nothing changed while there is one. The number of values
    the file gives."""
    mapping_change_check(by, mapping)
    return mapping_values_merge(mapping=mapping, by=by, data=data, choices=choices, request=request)
