"""htmx (16 KB compressed: most of a first visit's static bytes at 256 kbit/s, issue 14) is loaded
only by the pages that use it: a page template whose own text or included templates hold an `hx-`
attribute fills base.html's `htmx` block with includes/htmx.html, and no other page does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tutela.activities.tests.reporting_fixtures import fivew_fixture  # noqa: F401
from tutela.core.models import Job

ROOT = Path(__file__).resolve().parents[2]  # the tutela package
# An htmx attribute; base.html's hx-headers (the CSRF header for htmx requests) is inert without it.
HX = re.compile(r"\shx-(?!headers)[a-z-]+=")
INCLUDE = re.compile(r"""\{%\s*include\s+["']([^"']+)["']""")
EXTENDS = re.compile(r"""\{%\s*extends\s+["']([^"']+)["']""")
LOADS_HTMX = '{% block htmx %}{% include "includes/htmx.html" %}{% endblock %}'
SCRIPT = "vendor/htmx/htmx.min"


def _templates() -> dict[str, str]:
    """Every template of the project by its name (the path under a `templates` folder)."""
    found: dict[str, str] = {}
    for path in ROOT.rglob("templates/**/*.html"):
        parts = path.parts
        name = "/".join(parts[len(parts) - parts[::-1].index("templates") :])
        found[name] = path.read_text()
    return found


def _closure(name: str, templates: dict[str, str], seen: set[str] | None = None) -> str:
    """The template's text with the text of what it includes, followed recursively."""
    seen = seen if seen is not None else set()
    if name in seen or name not in templates:
        return ""
    seen.add(name)
    text = templates[name]
    return text + "".join(_closure(n, templates, seen) for n in INCLUDE.findall(text))


def _ancestors(name: str, templates: dict[str, str]) -> list[str]:
    chain = []
    while name in templates and (parent := EXTENDS.search(templates[name])):
        name = parent.group(1)
        chain.append(name)
    return chain


def test_pages_load_htmx_exactly_when_they_use_it():
    templates = _templates()
    pages = [n for n in templates if "base.html" in _ancestors(n, templates)]
    assert len(pages) > 100
    missing, needless = [], []
    for name in pages:
        family = [name, *_ancestors(name, templates)]
        uses = any(HX.search(_closure(n, templates)) for n in family if n != "base.html")
        loads = any(LOADS_HTMX in templates.get(n, "") for n in family)
        if uses and not loads:
            missing.append(name)
        if loads and not uses:
            needless.append(name)
    assert missing == [], "pages using hx- attributes without htmx: " + ", ".join(missing)
    assert needless == [], "pages loading htmx without using it: " + ", ".join(needless)


@pytest.mark.django_db
def test_a_page_without_htmx_attributes_does_not_load_it_and_the_grid_does(fivew, as_user):
    world = fivew.world
    client = as_user(world.partner)
    home = client.get("/o/mali/").content.decode()
    assert SCRIPT not in home
    assert not HX.search(home)  # (base.html's hx-headers is not an htmx use)
    grid = client.get("/o/mali/5w/2026-03/rows/").content.decode()
    assert HX.search(grid)
    assert SCRIPT in grid
    job = Job.objects.create(
        user=world.partner, operation=fivew.operation, kind="5w_import", label="big.xlsx"
    )
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert SCRIPT in page
