"""In headless Chromium, on a phone-sized screen, in French: a partner focal point records an
incident with the keyboard-usable form (every field found by its label), is shown what of the
narrative will be masked, confirms, and reads the masked narrative on the record; another
organisation's partner is refused the record.

The pages' own words are compared with their French translation (`_fr`), so the test holds before
and after the catalogue is completed. The `browser_page` fixture fails the test on any JavaScript
error or Content-Security-Policy violation.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext

from tutela.conftest import signed_in
from tutela.core.models import AuditEntry
from tutela.monitoring.models import Incident
from tutela.monitoring.tests.incident_fixtures import Mon, mon_fixture  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
NARRATIVE = (
    "Le 10 mars, des hommes armés ont menacé M. Traoré devant le marché de Dandoli. "
    "Sa famille peut être jointe au 76 12 34 56."
)


def _fr(text: str) -> str:
    with translation.override("fr"):
        return gettext(text)


def field(page: Any, text: str) -> Any:
    """The input whose whole label is `text` (in French), with or without the label suffix."""
    return page.get_by_label(re.compile(rf"^{re.escape(_fr(text))}\s*:?$"))


def assert_fits(page: Any) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways on a phone by {overflow}px"


def test_partner_records_an_incident_on_a_phone_and_the_narrative_is_masked(
    browser_page: Any, live_server: Any, mon: Mon
) -> None:
    world = mon.world
    world.partner.language = "fr"
    world.partner.save()
    page = browser_page
    page.set_viewport_size(PHONE)
    signed_in(page, live_server, world.partner)

    page.goto("/o/mali/monitoring/")
    assert_fits(page)
    with page.expect_navigation():
        page.get_by_role("link", name=_fr("Record an incident")).first.click()
    assert page.url.endswith("/o/mali/monitoring/incidents/new/")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("h1").inner_text() == _fr("Record an incident")
    assert_fits(page)

    # Every field is reached through its label.
    page.get_by_label(_fr("Date of the incident")).fill("2026-03-10")
    page.get_by_label(_fr("Date reported")).fill("2026-03-12")
    location = page.get_by_label(_fr("Location (P-code or name)"))
    # Two areas are called Bandiagara (the cercle and the commune): the name alone is refused.
    location.fill("Bandiagara")
    page.get_by_label(_fr("Main protection risk")).select_option("R11")
    page.get_by_text(_fr("Violation types"), exact=True).click()
    page.get_by_label("Menaces et intimidation").check()
    page.get_by_label(_fr("Alleged perpetrator category")).select_option(
        label="Groupe armé non étatique"
    )
    grid = page.locator("table.people-grid").first
    grid.get_by_label(f"{_fr('Female')}, 18–59 ans", exact=True).fill("2")
    grid.get_by_label(f"{_fr('Male')}, 18–59 ans", exact=True).fill("1")
    grid.get_by_label(
        _fr("%(who)s, %(age)s, with a disability") % {"who": _fr("Male"), "age": "18–59 ans"},
        exact=True,
    ).fill("1")
    page.get_by_label(_fr("Population group")).first.select_option("IDP")
    page.get_by_label("Soutien psychosocial").check()
    field(page, "Source").select_option("key_informant")
    field(page, "Narrative").fill(NARRATIVE)
    assert_fits(page)
    with page.expect_navigation():
        page.get_by_role("button", name=_fr("Save"), exact=True).click()

    # The ambiguous name is refused on the location field, which has the focus; the message
    # names both areas; nothing is saved and the values are kept.
    location = page.get_by_label(_fr("Location (P-code or name)"))
    assert location.get_attribute("aria-invalid") == "true"
    assert page.evaluate("document.activeElement.id") == "id_area"
    problem = page.locator("#id_area_error").inner_text()
    assert "ML0501" in problem
    assert "ML050101" in problem
    assert "Cercle" in problem
    assert not Incident.objects.exists()
    assert field(page, "Narrative").input_value() == NARRATIVE
    assert page.get_by_label("Menaces et intimidation").is_checked()
    location.fill("ML050102")
    assert_fits(page)
    with page.expect_navigation():
        page.get_by_role("button", name=_fr("Save"), exact=True).click()

    # The warning shows what will be masked, before anything is saved.
    warning = page.get_by_role("alert").filter(
        has_text=_fr("Probable personal data in the narrative")
    )
    warning.wait_for()
    found = warning.locator("li").all_inner_texts()
    assert len(found) == 2
    assert any("Traoré" in item and "[name]" in item for item in found)
    assert any("76 12 34 56" in item and "[phone]" in item for item in found)
    saved_as = warning.locator("pre").inner_text()
    assert "menacé M. [name] devant" in saved_as
    assert "jointe au [phone]." in saved_as
    assert not Incident.objects.exists()
    assert_fits(page)
    with page.expect_navigation():
        warning.get_by_role("button", name=_fr("Save with the masking")).click()

    # The record, with the masked narrative.
    incident = Incident.objects.get()
    assert page.url.endswith(f"/o/mali/monitoring/incidents/{incident.pk}/")
    narrative = page.locator(".narrative").inner_text()
    assert "Traoré" not in narrative
    assert "76 12 34 56" not in narrative
    assert "[name]" in narrative
    assert "[phone]" in narrative
    assert_fits(page)
    assert "Traoré" not in incident.narrative
    assert "76 12 34 56" not in incident.narrative
    assert incident.narrative == narrative.strip()
    assert incident.organisation == world.amss
    assert incident.area.pcode == "ML050102"
    assert incident.people_affected == 3
    assert [
        (r.risk.code, r.violation.code if r.violation else None) for r in incident.risks.all()
    ] == [("R11", "threats")]
    assert sorted(
        (p.sex, p.age_band.code, p.with_disability, p.population_group.code, p.count)
        for p in incident.people.all()
    ) == [("F", "18-59", False, "IDP", 2), ("M", "18-59", True, "IDP", 1)]
    page.goto("/o/mali/monitoring/incidents/")
    assert page.get_by_role("link", name=incident.reference).count() == 1
    assert_fits(page)
    entry = AuditEntry.objects.filter(
        action="create", entity_id=str(incident.pk), entity_type__icontains="incident"
    ).get()
    assert entry.actor == world.partner
    assert "Traoré" not in str(entry.after)

    # Another organisation's partner is refused the record.
    other = page.context.browser.new_context(locale="fr-FR", base_url=live_server.url)
    other_page = other.new_page()
    signed_in(other_page, live_server, world.other_partner)
    response = other_page.goto(f"/o/mali/monitoring/incidents/{incident.pk}/")
    assert response is not None
    assert response.status == 404
    assert "Traoré" not in other_page.content()
    other.close()
