"""5W exports: rows and tables as XLSX or CSV, each with a header row and an HXL hashtag row.

The header row holds the field names of `tutela.activities.models.fields` (the same columns the
importer reads, so an export can be corrected and uploaded again) followed by a few name columns for
readers; the second row holds the HXL hashtags, so that HXL tools (libhxl, HDX) read the file.
Codes and P-codes are exported with their names side by side.

CSV is UTF-8 with a byte-order mark, which Excel needs to show accents. XLSX is written with
openpyxl's write-only mode, row by row, so that 100,000 rows take seconds and little memory.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from tutela.activities import selectors
from tutela.activities.models import Activity, ActivityReport, ReportingRound
from tutela.activities.models.fields import FIELDS
from tutela.activities.services.rows import REPORT_VALUE_FIELDS
from tutela.core import access
from tutela.core.models import AdminArea, AuditEntry, Body, Operation, Organisation, User
from tutela.core.models.roles import Role
from tutela.core.services.audit import audit_write
from tutela.core.spreadsheets import csv_row, xlsx_cell, xlsx_row
from tutela.core.spreadsheets import sheet_title as spreadsheet_title

FORMATS = ("xlsx", "csv")
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


@dataclass(frozen=True)
class Column:
    name: str
    hxl: str


# Name columns added after the 5W fields, for people reading the export.
EXTRA_COLUMNS: tuple[Column, ...] = (
    Column("organisation_name", "#org+reporting+name"),
    Column("organisation_type", "#org+reporting+type"),
    Column("body", "#subsector+code"),
    Column("activity_name", "#activity+name"),
    Column("indicator_name", "#indicator+name"),
    Column("population_group_name", "#group+population+name"),
    Column("review_status", "#status+review"),
)
# Where the export's tag differs from the field's import tag: the importer still recognises the
# "#population+type" that real 5W files carry, but HXL defines #population as a number, so the
# export labels a population group with #group (tutela.core.hxl).
EXPORT_TAGS = {"population_group": "#group+population+code"}
ROW_COLUMNS: tuple[Column, ...] = (
    tuple(Column(f.name, EXPORT_TAGS.get(f.name, f.hxl)) for f in FIELDS) + EXTRA_COLUMNS
)
# Columns that name a partner: blanked in insecure areas (counts only).
PARTNER_COLUMNS = ("organisation", "organisation_name", "implementing_partner")

# Field name -> queryset lookup, for the fast path over a queryset (no model instances).
_LOOKUPS: dict[str, str] = {
    "month": "month",
    "organisation": "organisation__acronym",
    "implementing_partner": "implementing_partner__acronym",
    "activity": "activity__code",
    "indicator": "indicator__code",
    "admin1_pcode": "admin1__pcode",
    "admin1_name": "admin1__name",
    "admin2_pcode": "admin2__pcode",
    "admin2_name": "admin2__name",
    "admin3_pcode": "admin3__pcode",
    "admin3_name": "admin3__name",
    "site": "site",
    "site_code": "site_code",
    "latitude": "latitude",
    "longitude": "longitude",
    "population_group": "population_group__code",
    "status": "status",
    "modality": "modality",
    "start_date": "start_date",
    "end_date": "end_date",
    "girls": "girls",
    "boys": "boys",
    "women": "women",
    "men": "men",
    "older_women": "older_women",
    "older_men": "older_men",
    "total": "total",
    "with_disability": "with_disability",
    "quantity": "quantity",
    "project_code": "project_code",
    "organisation_name": "organisation__name",
    "organisation_type": "organisation__type",
    "body": "body__code",
    "review_status": "submission__status",
}
_LOCALISED = {
    "activity_name": "activity",
    "indicator_name": "indicator",
    "population_group_name": "population_group",
}
_AREA_IDS = ("area_id", "admin1_id", "admin2_id", "admin3_id")


def _localised_lookups() -> list[str]:
    return [f"{rel}__name_{lang}" for rel in _LOCALISED.values() for lang in ("en", "fr", "es")]


def _pick_name(values: Mapping[str, Any], relation: str, language: str) -> str:
    for lang in (language, "en"):
        name = values.get(f"{relation}__name_{lang}")
        if name:
            return str(name)
    return ""


def _from_values(values: Mapping[str, Any], language: str) -> dict[str, Any]:
    row = {name: values.get(lookup) for name, lookup in _LOOKUPS.items()}
    for name, relation in _LOCALISED.items():
        row[name] = _pick_name(values, relation, language)
    for key in (*_AREA_IDS, "organisation_id"):
        row[key] = values.get(key)
    return row


def _from_report(report: ActivityReport, language: str) -> dict[str, Any]:
    """A row from a model instance (select_related its relations to avoid one query a row)."""

    def code(obj: Any, attr: str = "code") -> Any:
        return getattr(obj, attr) if obj is not None else None

    values: dict[str, Any] = {
        "month": report.month,
        "organisation__acronym": report.organisation.acronym,
        "implementing_partner__acronym": code(report.implementing_partner, "acronym"),
        "activity__code": report.activity.code,
        "indicator__code": code(report.indicator),
        "population_group__code": report.population_group.code,
        "organisation__name": report.organisation.name,
        "organisation__type": report.organisation.type,
        "body__code": report.body.code,
        "submission__status": report.submission.status,
        "organisation_id": report.organisation_id,
    }
    for level in (1, 2, 3):
        area = getattr(report, f"admin{level}")
        values[f"admin{level}__pcode"] = code(area, "pcode")
        values[f"admin{level}__name"] = code(area, "name")
    for key in _AREA_IDS:
        values[key] = getattr(report, key)
    for name in ("site", "site_code", "latitude", "longitude", *REPORT_VALUE_FIELDS):
        values[name] = getattr(report, name)
    for relation in _LOCALISED.values():
        obj = getattr(report, relation)
        for lang in ("en", "fr", "es"):
            values[f"{relation}__name_{lang}"] = getattr(obj, f"name_{lang}", "") if obj else ""
    return _from_values(values, language)


def _rows(
    rows: Iterable[ActivityReport] | Iterable[Mapping[str, Any]] | QuerySet[ActivityReport],
    language: str,
) -> Iterator[Mapping[str, Any]]:
    if isinstance(rows, QuerySet):
        lookups = [*_LOOKUPS.values(), *_localised_lookups(), *_AREA_IDS, "organisation_id"]
        for values in rows.values(*lookups).iterator(chunk_size=5000):
            yield _from_values(values, language)
        return
    for item in rows:
        if isinstance(item, ActivityReport):
            yield _from_report(item, language)
        else:
            yield item


def _cell(value: Any) -> Any:
    """Dates as ISO dates; None stays None (an empty cell, written as nothing in CSV)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _month(value: Any) -> Any:
    if isinstance(value, datetime.date):
        return f"{value:%Y-%m}"
    return _cell(value)


def rows_export(
    *,
    rows: Iterable[ActivityReport] | Iterable[Mapping[str, Any]] | QuerySet[ActivityReport],
    format: str,
    language: str,
    hide_partner_names_in: set[int] | None = None,
    own_organisation_id: int | None = None,
) -> bytes:
    """5W rows as an XLSX or CSV file (bytes): header row, HXL row, then one line per row.

    `rows`: a queryset of ActivityReport (read without building model instances), model instances,
    or dicts keyed by column name. Partner names (acronyms and names) are replaced by "(hidden)" in
    rows whose area is in `hide_partner_names_in` (area ids, descendants included by the caller),
    except the rows of `own_organisation_id`."""
    with override(language):
        hidden_text = _("(hidden)")
        hidden = hide_partner_names_in or set()

        def lines() -> Iterator[list[Any]]:
            for row in _rows(rows, language):
                hide = (
                    bool(hidden)
                    and any(row.get(key) in hidden for key in _AREA_IDS)
                    and (
                        own_organisation_id is None
                        or row.get("organisation_id") != own_organisation_id
                    )
                )
                line = []
                for column in ROW_COLUMNS:
                    if hide and column.name in PARTNER_COLUMNS and row.get(column.name):
                        line.append(hidden_text)
                    elif column.name == "month":
                        line.append(_month(row.get("month")))
                    else:
                        line.append(_cell(row.get(column.name)))
                yield line

        return _write(
            headers=[c.name for c in ROW_COLUMNS],
            hxl_tags=[c.hxl for c in ROW_COLUMNS],
            rows=lines(),
            format=format,
            sheet_title="5W",
        )


def table_export(
    *,
    headers: Sequence[str],
    hxl_tags: Sequence[str] | None,
    rows: Iterable[Sequence[Any]],
    format: str,
    sheet_title: str = "Table",
) -> bytes:
    """Any table (a pivot, a gap list) as XLSX or CSV: headers, the HXL row when given, rows.

    Dates are written as ISO dates; None as an empty cell."""
    if hxl_tags is not None and len(hxl_tags) != len(headers):
        raise ValueError("hxl_tags must have one tag per header")
    return _write(
        headers=[str(h) for h in headers],
        hxl_tags=list(hxl_tags) if hxl_tags else None,
        rows=([_cell(v) for v in row] for row in rows),
        format=format,
        sheet_title=sheet_title,
    )


def _write(
    *,
    headers: list[str],
    hxl_tags: list[str] | None,
    rows: Iterable[list[Any]],
    format: str,
    sheet_title: str,
) -> bytes:
    if format == "csv":
        return _write_csv(headers, hxl_tags, rows)
    if format == "xlsx":
        return _write_xlsx(headers, hxl_tags, rows, sheet_title)
    raise ValueError(f"Unknown export format: {format!r}")


def _write_csv(headers: list[str], hxl_tags: list[str] | None, rows: Iterable[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(csv_row(headers))
    if hxl_tags:
        writer.writerow(csv_row(hxl_tags))
    for row in rows:
        writer.writerow(csv_row(row))
    return buffer.getvalue().encode("utf-8-sig")


def _write_xlsx(
    headers: list[str], hxl_tags: list[str] | None, rows: Iterable[list[Any]], sheet_title: str
) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(spreadsheet_title(sheet_title))
    for index, header in enumerate(headers, start=1):
        width = max(len(header), len(hxl_tags[index - 1]) if hxl_tags else 0, 8) + 2
        sheet.column_dimensions[get_column_letter(index)].width = min(width, 40)
    sheet.freeze_panes = "A3" if hxl_tags else "A2"

    def styled(values: list[str], font: Font, fill: PatternFill | None = None) -> list[Any]:
        cells = []
        for value in values:
            cell = xlsx_cell(sheet, value)
            cell.font = font
            if fill is not None:
                cell.fill = fill
            cells.append(cell)
        return cells

    sheet.append(styled(headers, Font(bold=True)))
    if hxl_tags:
        sheet.append(
            styled(
                hxl_tags,
                Font(italic=True, color="1F4E79"),
                PatternFill("solid", fgColor="DDEBF7"),
            )
        )
    for row in rows:
        sheet.append(xlsx_row(sheet, row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- For users: what they may download ------------------------------------------------------------


def template_organisation_for(user: User, operation: Operation, acronym: str = "") -> Organisation:
    """The organisation whose 5W template the user may download.

    Managers (coordinator, IMO) may ask for any organisation of the operation (404 for one that
    is not in it); everyone else who reports (any role but viewer) gets their own organisation's,
    and 403 when asking for another one. Viewers get 403."""
    roles = access.roles_in(user, operation)
    if not roles:
        raise Http404
    acronym = (acronym or "").strip()
    in_operation = Organisation.objects.filter(operations=operation)
    if access.is_manager(user, operation) and acronym:
        found = in_operation.filter(acronym__iexact=acronym).first()
        if found is None:
            raise Http404
        return found
    own = in_operation.filter(pk=user.organisation_id).first() if user.organisation_id else None
    if acronym and (own is None or own.acronym.lower() != acronym.lower()):
        raise PermissionDenied
    if own is not None and (roles - {Role.VIEWER} or user.is_superuser):
        return own
    if access.is_manager(user, operation):
        # A manager whose own organisation is not part of the operation chooses one.
        raise Http404
    raise PermissionDenied


def round_for_month(operation: Operation, month: str) -> ReportingRound | None:
    """The reporting round of a YYYY-MM month (None for an empty month; 404 for an unknown one)."""
    if not month:
        return None
    parsed = parse_month(month)
    found = ReportingRound.objects.filter(operation=operation, month=parsed).first()
    if found is None:
        raise Http404
    return found


def parse_month(value: str) -> datetime.date:
    try:
        return datetime.datetime.strptime(value.strip(), "%Y-%m").date()  # noqa: DTZ007 - a date
    except ValueError:
        raise ValidationError(
            _("“%(value)s” is not a month written YYYY-MM."), params={"value": value}
        ) from None


def export_filters(operation: Operation, params: Mapping[str, str]) -> dict[str, Any]:
    """Query parameters (month, org, activity, body, admin1) -> selectors.Filters arguments.

    Unknown codes match nothing rather than everything."""
    filters: dict[str, Any] = {}
    month = (params.get("month") or "").strip()
    if month:
        filters["month_from"] = filters["month_to"] = parse_month(month)
    org = (params.get("org") or "").strip()
    if org:
        filters["organisation"] = Organisation.objects.filter(acronym__iexact=org).first() or (
            Organisation(pk=0)
        )
    code = (params.get("activity") or "").strip()
    if code:
        filters["activity"] = Activity.objects.filter(
            operation=operation, code__iexact=code
        ).first() or Activity(pk=0)
    body = (params.get("body") or "").strip()
    if body:
        filters["body"] = Body.objects.filter(operation=operation, code__iexact=body).first() or (
            Body(pk=0, operation=operation)
        )
    admin1 = (params.get("admin1") or "").strip()
    if admin1:
        filters["area"] = AdminArea.objects.filter(pcode__iexact=admin1, level=1).first() or (
            AdminArea(pk=0, level=1)
        )
    return filters


def rows_export_for_user(
    *,
    by: User,
    operation: Operation,
    format: str,
    params: Mapping[str, str] | None = None,
    language: str = "en",
    request: Any = None,
) -> tuple[bytes, str, int]:
    """The 5W rows the user may list, filtered, as a file: (content, file name, row count).

    Partners get their own organisation's rows and the validated rows of others (sensitive
    activities of others excluded: those are aggregated, never listed); cluster-wide roles all
    rows; viewers validated rows. Partner names are hidden in insecure areas. Audited as an
    export, with the filters used."""
    if format not in FORMATS:
        raise Http404
    filters_args = export_filters(operation, params or {})
    rows = selectors.apply_filters(
        selectors.listable_rows(by, operation),
        operation,
        selectors.Filters.of(filters_args),
        user=by,
    ).order_by("-month", "organisation__acronym", "activity__code", "area__pcode", "pk")
    hidden = selectors.hidden_name_area_ids(by, operation)
    count = 0

    def counted() -> Iterator[Mapping[str, Any]]:
        nonlocal count
        for row in _rows(rows, language):
            count += 1
            yield row

    content = rows_export(
        rows=counted(),
        format=format,
        language=language,
        hide_partner_names_in=hidden or None,
        own_organisation_id=getattr(by, "organisation_id", None),
    )
    filename = f"{operation.slug}-5w-{timezone.localdate().isoformat()}.{format}"
    audit_write(
        actor=by,
        action=AuditEntry.Action.EXPORT,
        operation=operation,
        entity_type=ActivityReport._meta.label_lower,
        summary=f"Exported {count} 5W rows to {filename}",
        after={
            "count": count,
            "format": format,
            "filters": {k: v for k, v in (params or {}).items() if k in _FILTER_KEYS and v},
        },
        request=request,
    )
    return content, filename, count


_FILTER_KEYS = ("month", "org", "activity", "body", "admin1")
