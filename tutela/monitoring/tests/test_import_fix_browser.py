"""In headless Chromium, in English: a partner uploads an incident list whose three rows name a
cercle that does not exist, corrects two of them in the browser's table, sees the new check with
one problem left (beside its cell), corrects it, and imports the list for real with the corrected
values; the file on the partner's disk is untouched.

The `browser_page` fixture fails the test on any JavaScript error or Content-Security-Policy
violation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tutela.conftest import World, signed_in
from tutela.monitoring.models import Incident, MonitoringImport
from tutela.monitoring.services.reference import monitoring_seed
from tutela.monitoring.tests.test_import_fix import PCODE, bad_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_partner_fixes_three_incidents_in_the_browser_and_imports(
    browser_page: Any, live_server: Any, world: World, tmp_path: Path
) -> None:
    monitoring_seed(operation=world.operation)
    world.partner.language = "en"
    world.partner.save()
    original = bad_file()
    path = tmp_path / "incidents_march.csv"
    path.write_bytes(original)
    page = browser_page
    signed_in(page, live_server, world.partner)
    page.goto("/o/mali/monitoring/import/")
    page.get_by_label("File (XLSX, CSV or a KoboToolbox/ODK export)").set_input_files(str(path))
    with page.expect_navigation():
        page.get_by_role("button", name="Upload").click()
    first = MonitoringImport.objects.latest("pk")
    assert first.status == MonitoringImport.Status.REJECTED
    assert first.error_count == 3

    page.locator("#fix-in-browser").click()
    page.wait_for_url("**/fix/")
    assert page.locator("#fix-row-5").count() == 0  # the row without a problem is not shown
    assert page.locator(f"#cell-4-{PCODE}-problems").count() == 1
    page.locator(f"#cell-2-{PCODE}").fill("ML0501")
    page.locator(f"#cell-3-{PCODE}").fill("ML0502")
    with page.expect_navigation():
        page.locator("#fix-save").click()
    assert "2 cell(s) corrected" in page.content()
    second = MonitoringImport.objects.latest("pk")
    assert second.pk != first.pk
    assert second.status == MonitoringImport.Status.REJECTED
    assert [p["row"] for p in second.problems if p["severity"] == "error"] == [4]

    page.locator("#fix-in-browser").click()
    page.wait_for_url("**/fix/")
    assert page.locator("#fix-row-2").count() == 0
    page.locator(f"#cell-4-{PCODE}").fill("ML0501")
    with page.expect_navigation():
        page.locator("#fix-save").click()
    third = MonitoringImport.objects.latest("pk")
    assert third.status == MonitoringImport.Status.DRY_RUN, third.problems
    assert Incident.objects.count() == 0

    with page.expect_navigation():
        page.locator("#import-for-real").click()
    imported = MonitoringImport.objects.latest("pk")
    assert imported.status == MonitoringImport.Status.IMPORTED, imported.problems
    areas = dict(Incident.objects.values_list("external_id", "area__pcode"))
    assert areas == {"EXT-1": "ML0501", "EXT-2": "ML0502", "EXT-3": "ML0501", "EXT-4": "ML0501"}
    assert path.read_bytes() == original
