"""Real 3W/4W files imported through saved column mappings (fixtures/README.md gives their
provenance): the OCHA ROWCA Sahel 3W (HXL-tagged CSV, 2014) for Mali with the real Mali gazetteer,
and the OCHA DRC project extract (long French headers with line breaks, beneficiary types in French
and English) with a gazetteer made of the P-codes it uses."""

from __future__ import annotations

import csv
import datetime
import io
from collections import Counter
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from tutela.activities.models import ActivityReport, ImportRecord, ReportingRound
from tutela.activities.services.catalogue import catalogue_seed
from tutela.activities.services.imports import (
    import_5w_file,
    import_annotated_workbook,
    mapping_save,
)
from tutela.activities.tests.import_fixtures import FIXTURES
from tutela.conftest import make_user
from tutela.core.imports.readers import read_table
from tutela.core.models import AdminArea, Body, Operation, OperationRole, Organisation, User
from tutela.core.models.roles import Role
from tutela.core.pcodes import name_key
from tutela.core.services.geography import geo_load_bundled

pytestmark = pytest.mark.django_db

ROWCA = FIXTURES / "rowca-3w-hxl.csv"
DRC = FIXTURES / "extrait_mai_2025.xlsx"


def setup_operation(slug: str, country: AdminArea, bodies: list[str]) -> tuple[Operation, User]:
    operation = Operation.objects.create(slug=slug, name=f"{slug} protection cluster")
    operation.countries.add(country)
    lead = Organisation.objects.create(name=f"Lead {slug}", acronym=f"LEAD-{slug}", type="un")
    lead.operations.add(operation)
    cluster = Body.objects.create(
        operation=operation, name="Protection Cluster", code="PRO", kind="cluster", lead=lead
    )
    for code in bodies:
        Body.objects.create(operation=operation, name=code, code=code, kind="aor", parent=cluster)
    catalogue_seed(operation=operation)
    imo = make_user(f"imo@{slug}.test", "IMO", lead)
    OperationRole.objects.create(user=imo, operation=operation, role=Role.IMO)
    return operation, imo


def open_round(operation: Operation, month: datetime.date) -> None:
    ReportingRound.objects.create(
        operation=operation, month=month, deadline=month + datetime.timedelta(days=40)
    )


# --- OCHA ROWCA 3W, Mali -----------------------------------------------------------------------

ROWCA_ORGANISATIONS = {
    "IRC": "International Rescue Committee",
    "IOM": "International Organization for Migration",
    "UNHCR": "United Nations High Commissioner for Refugees",
    "UNWOMEN": "United Nations Entity for Gender Equality and the Empowerment of Women",
    "UNFPA": "United Nations Population Fund",
}
# ORS activity ids of the Protection cluster -> Tutela's catalogue; "*": the other clusters' rows
# (and the coordination activity 759) are skipped.
ROWCA_ACTIVITIES: dict[str, str | None] = {
    "780": "PRO-PSS",
    "762": "PRO-MON",
    "799": "PRO-MON",
    "1109": "PRO-MON",
    "783": "PRO-MON",
    "1061": "PRO-CAP",
    "795": "PRO-CBP",
    "778": "PRO-CBP",
    "804": "PRO-CBP",
    "800": "PRO-CBP",
    # Advocacy is counted in products, not people; ORS gives people trained: left out.
    "763": None,
    "761": None,
    "751": None,
    "779": "PRO-REF",
    "782": "PRO-IPA",
    "758": "PRO-AWA",
    "*": None,
}
# ORS reports one row per indicator; the 5W keeps one row per activity and place: the headline
# indicator of each activity is kept, the others skipped.
ROWCA_SKIPPED_INDICATORS = ("2146", "2143", "2041", "2188", "2055", "2185", "2061", "2167", "2083")


def rowca_mapping(operation: Operation, imo: User) -> Any:
    return mapping_save(
        by=imo,
        operation=operation,
        organisation=None,
        name="OCHA ROWCA ORS 3W",
        columns={
            "MONTH": "month",
            "Organization": "organisation",
            "ActivityId": "activity",
            "IndicatorId": "indicator",
            "Admin1": "admin1_name",
            "Admin2": "admin2_name",
            "Achieved": "total",
            "ProjectCode": "project_code",
            # Names and texts the catalogue codes replace.
            "Activity": "",
            "Indicator": "",
        },
        values={
            "month": {"June": "2014-06", "July": "2014-07"},
            "activity": ROWCA_ACTIVITIES,
            "indicator": {**dict.fromkeys(ROWCA_SKIPPED_INDICATORS), "*": ""},
            "population_group": {"": "IDP"},
        },
    )


def rowca_expected() -> list[dict[str, str]]:
    with ROWCA.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))[1:]  # the HXL row
    return [
        r
        for r in rows
        if ROWCA_ACTIVITIES.get(r["ActivityId"])
        and r["IndicatorId"] not in ROWCA_SKIPPED_INDICATORS
    ]


@pytest.fixture
def mali() -> tuple[Operation, User]:
    geo_load_bundled(country="MLI")
    operation, imo = setup_operation("mali-2014", AdminArea.objects.get(pcode="ML"), [])
    for acronym, name in ROWCA_ORGANISATIONS.items():
        Organisation.objects.create(name=name, acronym=acronym, type="un").operations.add(operation)
    open_round(operation, datetime.date(2014, 6, 1))
    open_round(operation, datetime.date(2014, 7, 1))
    return operation, imo


def test_rowca_hxl_3w_imported_through_a_mapping_then_reimport_updates(
    mali: tuple[Operation, User],
) -> None:
    operation, imo = mali
    mapping = rowca_mapping(operation, imo)
    expected = rowca_expected()
    assert len(expected) == 49

    dry = import_5w_file(by=imo, operation=operation, path=ROWCA, mapping=mapping, dry_run=True)
    assert dry.status == ImportRecord.Status.DRY_RUN, dry.problems
    assert dry.created_count == 49
    assert not ActivityReport.objects.exists()

    record = import_5w_file(by=imo, operation=operation, path=ROWCA, mapping=mapping)
    assert record.status == ImportRecord.Status.IMPORTED, record.problems
    assert record.rows_read == 244
    assert record.created_count == 49
    assert record.error_count == 0
    rows = ActivityReport.objects.filter(operation=operation)
    assert rows.count() == 49
    # Organisations found by their full names; regions by name in the real gazetteer
    # ("Segou" is Ségou, ML04); everything at admin 1 since the file has no admin 2.
    by_org = Counter(rows.values_list("organisation__acronym", flat=True))
    assert by_org == Counter({"IOM": 18, "IRC": 15, "UNHCR": 8, "UNWOMEN": 4, "UNFPA": 4})
    assert set(rows.values_list("area__level", flat=True)) == {1}
    assert rows.filter(area__pcode="ML04").exists()
    assert sum(rows.values_list("total", flat=True)) == sum(int(r["Achieved"]) for r in expected)
    assert set(rows.values_list("month", flat=True)) == {
        datetime.date(2014, 6, 1),
        datetime.date(2014, 7, 1),
    }
    pss = rows.get(organisation__acronym="IRC", activity__code="PRO-PSS", area__pcode="ML05")
    assert pss.total == 1127
    assert pss.project_code.startswith("MLI-14/")

    again = import_5w_file(by=imo, operation=operation, path=ROWCA, mapping=mapping)
    assert again.status == ImportRecord.Status.IMPORTED
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 49)
    assert rows.count() == 49


def test_rowca_without_skipping_indicators_is_rejected_naming_both_rows(
    mali: tuple[Operation, User],
) -> None:
    operation, imo = mali
    mapping = rowca_mapping(operation, imo)
    mapping.values["indicator"] = {"*": ""}
    mapping.save()
    record = import_5w_file(by=imo, operation=operation, path=ROWCA, mapping=mapping)
    assert record.status == ImportRecord.Status.REJECTED
    duplicates = [p for p in record.problems if p["code"] == "duplicate_row"]
    assert duplicates
    # IOM's psychosocial support in Bamako: girls on line 145, women on line 154 of the file.
    assert any("154" in p["message"] and "145" in p["message"] for p in duplicates)
    assert not ActivityReport.objects.exists()


# --- OCHA DRC 4W extract -----------------------------------------------------------------------

DRC_HEADERS = {
    "cluster": (
        "CLUSTER\n(Choisir dans la liste déroulante)\nPour les projets humanitaires uniquement"
    ),
    "start": "DATE DEBUT",
    "end": "DATE FIN",
    "people": "NOMBRE BENEFICIAIRES DIRECTS \n(indiquer nombre de personnes)",
    "type": "TYPE DE BENEFICIAIRES",
    "status": "ETAT PROJET\n(Choisir dans la liste déroulante)",
    "province": "Province",
    "province_code": "Code Province",
    "territory": "Territoire",
    "territory_code": "Code Terrtoire",
    "zone": "Zone de sante",
    "zone_code": "Pcode ZS",
    "acronym": "Acronyme",
}
DRC_ACTIVITIES: dict[str, str | None] = {
    "Protection: Protection de l'enfant": "CP-PSS",
    "Protection: Violences basées sur le genre": "GBV-PREV",
    "Protection générale": "PRO-CBP",
    "Protection: Logement, terre et propriété": "HLP-ASS",
    "Protection: Lutte anti-mines": "MA-EORE",
    "*": None,
}
# The beneficiary types of the file, in French and English, to population group codes.
DRC_GROUPS = {
    "Déplacés": "IDP",
    "Internally Displaced People": "IDP",
    "PDI et rétournées": "IDP",
    "Retournés": "RET",
    "Returnees": "RET",
    "Population hôte": "HST",
    "Host Communities": "HST",
    "Population locale": "HST",
    "Réfugiés": "REF",
    "Autres": "OOC",
    "Other": "OOC",
    "EAFGA": "OOC",
    "ENA": "OOC",
    "Autorités locales": "OOC",
    "Leaders communautaires": "OOC",
    "": "OOC",
}
MAY_2025 = datetime.date(2025, 5, 1)


def drc_table() -> Any:
    table = read_table(DRC)
    index = {key: table.headers.index(header) for key, header in DRC_HEADERS.items()}
    return table, index


@pytest.fixture
def drc() -> tuple[Operation, User]:
    """An operation with the DRC admin areas the file's protection rows use (provinces,
    territories, health zones, built from the file's own P-codes and names) and its
    organisations."""
    table, index = drc_table()
    country = AdminArea.objects.create(
        pcode="CD", name="RD Congo", name_key="rd congo", level=0, country_pcode="CD"
    )
    areas: dict[str, AdminArea] = {"CD": country}
    acronyms: dict[str, str] = {}
    for _number, cells in table.rows:
        if not DRC_ACTIVITIES.get(cells[index["cluster"]]):
            continue
        chain = [
            (cells[index["province_code"]], cells[index["province"]], 1),
            (cells[index["territory_code"]], cells[index["territory"]], 2),
            (cells[index["zone_code"]], cells[index["zone"]], 3),
        ]
        parent = country
        for pcode, name, level in chain:
            if pcode not in areas:
                areas[pcode] = AdminArea.objects.create(
                    pcode=pcode,
                    name=name,
                    name_key=name_key(name),
                    level=level,
                    parent=parent,
                    country_pcode="CD",
                )
            parent = areas[pcode]
        acronym = str(cells[index["acronym"]]).strip()
        if acronym:
            acronyms.setdefault(acronym.lower(), acronym)
    operation, imo = setup_operation("rdc", country, ["PRO-CPN", "PRO-GBV", "PRO-HLP", "PRO-MIN"])
    for acronym in acronyms.values():
        Organisation.objects.create(name=acronym, acronym=acronym, type="ingo").operations.add(
            operation
        )
    open_round(operation, MAY_2025)
    return operation, imo


def drc_mapping(operation: Operation, imo: User) -> Any:
    return mapping_save(
        by=imo,
        operation=operation,
        organisation=None,
        name="OCHA RDC extrait 4W",
        columns={
            DRC_HEADERS["cluster"]: "activity",
            DRC_HEADERS["people"]: "total",
            DRC_HEADERS["status"]: "status",
            DRC_HEADERS["province_code"]: "admin1_pcode",
            DRC_HEADERS["territory_code"]: "admin2_pcode",
            DRC_HEADERS["zone_code"]: "admin3_pcode",
            "Nom organization": "",
        },
        values={
            "month": {"": "2025-05"},
            "activity": DRC_ACTIVITIES,
            "population_group": DRC_GROUPS,
            "status": {
                "En cours": "ongoing",
                "Mise en oeuvre & rapportage": "ongoing",
                "Déboursement": "ongoing",
                "Sous rapportage final": "completed",
            },
        },
    )


def drc_subset() -> tuple[bytes, int, dict[str, int]]:
    """The file's protection rows that make a valid May 2025 5W: one row per natural key (the
    extract lists projects, several per organisation and place), dates around May, with an
    organisation. Written with the file's own headers and cells."""
    table, index = drc_table()
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Data"
    sheet.append(table.headers)
    seen: set[tuple[str, str, str, str]] = set()
    groups: Counter[str] = Counter()
    for _number, cells in table.rows:
        activity = DRC_ACTIVITIES.get(cells[index["cluster"]])
        start, end = cells[index["start"]], cells[index["end"]]
        if not activity or not str(cells[index["acronym"]]).strip():
            continue
        if start > datetime.date(2025, 5, 31) or end < MAY_2025:
            continue
        group = DRC_GROUPS.get(cells[index["type"]], "?")
        key = (str(cells[index["acronym"]]).lower(), activity, cells[index["zone_code"]], group)
        if key in seen or group == "?":
            continue
        seen.add(key)
        groups[group] += 1
        sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue(), len(seen), dict(groups)


def test_drc_extract_imported_through_a_mapping_then_reimport_updates(
    drc: tuple[Operation, User],
) -> None:
    operation, imo = drc
    mapping = drc_mapping(operation, imo)
    data, expected, groups = drc_subset()
    assert expected > 500

    record = import_5w_file(
        by=imo,
        operation=operation,
        file=io.BytesIO(data),
        file_name="extrait.xlsx",
        mapping=mapping,
    )
    assert record.status == ImportRecord.Status.IMPORTED, record.problems[:5]
    assert record.created_count == expected
    rows = ActivityReport.objects.filter(operation=operation)
    assert rows.count() == expected
    # French and English beneficiary types end up in the same population groups.
    assert dict(Counter(rows.values_list("population_group__code", flat=True))) == groups
    assert set(rows.values_list("area__level", flat=True)) == {3}
    assert set(rows.values_list("body__code", flat=True)) <= {
        "PRO",
        "PRO-CPN",
        "PRO-GBV",
        "PRO-HLP",
        "PRO-MIN",
    }
    assert rows.filter(body__code="PRO-CPN").count() > 100
    zone = rows.filter(area__pcode__startswith="CD5402ZS").first()
    assert zone is not None
    assert zone.admin1.pcode == "CD54"
    assert zone.admin2.pcode == "CD5402"

    again = import_5w_file(
        by=imo,
        operation=operation,
        file=io.BytesIO(data),
        file_name="extrait.xlsx",
        mapping=mapping,
    )
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, expected)
    assert rows.count() == expected


def test_drc_extract_as_published_is_rejected_with_every_problem(
    drc: tuple[Operation, User],
) -> None:
    operation, imo = drc
    mapping = drc_mapping(operation, imo)
    record = import_5w_file(by=imo, operation=operation, path=DRC, mapping=mapping)
    assert record.status == ImportRecord.Status.REJECTED
    assert not ActivityReport.objects.exists()
    # The record keeps the first problems for the page; a dry check lists them all.
    assert len(record.problems) == 500
    assert record.error_count > 500
    table, _index = drc_table()
    from tutela.activities.services.imports import _match, mapped_rows
    from tutela.activities.services.rows import report_rows_save

    rows, skipped = mapped_rows(table, _match(table, mapping), mapping.values)
    assert skipped == 4343 - 1666
    result = report_rows_save(
        by=imo,
        operation=operation,
        rows=rows,
        dry_run=True,
        columns=_match(table, mapping).field_headers(),
    )
    found = Counter(p.code for p in result.problems)
    assert sum(1 for p in result.problems if p.severity == "error") == record.error_count
    # Several projects of one organisation in one health zone: duplicates of the natural key.
    assert found["duplicate_row"] > 100
    assert found == Counter({"duplicate_row": 1107, "start_after_month": 46, "end_before_start": 2})
    # Projects starting after May 2025 cannot report on May.
    problem = next(p for p in result.problems if p.code == "start_after_month").as_dict()
    assert problem["column"] == "DATE DEBUT"
    # The annotated workbook marks the cell, with the file's long headers kept.
    workbook = load_workbook(io.BytesIO(import_annotated_workbook(record=record)))
    sheet = workbook["Data"]
    headers = [c.value for c in sheet[1]]
    assert headers[2] == DRC_HEADERS["cluster"]
    cell = sheet.cell(row=problem["row"], column=headers.index("DATE DEBUT") + 1)
    assert cell.comment is not None
    assert "after the reporting month" in cell.comment.text
