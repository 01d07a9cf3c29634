"""Exports of the 5W analysis products (pivot table, gap list) as XLSX or CSV with an HXL tag row.

Reading is not a change, but data leaving the server is: every export writes an audit entry."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from tutela.activities.models.fields import BY_NAME
from tutela.activities.selectors import GapResult, PivotResult
from tutela.activities.services.exports import table_export
from tutela.core.models import AuditEntry, Operation, User
from tutela.core.services.audit import audit_write

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}

# Per dimension: the columns an export gives (code and/or label) and their HXL tags.
DIMENSION_COLUMNS: dict[str, list[tuple[str, str]]] = {
    "organisation": [("code", "#org+reporting+acronym")],
    "organisation_type": [("code", "#org+type+code"), ("label", "#org+type+name")],
    "body": [("code", "#sector+code"), ("label", "#sector+name")],
    "activity": [("code", "#activity+code"), ("label", "#activity+name")],
    "indicator": [("code", "#indicator+code"), ("label", "#indicator+name")],
    "admin1": [("code", "#adm1+code"), ("label", "#adm1+name")],
    "admin2": [("code", "#adm2+code"), ("label", "#adm2+name")],
    "admin3": [("code", "#adm3+code"), ("label", "#adm3+name")],
    "month": [("code", "#date+reported")],
    "population_group": [("code", "#group+population+code"), ("label", "#group+population+name")],
}


def _filename(operation: Operation, what: str, format: str) -> str:
    return f"{operation.slug}-{what}-{timezone.localdate():%Y%m%d}.{format}"


def pivot_table_rows(
    result: PivotResult, *, with_totals: bool = True
) -> tuple[list[str], list[str], list[list[Any]]]:
    """Headers, HXL tags and rows (and a totals row) of a pivot, suppressed cells as "<N"."""
    headers: list[str] = []
    tags: list[str] = []
    for dim, label in zip(result.dims, result.dim_labels, strict=True):
        columns = DIMENSION_COLUMNS[dim]
        for part, tag in columns:
            if part == "code" and len(columns) > 1:
                headers.append(_("%(dimension)s (code)") % {"dimension": label})
            else:
                headers.append(label)
            tags.append(tag)
    for column in result.columns:
        headers.append(column.label)
        tags.append(BY_NAME[column.key].hxl)
    hidden = f"<{result.threshold}"
    rows: list[list[Any]] = []
    for row in result.rows:
        line: list[Any] = []
        for dim, code, label in zip(result.dims, row.codes, row.labels, strict=True):
            for part, _tag in DIMENSION_COLUMNS[dim]:
                line.append(code if part == "code" else label)
        line += [hidden if row.values[c.key] is None else row.values[c.key] for c in result.columns]
        rows.append(line)
    n_dim_columns = len(headers) - len(result.columns)
    total_label = _("Over the period (counting rule)") if result.totals_over_period else _("Total")
    totals: list[Any] = [total_label] + [""] * (n_dim_columns - 1) if n_dim_columns else []
    totals += [
        hidden if result.totals[c.key] is None else result.totals[c.key] for c in result.columns
    ]
    if not n_dim_columns:
        rows = [totals]
    elif with_totals:
        rows.append(totals)
    return headers, tags, rows


def pivot_export(
    *,
    by: User,
    operation: Operation,
    result: PivotResult,
    format: str,
    request: HttpRequest | None = None,
) -> tuple[bytes, str, str]:
    """The pivot as a file: (content, file name, content type). Audited.

    The XLSX (for people) ends with a totals row; the CSV (for machines reading its HXL tags)
    has none, so that adding up a column does not count everything twice."""
    headers, tags, rows = pivot_table_rows(result, with_totals=format == "xlsx")
    content = table_export(
        headers=headers, hxl_tags=tags, rows=rows, format=format, sheet_title="5W"
    )
    audit_write(
        actor=by,
        action=AuditEntry.Action.EXPORT,
        operation=operation,
        entity_type="activities.activityreport",
        summary=f"5W pivot exported ({format}): rows by {', '.join(result.dims) or 'total'}",
        request=request,
    )
    return content, _filename(operation, "5w-pivot", format), CONTENT_TYPES[format]


def gaps_export(
    *,
    by: User,
    operation: Operation,
    result: GapResult,
    format: str,
    request: HttpRequest | None = None,
) -> tuple[bytes, str, str]:
    level = result.level
    headers = [
        _("P-code"),
        operation.level_label(level),
        _("Severity"),
        _("People in need"),
        _("Targeted"),
        _("People reached"),
        _("Reached ÷ people in need (%)"),
        _("Partners"),
        _("Reasons"),
    ]
    tags = [
        f"#adm{level}+code",
        f"#adm{level}+name",
        "#severity",
        "#inneed",
        "#targeted",
        "#reached",
        "#reached+pct+inneed",
        "#org+num",
        "#description+reason",
    ]
    hidden = f"<{result.coverage.threshold}"
    rows = [
        [
            gap.area.pcode,
            gap.area.name,
            gap.area.severity,
            gap.area.people_in_need,
            gap.area.targeted,
            hidden if gap.area.reached is None else gap.area.reached,
            gap.area.pct_pin,
            gap.area.partners,
            " ".join(gap.reasons),
        ]
        for gap in result.gaps
    ]
    content = table_export(
        headers=headers, hxl_tags=tags, rows=rows, format=format, sheet_title="Gaps"
    )
    audit_write(
        actor=by,
        action=AuditEntry.Action.EXPORT,
        operation=operation,
        entity_type="activities.planningfigure",
        summary=f"5W gap list exported ({format}): admin level {level}",
        request=request,
    )
    return content, _filename(operation, "5w-gaps", format), CONTENT_TYPES[format]
