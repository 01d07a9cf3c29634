"""Place aliases of an operation: saved, deleted, learned from accepted suggestions, exchanged as
CSV (name, level, pcode). Every write is audited; a CSV import is checked whole first, every
problem reported at once, and writes nothing when one is found."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tutela.core.exchange_csv import MAX_BYTES, csv_records, csv_write
from tutela.core.models import AdminArea, AuditEntry, Operation, PlaceAlias, User
from tutela.core.pcodes import name_key
from tutela.core.services.audit import audit_create, audit_update, audit_write, snapshot

CSV_COLUMNS = ["name", "level", "pcode"]
# Biggest alias CSV read.
MAX_CSV_BYTES = MAX_BYTES
_ANY_WORDS = {"", "0", "any", "toutes", "tous", "todos", "cualquiera", "*"}


def operation_areas(operation: Operation) -> Any:
    """The admin areas an alias of the operation may point to (its countries' areas)."""
    countries = operation.countries.values_list("country_pcode", flat=True)
    return AdminArea.objects.filter(country_pcode__in=list(countries), level__gte=1)


@transaction.atomic
def place_alias_save(
    *,
    operation: Operation,
    by: User | None,
    name: str,
    level: int,
    area: AdminArea,
    source: str = PlaceAlias.Source.ENTERED,
    alias: PlaceAlias | None = None,
    request: Any = None,
) -> PlaceAlias:
    """Create the alias, or change `alias` (or the one already saved for the same name and
    level: a name means one place at a level)."""
    name = " ".join(str(name).split())[:200]
    key = name_key(name)
    if not key:
        raise ValidationError({"name": _("Give the name as written in the files.")})
    if not operation_areas(operation).filter(pk=area.pk).exists():
        raise ValidationError({"area": _("This area is not in the operation's countries.")})
    if level != PlaceAlias.ANY_LEVEL and area.level != level:
        raise ValidationError(
            {
                "area": _("%(pcode)s is an admin %(level)s area, not admin %(expected)s.")
                % {"pcode": area.pcode, "level": area.level, "expected": level}
            }
        )
    clash = PlaceAlias.objects.filter(operation=operation, level=level, name_key=key)
    if alias is not None:
        clash = clash.exclude(pk=alias.pk)
        if clash.exists():
            raise ValidationError({"name": _("This name already has an alias at this level.")})
    else:
        alias = clash.first()
    if alias is None:
        alias = PlaceAlias(
            operation=operation,
            level=level,
            name=name,
            name_key=key,
            area=area,
            source=source,
            created_by=by if by is not None and by.is_authenticated else None,
        )
        alias.full_clean()
        alias.save()
        audit_create(actor=by, instance=alias, operation=operation, request=request)
        return alias
    before = snapshot(alias)
    alias.name, alias.name_key, alias.level, alias.area, alias.source = (
        name,
        key,
        level,
        area,
        source,
    )
    alias.full_clean()
    alias.save()
    audit_update(actor=by, instance=alias, operation=operation, before=before, request=request)
    return alias


@transaction.atomic
def place_alias_delete(*, alias: PlaceAlias, by: User | None, request: Any = None) -> None:
    audit_write(
        actor=by,
        action=AuditEntry.Action.DELETE,
        instance=alias,
        operation=alias.operation,
        before=snapshot(alias),
        request=request,
    )
    alias.delete()


@transaction.atomic
def place_aliases_accept(
    *,
    operation: Operation,
    by: User | None,
    chosen: Iterable[tuple[str, int, str]],
    request: Any = None,
) -> list[PlaceAlias]:
    """Remember accepted place suggestions: (name as written, level, P-code) each."""
    areas = {a.pcode.upper(): a for a in operation_areas(operation)}
    saved = []
    for name, level, pcode in chosen:
        area = areas.get(pcode.upper())
        if area is None:
            raise ValidationError(
                _("%(pcode)s is not a place of this operation.") % {"pcode": pcode}
            )
        saved.append(
            place_alias_save(
                operation=operation,
                by=by,
                name=name,
                level=level,
                area=area,
                source=PlaceAlias.Source.SUGGESTION,
                request=request,
            )
        )
    return saved


def place_aliases_csv(operation: Operation) -> str:
    """The operation's aliases as CSV (name, level, pcode); level empty for "any level"."""
    rows = PlaceAlias.objects.filter(operation=operation).values_list(
        "name", "level", "area__pcode"
    )
    return csv_write(CSV_COLUMNS, [(name, level or "", pcode) for name, level, pcode in rows])


@dataclass
class CsvResult:
    created: int = 0
    updated: int = 0


def _parse_level(value: str) -> int | None:
    word = value.strip().lower()
    if word in _ANY_WORDS:
        return PlaceAlias.ANY_LEVEL
    if word.isdigit() and 1 <= int(word) <= 5:
        return int(word)
    return None


# (level, name key) -> (the name as written, its area, the row it is on).
_Wanted = dict[tuple[int, str], tuple[str, AdminArea, int]]


def _row_problems(
    number: int, cells: dict[str, str], areas: dict[str, AdminArea], wanted: _Wanted
) -> list[str]:
    """The problems of one CSV row; a row without any is added to `wanted`."""
    name = cells["name"]
    level = _parse_level(cells["level"])
    area = areas.get(cells["pcode"].upper())
    problems: list[str] = []
    if not name_key(name):
        problems.append(_("Row %(row)s: the name is missing.") % {"row": number})
    if level is None:
        problems.append(
            _("Row %(row)s: “%(value)s” is not a level (1 to 5, or empty for any level).")
            % {"row": number, "value": cells["level"]}
        )
    if area is None:
        problems.append(
            _("Row %(row)s: “%(value)s” is not a P-code of this operation's countries.")
            % {"row": number, "value": cells["pcode"]}
        )
    elif level and area.level != level:
        problems.append(
            _("Row %(row)s: %(pcode)s is an admin %(level)s area, not admin %(expected)s.")
            % {"row": number, "pcode": area.pcode, "level": area.level, "expected": level}
        )
    if level is None or area is None or not name_key(name):
        return problems
    key = (level, name_key(name))
    if key in wanted and wanted[key][1] != area:
        problems.append(
            _("Row %(row)s: “%(value)s” is also on row %(other)s with another place.")
            % {"row": number, "value": name, "other": wanted[key][2]}
        )
    wanted[key] = (name, area, number)
    return problems


def place_aliases_import_csv(
    *, operation: Operation, by: User | None, data: bytes, request: Any = None
) -> CsvResult:
    """Add or change the aliases of a CSV file (name, level, pcode). Every problem of every row
    is reported at once (a ValidationError with one message per problem) and nothing is saved
    when there is one."""
    areas = {a.pcode.upper(): a for a in operation_areas(operation)}
    problems: list[str] = []
    wanted: _Wanted = {}
    for number, cells in csv_records(data, CSV_COLUMNS):
        problems += _row_problems(number, cells, areas, wanted)
    if problems:
        raise ValidationError(problems)
    result = CsvResult()
    with transaction.atomic():
        existing = {
            (a.level, a.name_key): a for a in PlaceAlias.objects.filter(operation=operation)
        }
        for (level, key), (name, area, _number) in wanted.items():
            alias = existing.get((level, key))
            if alias is not None and alias.area_id == area.pk and alias.name == name:
                continue
            place_alias_save(
                operation=operation,
                by=by,
                name=name,
                level=level,
                area=area,
                alias=alias,
                request=request,
            )
            if alias is None:
                result.created += 1
            else:
                result.updated += 1
    return result
