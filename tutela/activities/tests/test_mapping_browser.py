"""In headless Chromium: the IMO uploads a cluster's site-level 5W in Spanish (three header rows,
age bands of its own, no organisation or modality column), and on the column mapping page adds
the age bands up into girls and boys, gives every row the organisation and the modality,
previews the sums and saves: the file is checked
clean with the mapping.

The `browser_page` fixture fails the test on any JavaScript error or Content-Security-Policy
violation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tutela.activities.models import ColumnMapping, ImportRecord
from tutela.activities.tests.real_files import site_row, site_workbook
from tutela.activities.tests.reporting_fixtures import fivew_fixture  # noqa: F401
from tutela.conftest import signed_in
from tutela.core.models import Delegation
from tutela.core.services.delegations import delegation_grant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUMMED = {
    "Niñas 0-3": "girls",
    "Niñas 4-11": "girls",
    "Niñas 12-17": "girls",
    "Niños 0-3": "boys",
    "Niños 4-11": "boys",
    "Niños 12-17": "boys",
    "Tipo de población": "population_group",
    "% mujeres": "",
}


def select_for(page: Any, label: str) -> Any:
    """The select of the form row whose label is `label`."""
    target = page.locator("label", has_text=label).first.get_attribute("for")
    return page.locator(f"#{target}")


def test_imo_maps_age_bands_and_constants_on_the_mapping_page(
    browser_page: Any, live_server: Any, fivew: Any, tmp_path: Path
) -> None:
    world = fivew.world
    delegation_grant(
        by=world.partner,
        operation=fivew.operation,
        organisation=world.amss,
        scope=Delegation.Scope.ACTIVITIES,
    )
    path = tmp_path / "5W_marzo.xlsx"
    path.write_bytes(
        site_workbook(
            [
                site_row(),
                site_row(site="Centro de salud El Carmen", code="S-002", girls=(0, 3, 2)),
            ]
        )
    )
    page = browser_page
    signed_in(page, live_server, world.imo)
    page.goto("/o/mali/5w/upload/")
    page.locator("input[name=file]").set_input_files(str(path))
    page.get_by_role("button", name="Upload").click()
    page.wait_for_url("**/5w/imports/*/")
    assert "holds numbers but is not imported" in page.content()
    page.locator("a[href$='/mapping/']").first.click()
    page.wait_for_url("**/mapping/")

    for label, target in SUMMED.items():
        select_for(page, label).select_option(target)
    page.locator("#id_const_organisation").select_option("AMSS")
    page.locator("#id_const_modality").select_option("in_person")
    page.get_by_role("button", name="Preview the first rows").click()
    preview = page.locator("section.mapping-preview")
    preview.wait_for()
    assert "Niñas 0-3 + Niñas 4-11 + Niñas 12-17" in preview.inner_text()
    sums = preview.locator("td.sum").all_inner_texts()
    # Girls of the two rows (2 + 5 + 3, 0 + 3 + 2), then boys (1 + 4 + 4 twice).
    assert sums == ["10", "5", "9", "9"]
    assert not ColumnMapping.objects.exists()
    # The choices made are kept on the page after the preview.
    assert select_for(page, "Niñas 12-17").input_value() == "girls"
    assert page.locator("#id_const_organisation").input_value() == "AMSS"

    # "Desplazados internos" is a known word for IDPs: nothing to ask.
    assert page.locator("label", has_text="Desplazados internos").count() == 0
    page.get_by_role("button", name="Save the mapping and check the file").click()
    page.wait_for_url("**/5w/imports/*/")
    record = ImportRecord.objects.latest("pk")
    assert record.status == ImportRecord.Status.DRY_RUN, record.problems
    assert record.created_count == 2
    assert record.warning_count == 0, record.problems
    mapping = ColumnMapping.objects.get()
    assert mapping.values["organisation"] == {"": "AMSS"}
    assert mapping.columns["% mujeres"] == ""
