from __future__ import annotations

import csv
import datetime
import io
from pathlib import Path
from typing import Any

import hxl
import openpyxl
import pytest
from django.urls import reverse

from tutela.activities.models import ActivityReport, ActivitySettings, Submission
from tutela.activities.models.fields import FIELDS
from tutela.activities.services.exports import ROW_COLUMNS, rows_export, table_export
from tutela.activities.tests.export_fixtures import (  # noqa: F401
    FEB,
    MAR,
    Mali,
    add_row,
    mali_fixture,
)
from tutela.core.models import AdminArea, AuditEntry
from tutela.core.tests.hxl_checks import assert_valid_hxl, hxl_dataset

DRAFT = Submission.Status.DRAFT
VALIDATED = Submission.Status.VALIDATED
SUBMITTED = Submission.Status.SUBMITTED


@pytest.fixture
def rows(mali: Mali) -> Mali:
    """AMSS (the partner's org): PSS in Bandiagara commune, March, draft.
    OTHER: awareness in Djenné, March, validated; PSS in Ségou, February, submitted.
    DRC: GBV case management (sensitive) in Mopti, March, validated; PSS in Ségou, March,
    validated, site "=HYPERLINK()" (a formula-looking text)."""
    w = mali.world
    add_row(
        w,
        w.amss,
        activity="PRO-PSS",
        pcode="ML050101",
        status=DRAFT,
        bands=(1, 2, 3, 4, 0, 0),
        with_disability=2,
        implementing_partner=w.drc,
    )
    add_row(w, w.other_org, activity="PRO-AWA", pcode="ML0502", status=VALIDATED)
    add_row(w, w.other_org, activity="PRO-PSS", pcode="ML04", month=FEB, status=SUBMITTED)
    add_row(w, w.drc, activity="GBV-CM", pcode="ML05", status=VALIDATED, bands=(0, 0, 2, 0, 0, 0))
    add_row(
        w,
        w.drc,
        activity="PRO-PSS",
        pcode="ML04",
        status=VALIDATED,
        site='=HYPERLINK("x")',
        bands=(5, 5, 5, 5, 1, 1),
    )
    return mali


def read_hxl(path: Path) -> Any:
    # utf-8-sig: libhxl keeps the byte-order mark (there for Excel) in the first header
    # otherwise; the hashtags are read right either way. cache(): the tests read it twice.
    options = hxl.InputOptions(allow_local=True, encoding="utf-8-sig")
    return hxl.data(str(path), options).cache()


def by_org_and_activity(records: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["organisation"], r["activity"]): r for r in records}


def csv_records(content: bytes) -> tuple[list[str], list[str], list[dict[str, Any]]]:
    assert content.startswith(b"\xef\xbb\xbf"), "UTF-8 byte-order mark for Excel"
    reader = csv.reader(io.StringIO(content.decode("utf-8-sig")))
    headers = next(reader)
    tags = next(reader)
    return headers, tags, [dict(zip(headers, line, strict=True)) for line in reader]


# --- rows_export -------------------------------------------------------------------------------


def test_csv_export_has_header_hxl_row_then_codes_and_names(rows: Mali) -> None:
    content = rows_export(
        rows=ActivityReport.objects.filter(operation=rows.operation),
        format="csv",
        language="fr",
    )

    headers, tags, records = csv_records(content)
    assert headers[: len(FIELDS)] == [f.name for f in FIELDS]
    assert tags[: len(FIELDS)] == [c.hxl for c in ROW_COLUMNS[: len(FIELDS)]]
    assert len(records) == 5
    amss = by_org_and_activity(records)[("AMSS", "PRO-PSS")]
    assert amss["month"] == "2026-03"
    assert (amss["admin1_pcode"], amss["admin1_name"]) == ("ML05", "Mopti")
    assert (amss["admin3_pcode"], amss["admin3_name"]) == ("ML050101", "Bandiagara")
    assert amss["implementing_partner"] == "DRC"
    assert amss["activity_name"] == "Soutien psychosocial"
    assert amss["population_group"] == "IDP"
    assert amss["total"] == "10"
    assert amss["with_disability"] == "2"
    assert amss["indicator"] == "PRO-PSS-01"
    assert amss["review_status"] == "draft"
    assert amss["organisation_name"] == "Association Malienne pour la Survie au Sahel"


def test_csv_export_neutralises_formula_text(rows: Mali) -> None:
    content = rows_export(
        rows=ActivityReport.objects.filter(operation=rows.operation), format="csv", language="en"
    )

    _headers, _tags, records = csv_records(content)
    assert by_org_and_activity(records)[("DRC", "PRO-PSS")]["site"] == '\'=HYPERLINK("x")'


def test_xlsx_export_reads_back_with_libhxl(rows: Mali, tmp_path: Path) -> None:
    path = tmp_path / "rows.xlsx"
    path.write_bytes(
        rows_export(
            rows=ActivityReport.objects.filter(operation=rows.operation),
            format="xlsx",
            language="en",
        )
    )

    data = read_hxl(path)
    assert data.display_tags == [c.hxl for c in ROW_COLUMNS]
    assert data.headers == [c.name for c in ROW_COLUMNS]
    records = [dict(zip(data.headers, row.values, strict=True)) for row in data]
    assert len(records) == 5
    amss = by_org_and_activity(records)[("AMSS", "PRO-PSS")]
    assert amss["admin3_pcode"] == "ML050101"
    assert amss["activity_name"] == "Psychosocial support"
    assert int(amss["total"]) == 10
    assert sorted(data.get_value_set("#adm1+code")) == ["ML04", "ML05"]
    assert sum(int(v) for v in data.get_value_set("#reached+total", normalise=False)) > 0
    # The formula-looking site is text in the workbook, not a formula.
    sheet = openpyxl.load_workbook(path)["5W"]
    sites = [cell.value for cell in sheet["L"][2:]]
    assert '=HYPERLINK("x")' in sites
    assert sheet.freeze_panes == "A3"


def test_csv_export_reads_back_with_libhxl(rows: Mali, tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_bytes(
        rows_export(
            rows=ActivityReport.objects.filter(operation=rows.operation),
            format="csv",
            language="en",
        )
    )

    data = read_hxl(path)
    assert data.display_tags == [c.hxl for c in ROW_COLUMNS]
    orgs = [row.get("#org+reporting+acronym") for row in data]
    assert sorted(orgs) == ["AMSS", "DRC", "DRC", "OTHER", "OTHER"]
    assert sorted(data.get_value_set("#adm3+code")) == ["", "ML050101"]


def test_instances_and_dicts_export_like_a_queryset(rows: Mali) -> None:
    queryset = ActivityReport.objects.filter(operation=rows.operation).order_by("pk")
    instances = list(
        queryset.select_related(
            "organisation",
            "implementing_partner",
            "activity",
            "indicator",
            "admin1",
            "admin2",
            "admin3",
            "population_group",
            "body",
            "submission",
        )
    )
    from_queryset = rows_export(rows=queryset, format="csv", language="fr")
    from_instances = rows_export(rows=instances, format="csv", language="fr")
    assert from_instances == from_queryset

    from_dicts = rows_export(
        rows=[{"month": "2026-03", "organisation": "AMSS", "activity": "PRO-PSS", "total": 4}],
        format="csv",
        language="fr",
    )
    _headers, _tags, records = csv_records(from_dicts)
    assert records[0]["organisation"] == "AMSS"
    assert records[0]["total"] == "4"
    assert records[0]["admin1_pcode"] == ""


def test_partner_names_are_hidden_in_insecure_areas_but_counts_kept(rows: Mali) -> None:
    mopti = AdminArea.objects.get(pcode="ML05")
    inside = set(AdminArea.objects.filter(pcode__startswith="ML05").values_list("pk", flat=True))

    content = rows_export(
        rows=ActivityReport.objects.filter(operation=rows.operation),
        format="csv",
        language="en",
        hide_partner_names_in=inside,
        own_organisation_id=rows.world.amss.pk,
    )

    _headers, _tags, records = csv_records(content)
    in_mopti = [r for r in records if r["admin1_pcode"] == mopti.pcode]
    drc_gbv = next(r for r in in_mopti if r["activity"] == "GBV-CM")
    assert drc_gbv["organisation"] == "(hidden)"
    assert drc_gbv["organisation_name"] == "(hidden)"
    assert drc_gbv["total"] == "2"
    # The reader's own rows keep their name; rows elsewhere keep theirs.
    amss = next(r for r in in_mopti if r["activity"] == "PRO-PSS")
    assert amss["organisation"] == "AMSS"
    assert amss["implementing_partner"] == "DRC"
    others = [r for r in records if r["admin1_pcode"] != mopti.pcode]
    assert {r["organisation"] for r in others} == {"OTHER", "DRC"}


def test_a_hundred_thousand_rows_fit_the_write_only_xlsx(tmp_path: Path) -> None:
    """Not a timing test: write-only mode streams rows, so a large export is a plain loop."""
    many = (
        {"month": "2026-03", "organisation": "AMSS", "activity": "PRO-PSS", "total": i}
        for i in range(20_000)
    )
    content = rows_export(rows=many, format="xlsx", language="en")
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True)["5W"]
    assert sum(1 for _row in sheet.iter_rows(values_only=True)) == 20_002


# --- table_export ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_table_export_with_hxl_reads_back_with_libhxl(fmt: str, tmp_path: Path) -> None:
    path = tmp_path / f"pivot.{fmt}"
    path.write_bytes(
        table_export(
            headers=["Région", "Mois", "Personnes atteintes"],
            hxl_tags=["#adm1+name", "#date+reported", "#reached+total"],
            rows=[["Mopti", datetime.date(2026, 3, 1), 120], ["Ségou", "2026-03", None]],
            format=fmt,
        )
    )

    data = read_hxl(path)
    assert data.display_tags == ["#adm1+name", "#date+reported", "#reached+total"]
    assert data.headers == ["Région", "Mois", "Personnes atteintes"]
    values = [row.values for row in data]
    assert values[0][0] == "Mopti"
    assert str(values[0][1]).startswith("2026-03-01")
    assert int(values[0][2]) == 120
    assert values[1][0] == "Ségou"
    assert values[1][2] in ("", None)


def test_table_export_without_tags_and_checks_their_number() -> None:
    content = table_export(headers=["a", "b"], hxl_tags=None, rows=[[1, 2]], format="csv")
    assert content.decode("utf-8-sig").splitlines() == ["a,b", "1,2"]
    with pytest.raises(ValueError, match="one tag per header"):
        table_export(headers=["a", "b"], hxl_tags=["#a"], rows=[], format="csv")
    with pytest.raises(ValueError, match="format"):
        table_export(headers=["a"], hxl_tags=None, rows=[], format="pdf")


# --- rows export view -------------------------------------------------------------------------


def export_records(client: Any, fmt: str = "csv", **params: str) -> list[dict[str, Any]]:
    url = reverse("activities:rows_export", kwargs={"slug": "mali", "fmt": fmt})
    response = client.get(url, params)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(response.content))["5W"]
        lines = [[c if c is not None else "" for c in r] for r in sheet.iter_rows(values_only=True)]
        return [dict(zip(lines[0], line, strict=True)) for line in lines[2:]]
    return csv_records(response.content)[2]


def keys(records: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {(r["organisation"], r["activity"], r["month"]) for r in records}


def test_viewer_export_has_validated_rows_only(rows: Mali, as_user: Any) -> None:
    records = export_records(as_user(rows.world.viewer))

    # Validated rows of everyone, sensitive activities (GBV case management) excepted.
    assert keys(records) == {("OTHER", "PRO-AWA", "2026-03"), ("DRC", "PRO-PSS", "2026-03")}


def test_partner_export_has_own_rows_and_validated_rows_of_others(rows: Mali, as_user: Any) -> None:
    records = export_records(as_user(rows.world.partner))

    assert keys(records) == {
        ("AMSS", "PRO-PSS", "2026-03"),
        ("OTHER", "PRO-AWA", "2026-03"),
        ("DRC", "PRO-PSS", "2026-03"),
    }


def test_coordinator_export_has_every_row(rows: Mali, as_user: Any) -> None:
    records = export_records(as_user(rows.world.coordinator), fmt="xlsx")

    assert len(records) == 5
    assert ("OTHER", "PRO-PSS", "2026-02") in keys(records)


def test_export_filters(rows: Mali, as_user: Any) -> None:
    client = as_user(rows.world.imo)

    assert len(export_records(client, month="2026-02")) == 1
    assert keys(export_records(client, org="drc")) == {
        ("DRC", "GBV-CM", "2026-03"),
        ("DRC", "PRO-PSS", "2026-03"),
    }
    assert len(export_records(client, activity="PRO-PSS")) == 3
    # The cluster includes its AoRs (and GBV-CM, there being no GBV AoR in this operation).
    assert len(export_records(client, body="PRO")) == 5
    assert export_records(client, body="PRO-CPN") == []
    assert len(export_records(client, admin1="ML04")) == 2
    assert export_records(client, org="NOPE") == []
    bad = client.get(
        reverse("activities:rows_export", kwargs={"slug": "mali", "fmt": "csv"}),
        {"month": "March"},
    )
    assert bad.status_code == 400


def test_export_is_audited_with_count_and_filters(rows: Mali, as_user: Any) -> None:
    before = AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).count()

    export_records(as_user(rows.world.partner), month="2026-03")

    entries = AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT)
    assert entries.count() == before + 1
    entry = entries.first()
    assert entry is not None
    assert entry.actor == rows.world.partner
    assert entry.operation == rows.operation
    assert entry.entity_type == "activities.activityreport"
    assert entry.after == {"count": 3, "format": "csv", "filters": {"month": "2026-03"}}


def test_partner_names_hidden_in_insecure_areas_for_partners_not_managers(
    rows: Mali, as_user: Any
) -> None:
    settings = ActivitySettings.objects.get(operation=rows.operation)
    settings.sensitive_areas.add(AdminArea.objects.get(pcode="ML04"))

    partner = export_records(as_user(rows.world.partner))
    coordinator = export_records(as_user(rows.world.coordinator))

    segou = [r for r in partner if r["admin1_pcode"] == "ML04"]
    assert [r["organisation"] for r in segou] == ["(hidden)"]
    assert segou[0]["total"] == "22"
    assert "DRC" in {r["organisation"] for r in coordinator if r["admin1_pcode"] == "ML04"}


@pytest.mark.parametrize("persona", ["outsider", "other_operation_user"])
def test_export_is_not_found_for_users_without_a_role(
    rows: Mali, as_user: Any, persona: str
) -> None:
    url = reverse("activities:rows_export", kwargs={"slug": "mali", "fmt": "csv"})

    response = as_user(getattr(rows.world, persona)).get(url)

    assert response.status_code == 404
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).exists()


def test_export_needs_sign_in_and_a_known_format(rows: Mali, client: Any, as_user: Any) -> None:
    url = reverse("activities:rows_export", kwargs={"slug": "mali", "fmt": "csv"})
    assert client.get(url).status_code == 302
    pdf = reverse("activities:rows_export", kwargs={"slug": "mali", "fmt": "pdf"})
    assert as_user(rows.world.coordinator).get(pdf).status_code == 404
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).exists()


# --- template download view -------------------------------------------------------------------


def template_url(**params: str) -> str:
    url = reverse("activities:template_download", kwargs={"slug": "mali"})
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return url


def template_org(response: Any) -> str:
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    props = {prop.name: prop.value for prop in workbook.custom_doc_props.props}
    return str(props["tutela_organisation"])


def test_partner_downloads_own_organisations_template(mali: Mali, as_user: Any) -> None:
    response = as_user(mali.world.partner).get(template_url())

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="mali-5w-template-AMSS-' in response["Content-Disposition"]
    assert template_org(response) == "AMSS"
    # Asking for one's own organisation explicitly is fine too.
    assert as_user(mali.world.partner).get(template_url(org="amss")).status_code == 200


def test_partner_asking_for_another_organisation_gets_403(mali: Mali, as_user: Any) -> None:
    assert as_user(mali.world.partner).get(template_url(org="OTHER")).status_code == 403
    assert as_user(mali.world.partner).get(template_url(org="NOPE")).status_code == 403


def test_manager_downloads_any_organisations_template(mali: Mali, as_user: Any) -> None:
    client = as_user(mali.world.imo)

    response = client.get(template_url(org="OTHER", month="2026-02", lang="en"))

    assert response.status_code == 200
    assert template_org(response) == "OTHER"
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames[2] == "Activities"
    assert "2026-02" in response["Content-Disposition"]
    assert client.get(template_url(org="NOPE")).status_code == 404
    assert client.get(template_url(org="OTHER", month="2025-01")).status_code == 404
    assert client.get(template_url(org="OTHER", month="janvier")).status_code == 400
    # Without ?org, the manager's own organisation (UNHCR is part of the operation).
    assert template_org(client.get(template_url())) == "UNHCR"


def test_viewer_gets_403_for_the_template(mali: Mali, as_user: Any) -> None:
    assert as_user(mali.world.viewer).get(template_url()).status_code == 403


@pytest.mark.parametrize("persona", ["outsider", "other_operation_user"])
def test_template_is_not_found_for_users_without_a_role(
    mali: Mali, as_user: Any, persona: str
) -> None:
    client = as_user(getattr(mali.world, persona))
    assert client.get(template_url()).status_code == 404
    assert client.get(template_url(org="AMSS")).status_code == 404


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_rows_export_tags_are_valid_hxl_with_population_groups_as_group(
    rows: Mali, fmt: str
) -> None:
    content = rows_export(
        rows=ActivityReport.objects.filter(operation=rows.operation), format=fmt, language="en"
    )
    records = assert_valid_hxl(hxl_dataset(content, fmt), min_rows=5)
    assert all(record["#group+population+code"] for record in records)
    assert not any(tag.startswith("#population") for tag in records[0])
