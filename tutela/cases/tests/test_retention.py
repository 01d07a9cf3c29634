"""Retention: closed cases are anonymised after the operation's period, with a report of what
was removed; what statistics count stays."""

from __future__ import annotations

import datetime
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from tutela.cases.models import Case, CaseDocument, CaseSearchToken, CaseSettings, RetentionRun
from tutela.cases.selectors.cases import case_search
from tutela.cases.services import cases as case_services
from tutela.cases.services.retention import months_before, retention_apply
from tutela.cases.tests.conftest import CaseWorld, consent, register
from tutela.core.models import AuditEntry

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def closed(cw: CaseWorld, days_ago: int) -> Case:
    case = register(cw, address="Sévaré", summary="Menaces répétées")
    consent(cw, case)
    case_services.document_add(case=case, by=cw.caseworker, filename="a.png", content=PNG)
    case.stage = Case.Stage.CLOSED
    case.closed_on = timezone.localdate() - datetime.timedelta(days=days_ago)
    case.closure_reason = "needs_met"
    case.save()
    return case


def test_months_before_handles_short_months() -> None:
    assert months_before(datetime.date(2026, 3, 31), 1) == datetime.date(2026, 2, 28)
    assert months_before(datetime.date(2026, 1, 15), 24) == datetime.date(2024, 1, 15)


def test_old_closed_cases_are_anonymised_with_a_report(cw: CaseWorld) -> None:
    CaseSettings.objects.filter(operation=cw.operation).update(retention_months=12)
    old = closed(cw, 400)
    recent = closed(cw, 100)
    dry = retention_apply(operation=cw.operation, dry_run=True)
    assert [e["code"] for e in dry.report] == [old.code]
    old.refresh_from_db()
    assert old.anonymised_at is None
    run = retention_apply(operation=cw.operation)
    assert run.cases_anonymised == 1
    (entry,) = run.report
    assert entry["code"] == old.code
    assert entry["removed"]["caseperson_fields"] == 5
    assert entry["removed"]["documents"] == 1
    assert entry["removed"]["case_fields"] == 2
    old.refresh_from_db()
    principal = old.people.get()
    assert (principal.given_name, principal.phone, principal.id_number, old.address) == (
        "",
        "",
        "",
        "",
    )
    assert (old.sex, old.age_band, old.area.pcode) == ("F", "18-59", "ML0501")
    assert not CaseSearchToken.objects.filter(case=old).exists()
    assert not CaseDocument.objects.filter(case=old).exists()
    assert case_search(cw.supervisor, cw.operation, "Aïcha Traoré") == [recent]
    assert AuditEntry.objects.filter(
        entity_type="cases.case", entity_id=str(old.pk), summary__contains="anonymised"
    ).exists()
    # Running again finds nothing more.
    assert retention_apply(operation=cw.operation).report == []


def test_the_command_prints_the_report(cw: CaseWorld) -> None:
    CaseSettings.objects.filter(operation=cw.operation).update(retention_months=1)
    case = closed(cw, 60)
    out = StringIO()
    call_command("cases_anonymise", "--operation", "mali", "--dry-run", stdout=out)
    assert case.code in out.getvalue()
    assert RetentionRun.objects.get().dry_run
    call_command("cases_anonymise", "--operation", "mali", stdout=out)
    case.refresh_from_db()
    assert case.anonymised_at is not None
