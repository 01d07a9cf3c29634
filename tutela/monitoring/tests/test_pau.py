"""PAU services: draft generation with publication figures, versions, clearance workflow."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tutela.core.models import AuditEntry
from tutela.monitoring.models import (
    AnalysisUpdate,
    AnalysisUpdateVersion,
    AreaPopulation,
    MonitoringSettings,
    SharingAgreement,
)
from tutela.monitoring.pau.figures import parse_period, pau_figures
from tutela.monitoring.pau.sections import SECTION_KEYS
from tutela.monitoring.services.pau import (
    pau_clear,
    pau_create,
    pau_publish,
    pau_refresh,
    pau_return_to_draft,
    pau_save_sections,
    pau_submit,
)
from tutela.monitoring.services.summaries import summaries_rebuild
from tutela.monitoring.tests.pau_helpers import make_many, seed

JUL = datetime.date(2026, 7, 1)
AUG = datetime.date(2026, 8, 1)
APR = datetime.date(2026, 4, 1)


@pytest.fixture
def data(world: Any, areas: Any) -> Any:
    op = world.operation
    seed(op)
    make_many(op, world.amss, areas["ML0501"], JUL, 12, "R02", displaced_households=3)
    make_many(op, world.amss, areas["ML0502"], AUG, 6, "R01", services=("health",))
    make_many(op, world.drc, areas["ML04"], APR, 7, "R02")
    # GBV incidents of an organisation that has not agreed to share them.
    make_many(op, world.drc, areas["ML04"], AUG, 6, "R08", people=(("F", "12-17", 1),))
    return world


def key(figures: dict[str, Any], name: str) -> dict[str, Any]:
    return next(k for k in figures["key_figures"] if k["key"] == name)


def risk(figures: dict[str, Any], code: str) -> dict[str, Any] | None:
    return next((r for r in figures["by_risk"] if r["code"] == code), None)


def test_parse_period_quarter_and_month() -> None:
    q = parse_period("2026q3")
    assert (q.code, q.start, q.end) == (
        "2026Q3",
        datetime.date(2026, 7, 1),
        datetime.date(2026, 9, 30),
    )
    assert q.previous().code == "2026Q2"
    assert parse_period("2026Q1").previous().code == "2025Q4"
    m = parse_period("2026-01")
    assert (m.start, m.end, m.previous().code) == (
        datetime.date(2026, 1, 1),
        datetime.date(2026, 1, 31),
        "2025-12",
    )
    with pytest.raises(ValueError, match="not a period"):
        parse_period("2026Q5")


def test_create_generates_a_draft_structured_by_the_framework(data: Any) -> None:
    update = pau_create(operation=data.operation, by=data.imo, period="2026Q3", language="fr")
    assert update.status == AnalysisUpdate.Status.DRAFT
    assert (update.period_start, update.period_end) == (JUL, datetime.date(2026, 9, 30))
    version = update.versions.get()
    assert version.number == 1
    assert set(version.sections) == set(SECTION_KEYS)
    assert "18" in version.sections["context"]
    figures = version.figures
    assert key(figures, "incidents")["current"] == 18
    assert key(figures, "incidents")["previous"] == 7
    assert risk(figures, "R02")["current"] == 12
    assert AuditEntry.objects.filter(
        action="create", entity_type="monitoring.analysisupdate", entity_id=str(update.pk)
    ).exists()


def test_gbv_incidents_count_only_with_a_sharing_agreement(data: Any) -> None:
    period = parse_period("2026Q3")
    figures = pau_figures(operation=data.operation, period=period)
    assert risk(figures, "R08") is None
    assert key(figures, "incidents")["current"] == 18
    SharingAgreement.objects.create(
        operation=data.operation, organisation=data.drc, shares_gbv_aggregates=True
    )
    figures = pau_figures(operation=data.operation, period=period)
    assert risk(figures, "R08")["current"] == 6
    assert key(figures, "incidents")["current"] == 24


def test_no_published_count_is_below_the_threshold(data: Any, areas: Any) -> None:
    make_many(data.operation, data.other_org, areas["ML04"], AUG, 2, "R03")
    figures = pau_figures(operation=data.operation, period=parse_period("2026Q3"))
    # The two incidents are a small group: withheld (no row) or suppressed, never shown as 2.
    found = risk(figures, "R03")
    assert found is None or found["current"] is None

    def small(value: Any) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 5

    for row in figures["by_risk"] + figures["by_area"] + figures["perpetrators"]:
        assert not small(row["current"])
        assert not small(row["previous"])
    assert not any(small(m["count"]) for m in figures["by_month"])
    people = figures["people"]
    assert not any(small(v) for row in people["cells"] for v in row)
    assert not any(small(v) for v in people["row_totals"] + people["col_totals"])


def test_merged_duplicates_are_not_counted(data: Any) -> None:
    from tutela.monitoring.models import Incident

    first, second = Incident.objects.filter(primary_risk__code="R01")[:2]
    second.merged_into = first
    second.save()
    summaries_rebuild(operation=data.operation)
    figures = pau_figures(operation=data.operation, period=parse_period("2026Q3"))
    assert key(figures, "incidents")["current"] == 17


def test_scope_limits_the_figures_to_the_region(data: Any, areas: Any) -> None:
    AreaPopulation.objects.create(
        operation=data.operation, area=areas["ML0501"], year=2026, population=120_000
    )
    update = pau_create(
        operation=data.operation, by=data.imo, period="2026Q3", scope="ML05", language="en"
    )
    figures = update.versions.get().figures
    assert update.scope == areas["ML05"]
    assert "Mopti" in update.title
    assert key(figures, "incidents")["current"] == 18
    assert key(figures, "incidents")["previous"] == 0
    by_area = {a["pcode"]: a for a in figures["by_area"]}
    assert set(by_area) == {"ML0501", "ML0502"}
    assert by_area["ML0501"]["rate"] == 1.0


def test_scope_must_be_a_region_of_the_operation(data: Any) -> None:
    with pytest.raises(ValidationError):
        pau_create(
            operation=data.operation, by=data.imo, period="2026Q3", scope="ML0501", language="en"
        )
    with pytest.raises(ValidationError):
        pau_create(
            operation=data.operation, by=data.imo, period="2026Q3", scope="CO", language="en"
        )
    with pytest.raises(ValidationError):
        pau_create(operation=data.operation, by=data.imo, period="Q3", language="en")
    assert not AnalysisUpdate.objects.exists()


def test_monthly_period_compares_with_the_previous_month(data: Any) -> None:
    update = pau_create(operation=data.operation, by=data.imo, period="2026-08", language="en")
    figures = update.versions.get().figures
    assert figures["previous_period"] == "2026-07"
    assert key(figures, "incidents")["current"] == 6
    assert key(figures, "incidents")["previous"] == 12


def test_partner_cannot_create_but_designated_analyst_can(data: Any) -> None:
    with pytest.raises(PermissionDenied):
        pau_create(operation=data.operation, by=data.partner, period="2026Q3", language="en")
    with pytest.raises(PermissionDenied):
        pau_create(
            operation=data.operation, by=data.other_operation_user, period="2026Q3", language="en"
        )
    MonitoringSettings.objects.get(operation=data.operation).analysts.add(data.partner)
    update = pau_create(operation=data.operation, by=data.partner, period="2026Q3", language="en")
    assert update.created_by == data.partner


def test_save_sections_adds_a_version_with_the_same_figures(data: Any) -> None:
    update = pau_create(operation=data.operation, by=data.imo, period="2026Q3", language="en")
    first = update.versions.get()
    version = pau_save_sections(
        update=update,
        by=data.coordinator,
        sections={"key_messages": "- Attacks rose in **Mopti**."},
        note="Key messages",
    )
    assert version.number == 2
    assert version.note == "Key messages"
    assert version.sections["key_messages"] == "- Attacks rose in **Mopti**."
    assert version.sections["context"] == first.sections["context"]
    assert version.figures == first.figures
    assert AuditEntry.objects.filter(
        action="update", entity_id=str(update.pk), summary__endswith="v2"
    ).exists()
    third = pau_refresh(update=update, by=data.imo)
    assert third.number == 3
    assert third.sections == version.sections
    with pytest.raises(ValidationError):
        pau_save_sections(update=update, by=data.imo, sections={"nonsense": "x"})
    with pytest.raises(PermissionDenied):
        pau_save_sections(update=update, by=data.partner, sections={"context": "x"})
    assert AnalysisUpdateVersion.objects.filter(update=update).count() == 3


def test_clearance_workflow(data: Any) -> None:
    update = pau_create(operation=data.operation, by=data.imo, period="2026Q3", language="en")
    with pytest.raises(ValidationError):
        pau_publish(update=update, by=data.imo)
    with pytest.raises(ValidationError):
        pau_submit(update=update, by=data.imo, approver=data.partner)
    with pytest.raises(ValidationError):
        pau_submit(update=update, by=data.imo, approver=data.imo)
    update = pau_submit(update=update, by=data.imo, approver=data.coordinator)
    assert update.status == "submitted"
    assert update.approver == data.coordinator
    # Once submitted the text is frozen.
    with pytest.raises(ValidationError):
        pau_save_sections(update=update, by=data.imo, sections={"context": "x"})
    # Only the approver clears.
    with pytest.raises(PermissionDenied):
        pau_clear(update=update, by=data.imo)
    update = pau_clear(update=update, by=data.coordinator)
    assert update.status == "cleared"
    assert update.cleared_by == data.coordinator
    with pytest.raises(PermissionDenied):
        pau_publish(update=update, by=data.partner)
    update = pau_publish(update=update, by=data.imo)
    assert update.status == "published"
    assert update.published_at is not None
    update = pau_return_to_draft(update=update, by=data.coordinator, note="Correct a figure")
    assert update.status == "draft"
    assert update.published_at is None
    assert update.cleared_by is None
    steps = list(
        AuditEntry.objects.filter(entity_id=str(update.pk), action="update")
        .order_by("id")
        .values_list("before__status", "after__status")
    )
    assert steps == [
        ("draft", "submitted"),
        ("submitted", "cleared"),
        ("cleared", "published"),
        ("published", "draft"),
    ]


def test_return_to_draft_needs_an_editor_or_the_approver(data: Any) -> None:
    update = pau_create(operation=data.operation, by=data.imo, period="2026Q3", language="en")
    with pytest.raises(ValidationError):
        pau_return_to_draft(update=update, by=data.imo)
    pau_submit(update=update, by=data.imo, approver=data.coordinator)
    with pytest.raises(PermissionDenied):
        pau_return_to_draft(update=update, by=data.partner)
    update.refresh_from_db()
    assert update.status == "submitted"


def test_pau_figures_are_the_dashboard_figures_of_a_reader_outside_every_organisation(
    data: Any,
) -> None:
    from tutela.core.models import ProtectionRisk
    from tutela.monitoring.selectors import AnalysisFilters, top_risks
    from tutela.monitoring.selectors.base import PUBLICATION

    figures = pau_figures(operation=data.operation, period=parse_period("2026Q3"))
    table = top_risks(
        user=PUBLICATION,
        operation=data.operation,
        filters=AnalysisFilters(month_from=JUL, month_to=datetime.date(2026, 9, 1)),
    )
    shown = {k: cells[0] for k, _l, cells, _t in table.rows()}
    for row in figures["by_risk"]:
        pk = ProtectionRisk.objects.get(operation=data.operation, code=row["code"]).pk
        assert shown[pk] == row["current"]
    assert table.grand_total == key(figures, "incidents")["current"]


def _reports(world: Any, area: Any, month: datetime.date, n: int, risks: tuple[str, ...]) -> None:
    from tutela.monitoring.tests.analysis_fixtures import make_report

    for i in range(n):
        make_report(world.operation, world.amss, area, month, f"{area.pcode}-{i}", risks)


@pytest.fixture
def community(data: Any, areas: Any) -> Any:
    # Ségou: 2 reports mentioning R02 (a small group); Mopti: 10 (Bandiagara) and 6 (Djenné).
    _reports(data, areas["ML04"], JUL, 2, ("R02",))
    _reports(data, areas["ML0501"], JUL, 10, ("R02",))
    _reports(data, areas["ML0502"], AUG, 6, ("R01", "R02"))
    return data


def _community_counts(figures: dict[str, Any]) -> dict[str, int | None]:
    return {r["code"]: r["reports"] for r in figures["community"]["risks"]}


def test_pau_community_shares_are_the_community_page_figures_for_publication(
    community: Any,
) -> None:
    from tutela.monitoring.selectors import AnalysisFilters
    from tutela.monitoring.selectors.base import PUBLICATION
    from tutela.monitoring.selectors.community import community_risk_shares

    figures = pau_figures(operation=community.operation, period=parse_period("2026Q3"))
    shares = community_risk_shares(
        user=PUBLICATION,
        operation=community.operation,
        filters=AnalysisFilters(month_from=JUL, month_to=datetime.date(2026, 9, 1)),
    )
    assert figures["community"]["unit"] == "reports"
    # Ségou's 2 reports are a small group of one month and area: withheld everywhere.
    assert figures["community"]["reports"] == shares.reports.grand_total == 16
    counts = _community_counts(figures)
    assert counts == {"R02": 16, "R01": 6}
    rows = {r["code"]: r["share"] for r in figures["community"]["risks"]}
    assert rows == {"R02": 100.0, "R01": 37.5}


def test_pau_community_figures_cannot_be_differenced_across_scopes(
    community: Any, areas: Any
) -> None:
    threshold = community.operation.disclosure_threshold
    period = parse_period("2026Q3")
    whole = pau_figures(operation=community.operation, period=period)
    regions = {
        pcode: pau_figures(operation=community.operation, period=period, scope=areas[pcode])
        for pcode in ("ML04", "ML05")
    }
    for figures in (whole, *regions.values()):
        total = figures["community"]["reports"]
        assert total is None or total == 0 or total >= threshold
        for value in _community_counts(figures).values():
            assert value is None or value >= threshold
    for region in regions.values():
        for code, value in _community_counts(whole).items():
            part = _community_counts(region).get(code) or 0
            if value is not None:
                assert value - part == 0 or value - part >= threshold, code
        difference = (whole["community"]["reports"] or 0) - (region["community"]["reports"] or 0)
        assert difference == 0 or difference >= threshold
    assert regions["ML04"]["community"]["risks"] == []


def test_pau_draft_and_docx_tell_the_community_reports(community: Any) -> None:
    from tutela.monitoring.pau.rendering import pau_docx
    from tutela.monitoring.tests.test_pau_documents import text_of_docx

    update = pau_create(
        operation=community.operation, by=community.imo, period="2026Q3", language="en"
    )
    version = update.versions.order_by("-number").first()
    assert "16 community reports" in version.sections["context"]
    _headings, body = text_of_docx(pau_docx(update, language="en"))
    assert "Community reports mentioning each risk (community monitoring)" in body
    assert "Community reports (one per community, month and type of respondent): 16" in body


def test_a_version_saved_with_distinct_community_counts_still_renders_them(
    community: Any,
) -> None:
    from tutela.monitoring.pau.rendering import pau_docx
    from tutela.monitoring.tests.test_pau_documents import text_of_docx

    update = pau_create(
        operation=community.operation, by=community.imo, period="2026Q3", language="en"
    )
    version = update.versions.order_by("-number").first()
    # The figures as versions made before the reports were counted hold them.
    version.figures["community"] = {
        "communities": 12,
        "risks": [{"code": "R02", "names": {"en": "Attacks"}, "communities": 12, "share": 100.0}],
    }
    version.save()
    _headings, body = text_of_docx(pau_docx(update, language="en"))
    assert "Communities reporting each risk (community monitoring)" in body
    assert "Communities interviewed: 12" in body
