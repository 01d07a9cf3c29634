"""A 5W row's site is a place name or code: a spreadsheet formula such as "-1+1" is refused with
the row, the column and a clear reason (issue 10, item 17)."""

from __future__ import annotations

import pytest

from tutela.activities.tests.import_fixtures import Ops, numbered, ops_fixture, row  # noqa: F401
from tutela.activities.validation import ReportContext, validate

pytestmark = pytest.mark.django_db


def problems_for(ops: Ops, site: str) -> list[tuple[str, str, str]]:
    context = ReportContext.build(
        operation=ops.operation, organisation=None, by=ops.world.imo, body=None
    )
    _clean, problems = validate(context, numbered(row(site=site)), columns={})
    return [(p.field, p.code, p.message) for p in problems]


@pytest.mark.parametrize("site", ["-1+1", "=1+2", "@SUM(A1)", "+223 76 00 00 00"])
def test_formula_site_is_refused(ops: Ops, site: str) -> None:
    ((field, code, message),) = problems_for(ops, site)

    assert (field, code) == ("site", "invalid")
    assert message.startswith("Row 2")
    assert "place name or code" in message


@pytest.mark.parametrize("site", ["", "Sévaré", "Camp N°3 (extension)", "Site 12/B", "12"])
def test_place_names_and_codes_pass(ops: Ops, site: str) -> None:
    assert problems_for(ops, site) == []
