"""Our small stylesheets and scripts are inlined on a browser's first visit and linked after
(tutela.core.assets; issue 14: a first visit under 1.5 s at 256 kbit/s with 300 ms latency)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import override_settings

from tutela.activities.tests.reporting_fixtures import fivew_fixture  # noqa: F401
from tutela.core import assets
from tutela.core.tests.test_htmx_pages import _templates

CSS = Path(str(finders.find("tutela/tutela.css"))).read_text()
JS = Path(str(finders.find("tutela/tutela.js"))).read_text()
NONCE = re.compile(r'<style nonce="([^"]+)">')


def _policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {
        part.split(" ", 1)[0]: part.split(" ", 1)[1]
        for part in (p.strip() for p in header.split(";"))
        if " " in part
    }


@pytest.mark.django_db
def test_a_first_visit_gets_the_files_inline_under_the_policy_nonce(fivew, as_user):
    client = as_user(fivew.world.partner)
    client.cookies.pop(assets.COOKIE, None)
    response = client.get("/o/mali/")
    html = response.content.decode()
    nonce = NONCE.search(html)
    assert nonce, "the stylesheet is not inline"
    # Byte for byte the file, not escaped.
    assert f'<style nonce="{nonce.group(1)}">{CSS}</style>' in html
    assert f'<script nonce="{nonce.group(1)}">{JS}</script>' in html
    assert 'rel="stylesheet"' not in html
    policy = _policy(response)
    assert f"'nonce-{nonce.group(1)}'" in policy["style-src"]
    assert f"'nonce-{nonce.group(1)}'" in policy["script-src"]
    # Fetched into the cache after the page, and the cookie says so.
    assert '<link rel="prefetch" href="/static/tutela/tutela.css">' in html
    assert '<link rel="prefetch" href="/static/tutela/tutela.js">' in html
    cookie = response.cookies[assets.COOKIE]
    assert cookie.value == assets.version()
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


@pytest.mark.django_db
def test_the_next_pages_link_the_files_and_their_policy_has_no_nonce(fivew, as_user):
    client = as_user(fivew.world.partner)
    client.cookies.pop(assets.COOKIE, None)
    client.get("/o/mali/")
    response = client.get("/o/mali/5w/")
    html = response.content.decode()
    assert '<link rel="stylesheet" href="/static/tutela/tutela.css">' in html
    assert '<script src="/static/tutela/tutela.js" defer></script>' in html
    assert "<style" not in html
    assert "nonce" not in html
    assert "prefetch" not in html
    assert "nonce-" not in response["Content-Security-Policy"]
    assert assets.COOKIE not in response.cookies


@pytest.mark.django_db
def test_a_cookie_of_other_files_gets_them_inline_again(fivew, as_user):
    client = as_user(fivew.world.partner)
    client.cookies[assets.COOKIE] = "0123456789abcdef"
    response = client.get("/o/mali/")
    assert NONCE.search(response.content.decode())
    assert response.cookies[assets.COOKIE].value == assets.version()


@pytest.mark.django_db
def test_htmx_is_fetched_after_the_page_and_never_inlined(fivew, as_user):
    client = as_user(fivew.world.partner)
    client.cookies.pop(assets.COOKIE, None)
    grid = client.get("/o/mali/5w/2026-03/rows/").content.decode()
    assert (
        '<template class="load-after" data-scripts="/static/vendor/htmx/htmx.min.js"></template>'
        in grid
    )
    assert "htmx.min.js" not in " ".join(re.findall(r"<script[^>]*>", grid))
    assert "var htmx" not in grid
    # The page's own small files are inline with the base ones.
    assert "<style nonce=" in grid
    assert 'href="/static/tutela/grid.css"' not in grid.split("prefetch")[0]
    assert '<link rel="prefetch" href="/static/tutela/grid.css">' in grid


@pytest.mark.django_db
def test_a_map_page_fetches_leaflet_after_the_page(fivew, as_user):
    client = as_user(fivew.world.coordinator)
    html = client.get("/o/mali/map/").content.decode()
    assert "leaflet.js" not in " ".join(re.findall(r"<script[^>]*>", html))
    later = re.search(
        r'<template class="load-after" data-styles="([^"]+)" data-scripts="([^"]+)">', html
    )
    assert later
    assert later.group(1) == "/static/vendor/leaflet/leaflet.css"
    assert later.group(2).split() == [
        "/static/vendor/leaflet/leaflet.js",
        "/static/tutela/mapkit.js",
        "/static/tutela/map.js",
    ]


def test_a_file_that_would_close_its_element_is_refused(tmp_path, settings):
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "x.css").write_text("a{}</style><script>alert(1)</script>")
    (tmp_path / "bad" / "y.css").write_text("a{background:url(x.png)}")
    (tmp_path / "bad" / "z.js").write_text("var s = '</SCRIPT>';")
    with override_settings(STATICFILES_DIRS=[*settings.STATICFILES_DIRS, str(tmp_path)]):
        with pytest.raises(assets.AssetError, match="cannot be inlined"):
            assets.inlinable("bad/x.css")
        with pytest.raises(assets.AssetError, match="cannot be inlined"):
            assets.inlinable("bad/z.js")
        # A stylesheet with url() is linked: its addresses are relative to its own.
        assert assets.inlinable("bad/y.css") is None
        assert assets.inlinable("vendor/htmx/htmx.min.js") is None


def test_templates_link_our_files_through_the_asset_tag():
    raw = re.compile(
        r"""<(?:link[^>]+rel="stylesheet"[^>]+href|script[^>]+src)="\{% static '(?!vendor/)"""
    )
    offenders = [name for name, text in _templates().items() if raw.search(text)]
    assert offenders == []
