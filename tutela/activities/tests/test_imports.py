"""5W uploads end to end: read, match, map values, check, save all or nothing; saved mappings;
the annotated workbook; background imports; planning figures."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import load_workbook

from tutela.activities.models import ActivityReport, ColumnMapping, ImportRecord, PlanningFigure
from tutela.activities.services import imports
from tutela.activities.services.imports import (
    import_5w_file,
    import_5w_start,
    import_annotated_workbook,
    import_inspect,
    import_list_for_user,
    mapping_save,
    planning_import_file,
)
from tutela.activities.tests.import_fixtures import (  # noqa: F401
    HEADERS,
    Ops,
    csv_bytes,
    ops_fixture,
    row,
    xlsx_bytes,
)
from tutela.core.imports.annotate import ERROR_FILL, WARNING_FILL, annotated_workbook
from tutela.core.imports.problems import Problem
from tutela.core.imports.readers import read_table
from tutela.core.models import AuditEntry, Job

pytestmark = pytest.mark.django_db


def upload(ops: Ops, data: bytes, name: str = "5w.xlsx", by: Any = None, **kwargs: Any) -> Any:
    return import_5w_file(
        by=by or ops.world.partner,
        operation=ops.operation,
        file=io.BytesIO(data),
        file_name=name,
        **kwargs,
    )


def rows3() -> list[dict[str, Any]]:
    return [row(), row(population_group="REF"), row(activity="PRO-LEG", indicator="")]


def test_template_like_workbook_is_imported_then_reimport_updates(ops: Ops) -> None:
    record = upload(ops, xlsx_bytes(rows3()))
    assert record.status == ImportRecord.Status.IMPORTED, record.problems
    assert (record.rows_read, record.created_count, record.updated_count) == (3, 3, 0)
    assert record.organisation == ops.world.amss
    assert record.user == ops.world.partner
    # A clean import keeps no copy of the file (it may hold personal data).
    assert not record.file.name
    assert ActivityReport.objects.count() == 3
    entry = AuditEntry.objects.get(entity_type="activities.importrecord")
    assert entry.entity_id == str(record.pk)
    assert entry.after["created"] == 3
    assert "5w.xlsx" in entry.summary

    changed = rows3()
    changed[0].update(girls=6, total=28)
    again = upload(ops, xlsx_bytes(changed))
    assert again.status == ImportRecord.Status.IMPORTED
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 1, 2)
    assert ActivityReport.objects.count() == 3
    assert (
        ActivityReport.objects.get(population_group__code="IDP", activity__code="PRO-PSS").total
        == 28
    )


def test_french_csv_with_semicolons_is_matched_without_a_mapping(ops: Ops) -> None:
    data = (
        "Mois;Activité;Région pcode;Cercle pcode;Type de bénéficiaires;Filles;Garçons;Femmes;"
        "Hommes;Total\n"
        "mars 2026;PRO-PSS;ML05;ML0501;Déplacés;1;2;3;4;10\n"
        "mars 2026;PRO-PSS;ML05;ML0502;Retournés;0;0;5;5;10\n"
    ).encode("cp1252")
    record = upload(ops, data, name="rapport.csv")
    assert record.status == ImportRecord.Status.IMPORTED, record.problems
    assert record.created_count == 2
    assert set(ActivityReport.objects.values_list("population_group__code", flat=True)) == {
        "IDP",
        "RET",
    }


def test_missing_required_columns_are_listed_with_what_was_found(ops: Ops) -> None:
    data = csv_bytes([row()], headers=["activity", "total", "Remarks"])
    record = upload(ops, data, name="5w.csv")
    assert record.status == ImportRecord.Status.REJECTED
    (problem,) = [p for p in record.problems if p["code"] == "missing_columns"]
    assert "Reporting month" in problem["message"]
    assert "Population group" in problem["message"]
    assert "location" in problem["message"]
    assert "Remarks" in problem["message"]
    assert ActivityReport.objects.count() == 0


def test_a_bad_row_rejects_the_file_and_names_row_and_column(ops: Ops) -> None:
    rows = rows3()
    rows[1]["admin2_pcode"] = "ML0599"
    record = upload(ops, xlsx_bytes(rows))
    assert record.status == ImportRecord.Status.REJECTED
    assert record.error_count == 1
    (problem,) = record.problems
    # Headers on row 1, hashtags on row 2: the second data row is row 4.
    assert (problem["row"], problem["column"], problem["code"]) == (
        4,
        "admin2_pcode",
        "unknown_pcode",
    )
    assert (record.created_count, record.updated_count) == (0, 0)
    assert ActivityReport.objects.count() == 0


def test_dry_run_reports_what_would_change_and_writes_nothing(ops: Ops) -> None:
    upload(ops, xlsx_bytes(rows3()[:1]))
    record = upload(ops, xlsx_bytes(rows3()), dry_run=True)
    assert record.status == ImportRecord.Status.DRY_RUN
    assert (record.created_count, record.updated_count, record.unchanged_count) == (2, 0, 1)
    assert ActivityReport.objects.count() == 1


def test_unreadable_file_is_a_rejected_import(ops: Ops) -> None:
    record = upload(ops, b"", name="empty.xlsx")
    assert record.status == ImportRecord.Status.REJECTED
    assert record.problems[0]["row"] is None
    assert record.problems[0]["code"] == "empty"


def test_partner_cannot_import_for_another_organisation(ops: Ops) -> None:
    with pytest.raises(PermissionDenied):
        upload(ops, xlsx_bytes(rows3()), organisation=ops.world.drc)
    with pytest.raises(PermissionDenied):
        upload(ops, xlsx_bytes(rows3()), by=ops.world.viewer)
    assert not ImportRecord.objects.exists()
    record = upload(ops, xlsx_bytes([row(organisation="DRC")]))
    assert record.status == ImportRecord.Status.REJECTED
    assert record.problems[0]["code"] == "other_organisation"


def test_manager_imports_a_file_of_several_organisations(ops: Ops) -> None:
    record = upload(
        ops, xlsx_bytes([row(organisation="AMSS"), row(organisation="UNHCR")]), by=ops.world.imo
    )
    assert record.status == ImportRecord.Status.IMPORTED, record.problems
    assert record.organisation is None
    assert ActivityReport.objects.values("organisation").distinct().count() == 2


def test_saved_mapping_with_value_tables_defaults_and_skipped_rows(ops: Ops) -> None:
    headers = ["Période", "Code act.", "Cercle", "Bénéficiaires", "Groupe", "Secteur"]
    data = csv_bytes(
        [
            {
                "Période": "Mars",
                "Code act.": "PSS",
                "Cercle": "ML0501",
                "Bénéficiaires": 12,
                "Groupe": "Déplacés internes",
                "Secteur": "Protection",
            },
            {
                "Période": "Mars",
                "Code act.": "PSS",
                "Cercle": "ML0502",
                "Bénéficiaires": 4,
                "Groupe": "",
                "Secteur": "Protection",
            },
            {
                "Période": "Mars",
                "Code act.": "WASH-1",
                "Cercle": "ML0502",
                "Bénéficiaires": 900,
                "Groupe": "",
                "Secteur": "WASH",
            },
        ],
        headers=headers,
    )
    mapping = mapping_save(
        by=ops.world.partner,
        operation=ops.operation,
        organisation=ops.world.amss,
        name="Kobo AMSS",
        columns={
            "Période": "month",
            "Code act.": "activity",
            "Cercle": "admin2_pcode",
            "Bénéficiaires": "total",
            "Groupe": "population_group",
            "Secteur": "",
        },
        values={
            "month": {"Mars": "2026-03"},
            "activity": {"PSS": "PRO-PSS", "*": None},
            "population_group": {"": "HST"},
            # A column the file lacks, filled for every row.
            "status": {"": "completed"},
        },
    )
    record = upload(ops, data, name="kobo.csv", mapping=mapping)
    assert record.status == ImportRecord.Status.IMPORTED, record.problems
    assert (record.rows_read, record.created_count) == (3, 2)
    assert record.mapping == mapping
    saved = {
        r.area.pcode: r for r in ActivityReport.objects.select_related("area", "population_group")
    }
    assert saved["ML0501"].population_group.code == "IDP"
    assert saved["ML0502"].population_group.code == "HST"
    assert {r.status for r in saved.values()} == {"completed"}
    assert saved["ML0501"].admin1.pcode == "ML05"


def test_mapping_save_checks_targets_and_access_and_is_audited(ops: Ops) -> None:
    with pytest.raises(ValidationError):
        mapping_save(
            by=ops.world.partner,
            operation=ops.operation,
            organisation=ops.world.amss,
            name="Bad",
            columns={"A": "not_a_field"},
            values={},
        )
    with pytest.raises(ValidationError):
        mapping_save(
            by=ops.world.partner,
            operation=ops.operation,
            organisation=ops.world.amss,
            name="Bad values",
            columns={"A": "activity"},
            values={"nope": {"x": "y"}},
        )
    with pytest.raises(PermissionDenied):
        mapping_save(
            by=ops.world.partner,
            operation=ops.operation,
            organisation=ops.world.drc,
            name="Theirs",
            columns={"A": "activity"},
        )
    with pytest.raises(PermissionDenied):
        mapping_save(
            by=ops.world.partner,
            operation=ops.operation,
            organisation=None,
            name="Shared",
            columns={"A": "activity"},
        )
    assert not ColumnMapping.objects.exists()
    first = mapping_save(
        by=ops.world.imo,
        operation=ops.operation,
        organisation=None,
        name="Shared",
        columns={"A": "activity"},
    )
    second = mapping_save(
        by=ops.world.imo,
        operation=ops.operation,
        organisation=None,
        name="Shared",
        columns={"A": "activity", "B": "total"},
        header_row=3,
    )
    assert first.pk == second.pk
    assert second.header_row == 3
    actions = list(
        AuditEntry.objects.filter(entity_type="activities.columnmapping")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "update"]
    assert list(imports.mappings_for(ops.operation, ops.world.amss)) == [second]


def test_mapping_of_another_operation_is_refused(ops: Ops) -> None:
    other = ColumnMapping.objects.create(
        operation=ops.world.other_operation, name="Elsewhere", columns={"A": "activity"}
    )
    with pytest.raises(PermissionDenied):
        upload(ops, xlsx_bytes(rows3()), mapping=other)


def test_annotated_workbook_marks_the_bad_cell(ops: Ops) -> None:
    rows = rows3()
    rows[1]["admin2_pcode"] = "ML0599"
    rows[2]["admin2_name"] = "Djenné"
    record = upload(ops, xlsx_bytes(rows))
    data = import_annotated_workbook(record=record)
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook["5W"]
    column = HEADERS.index("admin2_pcode") + 1
    bad = sheet.cell(row=4, column=column)
    assert bad.value == "ML0599"
    assert bad.fill.fgColor.rgb == ERROR_FILL.fgColor.rgb
    assert bad.comment is not None
    assert "ML0599" in bad.comment.text
    warned = sheet.cell(row=5, column=HEADERS.index("admin2_name") + 1)
    assert warned.fill.fgColor.rgb == WARNING_FILL.fgColor.rgb
    fine = sheet.cell(row=3, column=column)
    assert fine.comment is None
    assert sheet.cell(row=1, column=1).value == "month"
    assert sheet.cell(row=2, column=1).value == "#date+reported"
    listing = workbook["Problems"]
    assert listing.cell(row=2, column=1).value == 4
    assert listing.cell(row=2, column=2).value == "admin2_pcode"


def test_annotated_workbook_of_a_csv_and_of_more_problems_than_kept(
    ops: Ops, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(imports, "STORED_PROBLEMS", 2)
    rows = [row(population_group=g, girls=-1) for g in ("IDP", "REF", "RET", "HST")]
    record = upload(ops, csv_bytes(rows), name="5w.csv")
    assert record.status == ImportRecord.Status.REJECTED
    assert len(record.problems) == 2
    assert record.error_count == 8  # a negative band and a wrong total, four times
    workbook = load_workbook(io.BytesIO(import_annotated_workbook(record=record)))
    sheet = workbook.worksheets[0]
    girls = HEADERS.index("girls") + 1
    assert [sheet.cell(row=r, column=girls).comment is not None for r in range(2, 6)] == [True] * 4
    assert workbook["Problems"].max_row == 9


def test_annotated_workbook_never_writes_formulas_or_control_characters() -> None:
    table = read_table(
        csv_bytes(
            [{"month": '=HYPERLINK("http://x")', "activity": "bad\x01value"}],
            headers=["month", "activity"],
        ),
        file_name="x.csv",
    )
    problem = Problem(row=2, column="month", field="month", code="x", message="=1+1 \x02")
    workbook = load_workbook(io.BytesIO(annotated_workbook(table, [problem])))
    sheet = workbook.worksheets[0]
    assert sheet.cell(row=2, column=1).value == '=HYPERLINK("http://x")'
    assert sheet.cell(row=2, column=1).data_type == "s"
    assert sheet.cell(row=2, column=2).value == "badvalue"


def test_big_upload_runs_in_the_background_with_progress(
    ops: Ops, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        record = import_5w_start(
            by=ops.world.partner,
            operation=ops.operation,
            file=io.BytesIO(xlsx_bytes(rows3())),
            file_name="big.xlsx",
            background=True,
        )
        assert record.status == ImportRecord.Status.PENDING
    record.refresh_from_db()
    assert record.status == ImportRecord.Status.IMPORTED
    assert record.created_count == 3
    job = Job.objects.get(pk=record.job_id)
    assert job.status == Job.Status.SUCCEEDED
    assert job.progress == 100
    assert job.result["created"] == 3
    assert job.task_result_id


def test_small_upload_runs_at_once(ops: Ops) -> None:
    record = import_5w_start(
        by=ops.world.partner,
        operation=ops.operation,
        file=io.BytesIO(xlsx_bytes(rows3())),
        file_name="small.xlsx",
    )
    assert record.status == ImportRecord.Status.IMPORTED
    assert record.job is None


def test_import_list_is_scoped_to_the_organisation(ops: Ops) -> None:
    record = upload(ops, xlsx_bytes(rows3()))
    assert list(import_list_for_user(ops.world.partner, ops.operation)) == [record]
    assert list(import_list_for_user(ops.world.imo, ops.operation)) == [record]
    assert list(import_list_for_user(ops.world.other_partner, ops.operation)) == []
    assert list(import_list_for_user(ops.world.outsider, ops.operation)) == []


def test_inspect_shows_matches_and_distinct_values(ops: Ops) -> None:
    data = csv_bytes(
        [{"Mois": "mars 2026", "Groupe": "Déplacés"}, {"Mois": "mars 2026", "Groupe": "Hôtes"}],
        headers=["Mois", "Groupe", "Other"],
    )
    inspection = import_inspect(file=io.BytesIO(data), file_name="x.csv")
    assert inspection.match.columns == {0: "month"}
    assert inspection.match.unmatched == ["Groupe", "Other"]
    assert inspection.distinct["month"] == ["mars 2026"]
    assert [p.code for p in inspection.problems][0] == "missing_columns"


# --- planning figures --------------------------------------------------------------------------


PLANNING = (
    "P-code;AoR;Population group;PiN;Targeted;Severity\n"
    "ML05;PRO;IDP;12000;8000;4\n"
    "ML0501;PRO-CPN;;3000;1500;5\n"
)


def test_planning_figures_are_imported_and_updated(ops: Ops) -> None:
    record = planning_import_file(
        by=ops.world.imo,
        operation=ops.operation,
        year=2026,
        file=io.BytesIO(PLANNING.encode()),
        file_name="hno.csv",
    )
    assert record.status == ImportRecord.Status.IMPORTED, record.problems
    assert record.kind == "planning"
    assert record.created_count == 2
    figure = PlanningFigure.objects.get(area__pcode="ML0501")
    assert (figure.body, figure.population_group, figure.people_in_need, figure.severity) == (
        ops.world.cp_aor,
        None,
        3000,
        5,
    )
    again = planning_import_file(
        by=ops.world.imo,
        operation=ops.operation,
        year=2026,
        file=io.BytesIO(PLANNING.replace("12000;8000;4", "13000;8000;4").encode()),
        file_name="hno.csv",
    )
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 1, 1)
    assert PlanningFigure.objects.count() == 2
    assert PlanningFigure.objects.get(area__pcode="ML05").people_in_need == 13000
    assert AuditEntry.objects.filter(entity_type="activities.importrecord").count() == 2


def test_planning_rows_with_problems_reject_the_file(ops: Ops) -> None:
    bad = PLANNING + "ML9999;PRO;IDP;10;5;3\nML05;NOPE;IDP;10;20;9\nML05;PRO;IDP;1;1;1\n"
    record = planning_import_file(
        by=ops.world.imo,
        operation=ops.operation,
        year=2026,
        file=io.BytesIO(bad.encode()),
        file_name="hno.csv",
    )
    assert record.status == ImportRecord.Status.REJECTED
    found = sorted((p["row"], p["code"]) for p in record.problems)
    assert found == [
        (4, "unknown_pcode"),
        (5, "severity_range"),
        (5, "targeted_over_pin"),
        (5, "unknown_body"),
        (6, "duplicate_row"),
    ]
    assert not PlanningFigure.objects.exists()


def test_planning_counts_are_bounded_with_a_clear_message(ops: Ops) -> None:
    record = planning_import_file(
        by=ops.world.imo,
        operation=ops.operation,
        year=2026,
        file=io.BytesIO((PLANNING + "ML04;PRO;IDP;900000000;8000;3\n").encode()),
        file_name="hno.csv",
    )
    assert record.status == ImportRecord.Status.REJECTED
    problem = next(p for p in record.problems if p["row"] == 4)
    assert problem["code"] == "too_large"
    assert "at most 100,000,000" in problem["message"]
    assert not PlanningFigure.objects.exists()


def test_planning_dry_run_and_managers_only(ops: Ops) -> None:
    record = planning_import_file(
        by=ops.world.coordinator,
        operation=ops.operation,
        year=2026,
        file=io.BytesIO(PLANNING.encode()),
        file_name="hno.csv",
        dry_run=True,
    )
    assert record.status == ImportRecord.Status.DRY_RUN
    assert record.created_count == 2
    assert not PlanningFigure.objects.exists()
    with pytest.raises(PermissionDenied):
        planning_import_file(
            by=ops.world.partner,
            operation=ops.operation,
            year=2026,
            file=io.BytesIO(PLANNING.encode()),
            file_name="hno.csv",
        )


def test_successful_import_keeps_the_summaries_fresh(
    ops: Ops, django_capture_on_commit_callbacks: Any
) -> None:
    from tutela.activities.models import SummaryState

    with django_capture_on_commit_callbacks(execute=True):
        upload(ops, xlsx_bytes(rows3()))
    state = SummaryState.objects.get(operation=ops.operation)
    # The import applied its summary delta in its transaction: no rebuild queued.
    assert state.version == 1
    assert state.is_fresh
    assert state.requested_version == 0
