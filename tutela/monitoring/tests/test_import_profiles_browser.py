"""In headless Chromium: an information management officer uploads an ACLED export as
downloaded, chooses the ACLED profile on the upload page, and reads what the check found (the
rows kept, the rows left out by rule and why); then imports it for real."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tutela.conftest import World, signed_in
from tutela.core.services.geography import geo_load_bundled
from tutela.monitoring.models import Incident, MonitoringImport
from tutela.monitoring.services.reference import monitoring_seed
from tutela.monitoring.tests.acled_files import EVENTS, LEFT_OUT, acled_legacy_csv

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_imo_chooses_the_acled_profile_on_the_upload_page(
    browser_page: Any, live_server: Any, world: World, tmp_path: Path
) -> None:
    geo_load_bundled(country="MLI")
    monitoring_seed(operation=world.operation)
    world.imo.language = "en"
    world.imo.save()
    path = tmp_path / "2020-01-01-2020-06-30-Mali.csv"
    path.write_bytes(acled_legacy_csv(12))
    page = browser_page
    signed_in(page, live_server, world.imo)

    page.goto("/o/mali/monitoring/import/")
    page.get_by_label("File (XLSX, CSV or a KoboToolbox/ODK export)").set_input_files(str(path))
    organisation = page.get_by_label("Reporting organisation")
    if organisation.count():
        organisation.select_option(str(world.unhcr.pk))
    page.get_by_label("Ready-made profile").select_option(
        label="ACLED export (legacy and current columns) (Incidents)"
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Upload").click()

    record = MonitoringImport.objects.get()
    assert record.profile == "acled"
    assert record.status == MonitoringImport.Status.DRY_RUN, record.problems
    kept = sum(1 for event in EVENTS if event[7] not in LEFT_OUT)
    assert record.created_count == kept
    assert "profile “acled”" in page.locator("main").inner_text()
    left_out = page.locator("#left-out")
    assert "3 rows left out by rule" in left_out.inner_text()
    left_out.locator("summary").click()
    assert "“Peaceful protest”: 1" in left_out.inner_text()
    assert Incident.objects.count() == 0

    with page.expect_navigation():
        page.locator("#import-for-real").click()
    assert Incident.objects.filter(organisation=world.unhcr).count() == kept
    assert MonitoringImport.objects.order_by("-pk").first().profile == "acled"  # type: ignore[union-attr]


def test_profiles_page_lists_and_downloads_the_acled_profile(
    browser_page: Any, live_server: Any, world: World
) -> None:
    monitoring_seed(operation=world.operation)
    page = browser_page
    signed_in(page, live_server, world.imo)
    page.goto("/o/mali/monitoring/imports/profiles/")
    row = page.locator("tr", has_text="acled")
    assert "Peaceful protest" in row.inner_text()
    with page.expect_download() as caught:
        row.get_by_role("link", name="Download (JSON)").click()
    content = Path(caught.value.path()).read_text()
    assert '"name": "acled"' in content
