"""Exports of case management, each with its own permission (tutela.cases.access.EXPORTS).

The team's caseload is a password-protected Excel workbook (ECMA-376 agile encryption with
msoffcrypto-tool: Excel and LibreOffice ask for the password). It holds the non-identifying
fields of every case; the identifying ones (names, date of birth, phone, ID numbers) only on
request, and for each case only where an active consent to case management allows it — or a
supervisor's recorded override — and never for a GBV case. Every export is in the audit log.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook

from tutela.cases import access
from tutela.cases.models import Case, Consent, ConsentOverride, Service
from tutela.cases.services.consent import has_consent
from tutela.core.models import AuditEntry, Operation, User
from tutela.core.services.audit import audit_create, audit_write
from tutela.core.spreadsheets import csv_row, xlsx_row

MIN_PASSWORD = 12
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def encrypt_workbook(workbook: Workbook, password: str) -> bytes:
    # heavy library, loaded only when an export is encrypted
    import msoffcrypto.format.ooxml

    plain = io.BytesIO()
    workbook.save(plain)
    plain.seek(0)
    encrypted = io.BytesIO()
    msoffcrypto.format.ooxml.OOXMLFile(plain).encrypt(password, encrypted)
    return encrypted.getvalue()


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise ValidationError(
            {"password": _("Choose a password of at least %(n)d characters.") % {"n": MIN_PASSWORD}}
        )


def _identity(case: Case) -> list[str]:
    principal = next((p for p in case.people.all() if p.is_principal), None)
    if principal is None:
        return ["", "", "", "", ""]
    return [
        principal.given_name,
        principal.family_name,
        principal.date_of_birth,
        principal.phone,
        principal.id_number,
    ]


@transaction.atomic
def caseload_export(
    *,
    operation: Operation,
    by: User,
    password: str,
    include_identifying: bool = False,
    override_reason: str = "",
) -> bytes:
    """The supervisor's team caseload as an encrypted workbook."""
    if not access.can_export(by, operation, "caseload"):
        raise PermissionDenied
    _check_password(password)
    cases = (
        access.cases_for_user(by, operation)
        .select_related("owner", "area", "displacement_status")
        .prefetch_related("people", "specific_needs", "concerns")
        .order_by("code")
    )
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = str(_("Cases"))
    header = [
        _("Case code"),
        _("Case type"),
        _("Stage"),
        _("Risk level"),
        _("Registered on"),
        _("Sex"),
        _("Age band"),
        _("Disability"),
        _("Nationality"),
        _("Displacement status"),
        _("P-code"),
        _("Specific needs"),
        _("Protection concerns"),
        _("Caseworker"),
        _("Closed on"),
    ]
    if include_identifying:
        header += [
            _("Given name(s)"),
            _("Family name"),
            _("Date of birth"),
            _("Phone"),
            _("ID number"),
            _("Identifying data"),
        ]
    sheet.append([str(h) for h in header])
    counts = {"cases": 0, "identified": 0, "withheld": 0, "overridden": 0}
    for case in cases:
        row: list[Any] = [
            case.code,
            case.get_case_type_display(),
            case.get_stage_display(),
            case.get_risk_level_display(),
            case.registered_on,
            case.get_sex_display(),
            case.age_band,
            _("yes") if case.disability else _("no"),
            case.nationality,
            case.displacement_status.code if case.displacement_status else "",
            case.area.pcode,
            ", ".join(sorted(n.code for n in case.specific_needs.all())),
            ", ".join(sorted(r.code for r in case.concerns.all())),
            case.owner.full_name or case.owner.email,
            case.closed_on,
        ]
        counts["cases"] += 1
        if include_identifying:
            if case.is_gbv or case.anonymised_at is not None:
                row += ["", "", "", "", "", _("withheld (GBV)") if case.is_gbv else ""]
                counts["withheld"] += 1
            elif has_consent(case, Consent.Purpose.SERVICES):
                row += [*_identity(case), _("consent")]
                counts["identified"] += 1
            elif override_reason.strip():
                override = ConsentOverride.objects.create(
                    case=case,
                    handoff=ConsentOverride.Handoff.EXPORT,
                    fields=["names", "date_of_birth", "phone", "id_documents"],
                    reason=override_reason.strip(),
                    by=by,
                )
                audit_create(actor=by, instance=override, operation=operation)
                row += [*_identity(case), _("override by a supervisor")]
                counts["overridden"] += 1
            else:
                row += ["", "", "", "", "", _("withheld (no consent)")]
                counts["withheld"] += 1
        sheet.append(xlsx_row(sheet, row))
    content = encrypt_workbook(workbook, password)
    audit_write(
        actor=by,
        action=AuditEntry.Action.EXPORT,
        operation=operation,
        entity_type="cases.caseload",
        entity_id=str(operation.pk),
        summary=f"caseload exported ({counts['cases']} cases, {counts['identified']} with "
        f"identifying data by consent, {counts['overridden']} by override)",
        after=counts,
    )
    return content


# The HXL row of the service directory (tutela.core.hxl), one tag a column of _directory_rows.
DIRECTORY_HXL = [
    "#org+acronym",
    "#service+type",
    "#service+name",
    # P-codes of any level, space-separated.
    "#loc+code+list",
    "#group+population+code+list",
    "#beneficiary+description",
    "#meta+languages+list",
    "#service+hours",
    "#contact+name",
    "#contact+phone",
    "#contact+email",
    "#service+requirements",
    "#description",
]


def _directory_rows(services: Iterable[Service]) -> tuple[list[str], list[list[str]]]:
    header = [
        str(h)
        for h in (
            _("Organisation"),
            _("Type of service"),
            _("Service"),
            _("Areas (P-codes)"),
            _("Population groups"),
            _("Who is served"),
            _("Languages"),
            _("Opening hours"),
            _("Contact person"),
            _("Contact phone"),
            _("Contact e-mail"),
            _("Referral requirements"),
            _("Description"),
        )
    ]
    rows = [
        [
            service.organisation.acronym,
            service.service_type.name,
            service.name,
            " ".join(sorted(a.pcode for a in service.areas.all())),
            " ".join(sorted(g.code for g in service.population_groups.all())),
            service.population,
            ", ".join(service.languages),
            service.hours,
            service.contact_name,
            service.contact_phone,
            service.contact_email,
            service.referral_requirements,
            service.description,
        ]
        for service in services
    ]
    return header, rows


def directory_export(
    *, operation: Operation, by: User, services: Iterable[Service], file_format: str
) -> bytes:
    """The service directory as XLSX or CSV (published information: not encrypted)."""
    if not access.can_export(by, operation, "directory"):
        raise PermissionDenied
    header, rows = _directory_rows(services)
    audit_write(
        actor=by,
        action=AuditEntry.Action.EXPORT,
        operation=operation,
        entity_type="cases.directory",
        entity_id=str(operation.pk),
        summary=f"service directory exported ({len(rows)} services, {file_format})",
    )
    if file_format == "csv":
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(header)
        writer.writerow(DIRECTORY_HXL)
        writer.writerows([csv_row(row) for row in rows])
        return ("\ufeff" + text.getvalue()).encode("utf-8")
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = str(_("Services"))
    sheet.append(header)
    sheet.append(DIRECTORY_HXL)
    for row in rows:
        sheet.append(xlsx_row(sheet, row))
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
