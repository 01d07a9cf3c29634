"""In headless Chromium: an IMO uploads a French incident list whose commune is spelt the
network's way, accepts the place suggestions on the check page, imports the file, and finds the
alias on the operation's settings; next month's list then goes in without the question."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tutela.conftest import World, signed_in
from tutela.core.models import Delegation, PlaceAlias
from tutela.core.services.delegations import delegation_grant
from tutela.core.services.geography import geo_load_bundled
from tutela.monitoring.models import Incident, MonitoringImport
from tutela.monitoring.services.reference import monitoring_seed
from tutela.monitoring.tests.test_place_aliases import french_csv, incident

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def upload(page: Any, path: Path, world: World) -> None:
    page.goto("/o/mali/monitoring/import/")
    page.get_by_label("File (XLSX, CSV or a KoboToolbox/ODK export)").set_input_files(str(path))
    page.get_by_label("Reporting organisation").select_option(str(world.amss.pk))
    with page.expect_navigation():
        page.get_by_role("button", name="Upload").click()


def test_imo_accepts_place_suggestions_and_next_month_needs_none(
    browser_page: Any, live_server: Any, world: World, tmp_path: Path
) -> None:
    geo_load_bundled(country="MLI")
    monitoring_seed(operation=world.operation)
    delegation_grant(
        by=world.partner,
        operation=world.operation,
        organisation=world.amss,
        scope=Delegation.Scope.MONITORING,
    )
    world.imo.language = "en"
    world.imo.save()
    march = tmp_path / "incidents_mars.csv"
    march.write_bytes(
        french_csv(
            incident("AMSS-101", "12/03/2026", "Djaptodi", "Boni"),
            incident("AMSS-102", "13/03/2026", "Koubewel", "Koundia"),
        )
    )
    page = browser_page
    signed_in(page, live_server, world.imo)
    upload(page, march, world)
    section = page.locator("#place-suggestions")
    assert "Places to confirm" in section.inner_text()
    row = section.locator("tr", has_text="Djaptodi")
    assert "ML050405 Djaptodji" in row.inner_text()
    page.screenshot(path=str(tmp_path / "check.png"), full_page=True)
    with page.expect_navigation():
        section.get_by_role("button", name="Accept every suggestion (2) and check again").click()
    assert "2 places remembered" in page.locator("main").inner_text()
    assert page.locator("#place-suggestions").count() == 0
    with page.expect_navigation():
        page.locator("#import-for-real").click()
    assert Incident.objects.get(external_id="AMSS-101").area.pcode == "ML050405"

    page.goto("/o/mali/settings/places/")
    table = page.locator("#place-aliases")
    assert "Djaptodi" in table.inner_text()
    assert "Confirmed suggestion" in table.inner_text()
    assert PlaceAlias.objects.count() == 2

    april = tmp_path / "incidents_avril.csv"
    april.write_bytes(french_csv(incident("AMSS-140", "02/04/2026", "Djaptodi", "Boni")))
    upload(page, april, world)
    record = MonitoringImport.objects.order_by("-pk").first()
    assert record is not None
    assert record.status == MonitoringImport.Status.DRY_RUN, record.problems
    assert page.locator("#place-suggestions").count() == 0
