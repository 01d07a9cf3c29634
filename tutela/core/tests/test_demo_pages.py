"""Every page linked from the demo operation opens for each role: the demo is what a new user sees
first (`make run`), and a crawl of its links catches a page broken by a change anywhere.

The crawl follows the links (GET only) found on each page, inside the demo operation, from the
operation's home page, for five roles of the demo (up to MAX_PAGES pages each): no
page answers with a server error, and no role is shown a link it may not follow (403/404)."""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urldefrag, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client

from tutela.core.models import User

pytestmark = pytest.mark.django_db

HREF = re.compile(r'href="([^"]+)"')
# Links that end the session or change something on GET (none should), or leave the pages.
SKIPPED = ("/logout", "/i18n/", "/static/", "/media/", "/api/", "/admin/")
MAX_PAGES = 220


def _crawl(client: Client, start: str, within: tuple[str, ...]) -> dict[str, int]:
    seen: dict[str, int] = {}
    queue = deque([start])
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        if url in seen:
            continue
        response = client.get(url)
        seen[url] = response.status_code
        assert response.status_code < 500, url
        content_type = response.get("Content-Type", "")
        if response.status_code != 200 or not content_type.startswith("text/html"):
            continue
        for href in HREF.findall(response.content.decode()):
            href = urldefrag(href.replace("&amp;", "&"))[0]
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not href.startswith("/"):
                continue
            if any(s in href for s in SKIPPED) or not href.startswith(within):
                continue
            if href not in seen:
                queue.append(href)
    return seen


@pytest.mark.parametrize("email", ["coordinator", "focalpoint", "partner", "caseworker", "viewer"])
def test_every_page_linked_from_the_demo_opens_for_each_role(email: str) -> None:
    call_command("demo", verbosity=0)
    user = User.objects.get(email=f"{email}@demo.tutela.org")
    client = Client()
    client.force_login(user)
    seen = _crawl(client, "/o/mali-demo/", within=("/o/mali-demo/",))
    opened = [url for url, status in seen.items() if status == 200]
    # The operation's main areas are reached from its home page.
    for area in ("5w", "monitoring", "coordination"):
        assert any(f"/o/mali-demo/{area}/" in url for url in opened), (area, sorted(seen))
    assert len(opened) >= 30, sorted(seen)
    assert [url for url, status in seen.items() if status in (403, 404)] == []
