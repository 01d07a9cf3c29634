"""The caseload export: an encrypted workbook, identifying columns only where consent (or a
supervisor's override) allows, never for GBV, audited."""

from __future__ import annotations

import io

import msoffcrypto
import pytest
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from tutela.cases.models import Case, ConsentOverride
from tutela.cases.services.exports import caseload_export
from tutela.cases.tests.conftest import CaseWorld, consent, person, register
from tutela.conftest import client_for
from tutela.core.models import AuditEntry

PASSWORD = "Mot-de-passe-long-2026"


def open_workbook(content: bytes, password: str = PASSWORD) -> list[tuple]:
    office = msoffcrypto.OfficeFile(io.BytesIO(content))
    office.load_key(password=password)
    plain = io.BytesIO()
    office.decrypt(plain)
    return list(load_workbook(plain).active.iter_rows(values_only=True))


def test_the_workbook_is_encrypted_with_the_password(cw: CaseWorld) -> None:
    register(cw)
    content = caseload_export(operation=cw.operation, by=cw.supervisor, password=PASSWORD)
    assert content[:4] == b"\xd0\xcf\x11\xe0"  # an encrypted OLE container, not a zip
    with pytest.raises(Exception):  # noqa: B017,PT011 - msoffcrypto's own error types
        open_workbook(content, "wrong-password-123")
    rows = open_workbook(content)
    assert rows[0][0] == "Case code"
    assert len(rows) == 2
    assert "Aïcha" not in str(rows)
    with pytest.raises(ValidationError):
        caseload_export(operation=cw.operation, by=cw.supervisor, password="short")


def test_identifying_columns_follow_consent_override_and_gbv(cw: CaseWorld) -> None:
    with_consent = register(cw)
    consent(cw, with_consent, purpose="services")
    without = register(
        cw, principal=person(given_name="Sans", family_name="Consentement", phone="", id_number="")
    )
    gbv = register(
        cw,
        case_type=Case.Type.GBV,
        principal=person(given_name="Survivante", phone="", id_number=""),
    )
    consent(cw, gbv, purpose="services")
    rows = open_workbook(
        caseload_export(
            operation=cw.operation, by=cw.supervisor, password=PASSWORD, include_identifying=True
        )
    )
    by_code = {row[0]: row for row in rows[1:]}
    assert by_code[with_consent.code][15:17] == ("Aïcha", "Traoré")
    assert by_code[without.code][15] is None or by_code[without.code][15] == ""
    assert "Survivante" not in str(rows)
    assert "Consentement" not in str(rows)
    overridden = open_workbook(
        caseload_export(
            operation=cw.operation,
            by=cw.supervisor,
            password=PASSWORD,
            include_identifying=True,
            override_reason="Transmission au tribunal sur réquisition",
        )
    )
    assert "Consentement" in str(overridden)
    assert "Survivante" not in str(overridden)
    assert ConsentOverride.objects.get().case == without
    assert AuditEntry.objects.filter(action="export", entity_type="cases.caseload").count() == 2


def test_the_export_page_downloads_the_file(cw: CaseWorld) -> None:
    register(cw)
    client = client_for(cw.supervisor)
    response = client.post(
        "/o/mali/cases/export/", {"password": PASSWORD, "password_again": PASSWORD}
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert len(open_workbook(response.content)) == 2
    mismatch = client.post(
        "/o/mali/cases/export/", {"password": PASSWORD, "password_again": "other-password-1"}
    )
    assert mismatch.status_code == 400
