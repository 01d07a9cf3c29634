"""In headless Chromium, in French: a partner uploads a 5W file whose three rows name a cercle
that does not exist, corrects two of them in the browser's table, sees the new check with one
problem left, corrects it, and imports the file for real with the corrected values.

The `browser_page` fixture fails the test on any JavaScript error or Content-Security-Policy
violation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tutela.activities.models import ActivityReport, ImportRecord
from tutela.activities.tests.import_fixtures import Ops, ops_fixture, xlsx_bytes  # noqa: F401
from tutela.activities.tests.test_import_fix import PCODE, bad_rows
from tutela.conftest import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_partner_fixes_three_rows_in_the_browser_and_imports_in_french(
    browser_page: Any, live_server: Any, ops: Ops, tmp_path: Path
) -> None:
    world = ops.world
    world.partner.language = "fr"
    world.partner.save()
    original = xlsx_bytes(bad_rows())
    path = tmp_path / "5W_mars.xlsx"
    path.write_bytes(original)
    page = browser_page
    signed_in(page, live_server, world.partner)
    page.goto("/o/mali/5w/upload/")
    assert page.locator("html").get_attribute("lang") == "fr"
    page.locator("input[name=file]").set_input_files(str(path))
    page.locator("form:has(input[name=file]) button[type=submit]").click()
    page.wait_for_url("**/5w/imports/*/")

    fix = page.locator("#fix-in-browser")
    assert fix.inner_text() == "Corriger dans le navigateur"
    fix.click()
    page.wait_for_url("**/fix/")
    assert "Problèmes de la ligne" in page.content()
    # The problem is shown beside its cell.
    assert page.locator(f"#cell-4-{PCODE}-problems").count() == 1
    page.locator(f"#cell-3-{PCODE}").fill("ML0501")
    page.locator(f"#cell-4-{PCODE}").fill("ML0501")
    page.get_by_role("button", name="Enregistrer les corrections et vérifier à nouveau").click()
    page.wait_for_url("**/5w/imports/*/")
    assert "2 cellule(s) corrigée(s)" in page.content()
    second = ImportRecord.objects.latest("pk")
    assert second.status == ImportRecord.Status.REJECTED
    assert second.error_count == 1

    page.locator("#fix-in-browser").click()
    page.wait_for_url("**/fix/")
    assert page.locator("#fix-row-3").count() == 0
    page.locator(f"#cell-5-{PCODE}").fill("ML0502")
    page.locator("#fix-save").click()
    page.wait_for_url("**/5w/imports/*/")
    third = ImportRecord.objects.latest("pk")
    assert third.status == ImportRecord.Status.DRY_RUN, third.problems
    assert third.error_count == 0

    page.locator("#import-for-real").click()
    page.wait_for_url("**/5w/imports/*/")
    imported = ImportRecord.objects.latest("pk")
    assert imported.status == ImportRecord.Status.IMPORTED, imported.problems
    assert sorted(ActivityReport.objects.values_list("admin2__pcode", flat=True)) == [
        "ML0501",
        "ML0501",
        "ML0501",
        "ML0502",
    ]
    assert path.read_bytes() == original
