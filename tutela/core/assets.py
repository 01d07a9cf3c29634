"""Our own small stylesheets and scripts, inlined on a browser's first visit (issue 14: every main
page under 1.5 s at 256 kbit/s with 300 ms of latency).

A linked file costs a new connection and a request (two round trips, 0.6 s on that link) after the
HTML arrives, which alone puts a page with a stylesheet over the budget. So a browser that has not
yet been shown the current base stylesheet and script gets each of our files that is small and
self-contained (no `url()` to resolve against its own address) inside the page, in a `<style>` or
`<script>` element carrying the response's Content-Security-Policy nonce, and `<link
rel="prefetch">`s that fetch the files into its cache once the page has loaded; the response sets
a cookie holding the files' version. From then on pages link the files (hashed names, cached for a
year) and stay small. A new version of the files (a deployment) changes the cookie's expected
value: the next page inlines them again.

Vendored libraries (htmx, Leaflet) are always linked: they are too big to send twice.

Use in templates: `{% load tutela_assets %}{% asset 'tutela/grid.css' %}` (a stylesheet or a
script, by its extension; `defer` for a script to run after the document is parsed) and
`{% asset_prefetches %}` once, at the end of the body.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse

Handler = Callable[[HttpRequest], HttpResponse]

COOKIE = "tutela_assets"
COOKIE_MAX_AGE = 365 * 24 * 3600
# The files every page links (base.html): what the cookie says the browser holds.
BASE_ASSETS = ("tutela/tutela.css", "tutela/tutela.js")
# Larger files are linked: sent twice (inline, then prefetched) they would cost more than the
# round trips they save.
INLINE_MAX_BYTES = 16 * 1024
INLINED_ATTRIBUTE = "tutela_inlined_assets"


class AssetError(Exception):
    """A static file named in a template cannot be inlined safely."""


def _read(path: str) -> str:
    found = finders.find(path)
    if not found:
        raise AssetError(f"No static file {path!r}.")
    return Path(str(found)).read_text(encoding="utf-8")


@lru_cache(maxsize=64)
def _inlinable_cached(path: str) -> str | None:
    return _inlinable(path)


def _inlinable(path: str) -> str | None:
    """The file's text if it may be inlined, None if it must be linked."""
    if path.startswith("vendor/") or not path.endswith((".css", ".js")):
        return None
    text = _read(path)
    if len(text.encode()) > INLINE_MAX_BYTES or "url(" in text:
        return None
    closing = "</style" if path.endswith(".css") else "</script"
    if closing in text.lower() or "<!--" in text:
        # It would end (or confuse) the element it is inlined in.
        raise AssetError(f"{path} holds {closing!r} or '<!--' and cannot be inlined.")
    return text


def inlinable(path: str) -> str | None:
    # Re-read in development, where the files change under a running server.
    return _inlinable(path) if settings.DEBUG else _inlinable_cached(path)


@lru_cache(maxsize=1)
def _version_cached() -> str:
    return _version()


def _version() -> str:
    digest = hashlib.sha256()
    for path in BASE_ASSETS:
        digest.update(_read(path).encode())
    return digest.hexdigest()[:16]


def version() -> str:
    return _version() if settings.DEBUG else _version_cached()


def first_visit(request: HttpRequest) -> bool:
    """True while the browser has not been shown the current base files (its cookie is missing or
    names another version)."""
    return request.COOKIES.get(COOKIE) != version()


def mark_inlined(request: HttpRequest, path: str) -> None:
    inlined: list[str] = getattr(request, INLINED_ATTRIBUTE, [])
    if path not in inlined:
        inlined.append(path)
    setattr(request, INLINED_ATTRIBUTE, inlined)


def inlined(request: HttpRequest) -> list[str]:
    return list(getattr(request, INLINED_ATTRIBUTE, []))


class AssetCookieMiddleware:
    """Sets the assets cookie on a page that inlined the base files (the page prefetches them)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if any(path in BASE_ASSETS for path in inlined(request)):
            response.set_cookie(
                COOKIE,
                version(),
                max_age=COOKIE_MAX_AGE,
                secure=request.is_secure(),
                httponly=True,
                samesite="Lax",
            )
        return response
