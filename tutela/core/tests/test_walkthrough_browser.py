"""A person signs in and walks the main pages in headless Chromium, in French and in English.

The `browser_page` fixture fails a test on any JavaScript error or Content-Security-Policy
violation; each page is also checked for its language, its heading and the absence of
untranslated English headings on the French walk.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import translation

from tutela.conftest import PASSWORD, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# (link in the operation menu, heading msgid; None = the operation's own name)
WALK = [
    ("/o/mali/", None),
    ("/o/mali/organisations/", "Organisations"),
    ("/o/mali/structure/", "Coordination structure"),
    ("/o/mali/contacts/", "Contacts"),
    ("/o/mali/map/", "Map of admin areas"),
    ("/o/mali/users/", "Users"),
    ("/o/mali/audit/", "Audit log"),
]


def heading_in(lang: str, msgid: str) -> str:
    with translation.override(lang):
        return translation.gettext(msgid)


def sign_in(page: Any, email: str) -> None:
    page.goto("/login/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/o/mali/$|/$"))


def walk(page: Any, world: World, lang: str) -> list[str]:
    headings = []
    for href, msgid in WALK:
        page.click(f"header nav a[href='{href}']")
        page.wait_for_url(f"**{href}")
        assert page.locator("html").get_attribute("lang") == lang
        h1 = page.locator("main h1").first.inner_text()
        expected = world.operation.name if msgid is None else heading_in(lang, msgid)
        assert h1.startswith(expected), (href, h1, expected)
        headings.append(h1)
    return headings


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_coordinator_signs_in_and_walks_the_main_pages(
    browser_page: Any, world: World, lang: str
) -> None:
    page = browser_page
    world.coordinator.language = lang
    world.coordinator.save()
    page.goto("/login/")
    assert page.locator("html").get_attribute("lang") == "fr"  # the browser asks for French
    assert page.locator("main h1").inner_text() == heading_in("fr", "Sign in")
    sign_in(page, world.coordinator.email)
    page.goto("/o/mali/")
    headings = walk(page, world, lang)
    if lang == "fr":
        english = [world.operation.name] + [m for _h, m in WALK if m]
        translated = [h for h in headings if h not in english]
        assert len(translated) >= 4, headings
    # The map draws the operation's boundaries.
    page.goto("/o/mali/map/")
    page.locator("#map path.leaflet-interactive").first.wait_for()


def test_language_switch_changes_the_interface(browser_page: Any, world: World) -> None:
    page = browser_page
    sign_in(page, world.partner.email)
    page.goto("/o/mali/organisations/")
    page.select_option("#lang-select", "fr")
    page.click(".lang-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("main h1").inner_text() == heading_in("fr", "Organisations")
    page.select_option("#lang-select", "en")
    page.click(".lang-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("main h1").inner_text() == "Organisations"


def test_partner_menu_has_no_manager_pages(browser_page: Any, world: World) -> None:
    page = browser_page
    sign_in(page, world.partner.email)
    page.goto("/o/mali/")
    assert page.locator("header nav a[href='/o/mali/contacts/']").count() == 1
    assert page.locator("header nav a[href='/o/mali/users/']").count() == 0
    assert page.locator("header nav a[href='/o/mali/audit/']").count() == 0
    response = page.goto("/o/mali/audit/")
    assert response is not None
    assert response.status == 403


def test_the_pages_fit_a_phone_screen(
    browser: Any, live_server: Any, audit_log_flushable: None, world: World
) -> None:
    from tutela.conftest import signed_in

    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 375, "height": 740}, locale="fr-FR"
    )
    page = context.new_page()
    signed_in(page, live_server, world.coordinator)
    for href, _msgid in WALK:
        page.goto(href)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{href} scrolls sideways on a phone by {overflow}px"
    context.close()
