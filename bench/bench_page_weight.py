"""Page weight on a poor link (issue 14): bytes on the wire and a modelled load time at 256 kbit/s
with 300 ms of latency, for the main pages, first visit (nothing cached) and repeat visit (the
static files cached: they have hashed names and a year's immutable lifetime in production).

Runs against a Tutela server with the demo operation (`make run`, or a development server after
`tutela demo`), signed in as a demo user:

    cd bench && ../.venv/bin/python bench_page_weight.py --url http://127.0.0.1:8000 \
        --user coordinator@demo.tutela.org

Bytes on the wire are the response bodies as sent (gzip where the server compressed them). A
static file the server sent uncompressed (a development server serves them straight from the app
folders) is counted at its gzip size, as collectstatic's .gz copy would be sent in production.

The model (one browser, HTTP/1.1, six connections, no TLS): a new connection costs one round trip,
each request one more; the page's HTML comes first, then its stylesheets, scripts and images in
parallel; all bytes share the one link. First visit: 2 RTT + HTML, then 2 RTT + static bytes
(connections opened in parallel). Repeat visit: 1 RTT (the connection is kept) + HTML.
Images and GeoJSON that scripts fetch after load (map boundaries) are not counted, nor what
tutela.js fetches after load (`.load-after`: the maps' Leaflet, htmx): the "after load" column
models when those files have arrived (its page, then 2 RTT + those files; a map's GeoJSON not
counted): the map drawn, htmx's live parts (the 5W grid's option lists) started.

A first visit is fetched without the `tutela_assets` cookie (a browser with nothing cached: the
server inlines our small stylesheets and scripts, tutela.core.assets), a repeat visit with the
cookie that first answer set (the files are linked, and cached).
"""

from __future__ import annotations

import argparse
import gzip
import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

BANDWIDTH_BPS = 256_000
RTT_S = 0.3
PAGES = [
    ("operation home", "/o/{op}/"),
    ("organisations", "/o/{op}/organisations/"),
    ("contacts", "/o/{op}/contacts/"),
    ("5W home", "/o/{op}/5w/"),
    ("5W pivot", "/o/{op}/5w/pivot/"),
    ("5W presence map", "/o/{op}/5w/presence/"),
    ("monitoring", "/o/{op}/monitoring/"),
    ("monitoring analysis", "/o/{op}/monitoring/analysis/"),
    ("coordination", "/o/{op}/coordination/"),
    ("action points", "/o/{op}/coordination/action-points/"),
    ("incidents", "/o/{op}/monitoring/incidents/"),
    ("capacity", "/o/{op}/capacity/"),
    ("planning", "/o/{op}/planning/"),
    ("map", "/o/{op}/map/"),
    ("audit log", "/o/{op}/audit/"),
]
ASSET = re.compile(r'<(?:link[^>]+rel="stylesheet"[^>]+href|script[^>]+src|img[^>]+src)="([^"]+)"')
LOAD_AFTER = re.compile(r'<template class="load-after"([^>]*)>')
LOAD_AFTER_FILES = re.compile(r'data-(?:styles|scripts)="([^"]*)"')
ASSETS_COOKIE = "tutela_assets"


@dataclass
class Fetched:
    status: int
    wire: int
    raw: bytes


class Browser:
    def __init__(self, base: str) -> None:
        if urllib.parse.urlsplit(base).scheme not in {"http", "https"}:
            raise SystemExit("--url must be an http:// or https:// address")
        self.base = base.rstrip("/")
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str, data: dict[str, str] | None = None) -> Fetched:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        # The scheme is checked in __init__ (http or https only).
        request = urllib.request.Request(  # noqa: S310
            self.base + path, data=body, headers={"Accept-Encoding": "gzip"}
        )
        if data is not None:
            request.add_header("Referer", self.base + path)
        try:
            response = self.opener.open(request)
        except urllib.error.HTTPError as refused:
            # A page this user may not open (403) is listed with its status.
            response = refused
        with response:
            sent = response.read()
            encoded = response.headers.get("Content-Encoding") == "gzip"
            raw = gzip.decompress(sent) if encoded else sent
            return Fetched(response.status, len(sent), raw)

    def sign_in(self, email: str, password: str) -> None:
        page = self.get("/login/").raw.decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, "no CSRF token on the sign-in page"
        self.get(
            "/login/",
            {"csrfmiddlewaretoken": token.group(1), "email": email, "password": password},
        )


def static_wire(browser: Browser, path: str) -> int:
    fetched = browser.get(path)
    if fetched.wire < len(fetched.raw):
        return fetched.wire
    compressible = path.split("?")[0].endswith((".css", ".js", ".svg"))
    return len(gzip.compress(fetched.raw, 9)) if compressible else fetched.wire


def cached_wire(browser: Browser, cache: dict[str, int], path: str) -> int:
    if path not in cache:
        cache[path] = static_wire(browser, path.replace("&amp;", "&"))
    return cache[path]


def grid_page(browser: Browser, operation: str) -> str | None:
    """The 5W grid of the organisation with the most rows in the latest month the user sees."""
    home = browser.get(f"/o/{operation}/5w/").raw.decode()
    months = sorted(
        set(re.findall(rf'href="(/o/{re.escape(operation)}/5w/\d{{4}}-\d{{2}}/)"', home))
    )
    if not months:
        return None
    month = browser.get(months[-1]).raw.decode()
    grids = set(re.findall(r'href="([^"]+/rows/\?org=[^"]+)"', month))
    sized = [(len(browser.get(g.replace("&amp;", "&")).raw), g) for g in grids]
    return max(sized)[1].replace("&amp;", "&") if sized else None


def crawl(browser: Browser, operation: str, known: set[str]) -> list[tuple[str, str]]:
    """The pages one or two levels under the operation that the main pages link to (not
    downloads), labelled by their path."""
    link = re.compile(rf'href="(/o/{re.escape(operation)}/(?:[a-z0-9-]+/){{1,2}})"')
    found: list[tuple[str, str]] = []
    for path in sorted(known):
        for href in link.findall(browser.get(path).raw.decode()):
            if href not in known:
                known.add(href)
                found.append((href.removeprefix(f"/o/{operation}/").rstrip("/")[:22], href))
    return sorted(found)


def forget_assets(browser: Browser) -> None:
    for cookie in list(browser.jar):
        if cookie.name == ASSETS_COOKIE:
            browser.jar.clear(cookie.domain, cookie.path, cookie.name)


def seconds(payload: int, round_trips: int) -> float:
    return round_trips * RTT_S + payload * 8 / BANDWIDTH_BPS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--user", default="coordinator@demo.tutela.org")
    parser.add_argument("--password", default="Tutela-Demo-2026!")
    parser.add_argument("--operation", default="mali-demo")
    parser.add_argument("--language", default="fr")
    parser.add_argument(
        "--crawl",
        action="store_true",
        help="also every page the main pages link to, one or two levels under the operation",
    )
    args = parser.parse_args()
    browser = Browser(args.url)
    browser.sign_in(args.user, args.password)
    cookie = http.cookiejar.Cookie(
        0,
        "tutela_language",
        args.language,
        None,
        False,
        urllib.parse.urlsplit(args.url).hostname or "",
        False,
        False,
        "/",
        True,
        False,
        None,
        True,
        None,
        None,
        {},
    )
    browser.jar.set_cookie(cookie)
    static_cache: dict[str, int] = {}
    print(
        f"{'page':<22} {'status':>6} {'HTML raw':>9} {'HTML wire':>9} {'static wire':>11} "
        f"{'first visit':>11} {'repeat':>7} {'after load':>10}"
    )
    pages = [(label, pattern.format(op=args.operation)) for label, pattern in PAGES]
    grid = grid_page(browser, args.operation)
    if grid:
        pages.insert(5, ("5W grid (largest)", grid))
    if args.crawl:
        pages += crawl(browser, args.operation, {path for _label, path in pages})
    for label, path in pages:
        forget_assets(browser)
        page = browser.get(path)
        html = page.raw.decode()
        assets = [a for a in dict.fromkeys(ASSET.findall(html)) if a.startswith("/")]
        static_bytes = sum(cached_wire(browser, static_cache, a) for a in assets)
        first = seconds(page.wire, 2) + (seconds(static_bytes, 2) if assets else 0)
        later = " ".join(LOAD_AFTER.findall(html))
        drawn = ""
        if later:
            files = [f for group in LOAD_AFTER_FILES.findall(later) for f in group.split()]
            after = sum(cached_wire(browser, static_cache, f) for f in files)
            drawn = f"{first + seconds(after, 2):>9.2f}s"
        # The first answer set the cookie: the next visit links the files, cached by then.
        again = browser.get(path)
        repeat = seconds(again.wire, 1)
        print(
            f"{label:<22} {page.status:>6} {len(page.raw):>9,} {page.wire:>9,} {static_bytes:>11,} "
            f"{first:>10.2f}s {repeat:>6.2f}s {drawn:>10}"
        )
    print(
        f"\nModel: {BANDWIDTH_BPS // 1000} kbit/s, {RTT_S * 1000:.0f} ms round trip; "
        "budget (issue 14): first visit < 1.5 s, repeat < 0.8 s."
    )


if __name__ == "__main__":
    main()
