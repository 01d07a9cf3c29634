"""Identifiers written into pages are never localised. USE_THOUSAND_SEPARATOR is on (figures read
"12,345" / "12 345"), so `{{ row.pk }}` of a record past 999 came out as "41,631" — and a hidden
input or a checkbox posted it back as something that is not an id (the 5W grid then lost the line's
row: tests/test_grid.py::test_a_row_numbered_past_a_thousand_is_posted_back_as_itself). Every
`{{ ….pk }}`, `{{ ….id }}`, `{{ …_id }}` and `{{ ….index }}` of a template goes through
`|unlocalize`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import translation

TEMPLATES = Path(__file__).resolve().parents[2]
IDENTIFIER = re.compile(r"\{\{ *([a-zA-Z_.]*(?:\.pk|\.id|_id|\.index)) *\}\}")


def test_no_template_writes_an_identifier_with_the_thousands_separator():
    # The folder must be the right one: a path that finds no template would pass anything.
    assert len(list(TEMPLATES.rglob("*.html"))) > 200
    found = [
        f"{path.relative_to(TEMPLATES)}: {match.group(0)}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for match in IDENTIFIER.finditer(path.read_text())
        if not match.group(1).endswith("auto_id")  # form field ids: text, not numbers
    ]
    assert found == [], "use |unlocalize (load l10n): " + ", ".join(found)


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_unlocalize_writes_the_bare_number_in_every_language(language):
    with translation.override(language):
        localised = Template("{{ n }}").render(Context({"n": 41631}))
        bare = Template("{% load l10n %}{{ n|unlocalize }}").render(Context({"n": 41631}))
    assert localised != "41631"  # the reason for the rule: ids past 999 are localised
    assert bare == "41631"
