"""The partner's round trip: download the organisation's template, fill it in (names picked from
the cascading lists, or P-codes typed over the formulas), upload it, and find the rows saved."""

from __future__ import annotations

from pathlib import Path

from tutela.activities.models import ActivityReport, ImportRecord
from tutela.activities.services.imports import import_5w_file
from tutela.activities.services.xlsx_template import DATA_SHEET, FIRST_DATA_ROW, template_workbook
from tutela.activities.tests.export_fixtures import Mali, mali_fixture  # noqa: F401
from tutela.activities.tests.test_xlsx_template import column_of, open_template
from tutela.core.models import AdminArea

COMMON = {
    "month": "2026-03",
    "population_group": "IDP",
    "status": "ongoing",
    "girls": 1,
    "boys": 2,
    "women": 3,
    "men": 4,
    "older_women": 0,
    "older_men": 0,
    "total": 10,
    "with_disability": 1,
}


def test_filled_in_template_uploads_and_saves_its_rows(mali: Mali, tmp_path: Path) -> None:
    world = mali.world
    content = template_workbook(
        operation=mali.operation, organisation=world.amss, language="fr", round=mali.round
    )
    workbook = open_template(content)
    sheet = workbook[DATA_SHEET]
    segou_cercle = AdminArea.objects.filter(parent__pcode="ML04").order_by("pcode").first()
    assert segou_cercle is not None
    rows = [
        # Names chosen from the cascading lists; the P-code formulas are not recalculated by
        # openpyxl, so the importer must work from the names.
        {
            **COMMON,
            "activity": "PRO-PSS",
            "indicator": "PRO-PSS-01",
            "admin1_name": "Mopti",
            "admin2_name": "Bandiagara",
            "admin3_name": "Bandiagara",
        },
        # P-codes typed over the formulas.
        {
            **COMMON,
            "activity": "PRO-AWA",
            "indicator": "PRO-AWA-01",
            "admin1_pcode": "ML04",
            "admin2_pcode": segou_cercle.pcode,
        },
    ]
    for offset, values in enumerate(rows):
        for name, value in values.items():
            sheet[f"{column_of(name)}{FIRST_DATA_ROW + offset}"] = value
    path = tmp_path / "5w-amss-2026-03.xlsx"
    workbook.save(path)

    record = import_5w_file(
        by=world.partner, operation=mali.operation, path=path, organisation=world.amss
    )

    assert record.status == ImportRecord.Status.IMPORTED, record.problems
    assert record.created_count == 2
    saved = {
        r.activity.code: r
        for r in ActivityReport.objects.select_related("activity", "area", "admin1", "admin2")
    }
    assert saved["PRO-PSS"].area.level == 3
    assert saved["PRO-PSS"].admin2.name == "Bandiagara"
    assert saved["PRO-PSS"].admin1.pcode == "ML05"
    assert saved["PRO-AWA"].area == segou_cercle
    assert saved["PRO-AWA"].total == 10
    assert {r.organisation for r in saved.values()} == {world.amss}
