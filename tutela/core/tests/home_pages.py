"""Reading the operation's home page in tests (shared by the home tests of core and of the domain
apps whose panels it shows): the page as a user sees it in English, and one work panel of it."""

from __future__ import annotations

from tutela.conftest import client_for
from tutela.core.models import User

HOME = "/o/mali/"


def home_html(user: User) -> str:
    """The world operation's home page as `user` sees it (in English)."""
    response = client_for(user).get(HOME, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return str(response.content.decode())


def panel_html(page: str, key: str) -> str:
    """The HTML of one work panel (empty string when the page has none)."""
    start = page.find(f'id="work-{key}"')
    if start < 0:
        return ""
    return page[start : page.find("</section>", start)]
