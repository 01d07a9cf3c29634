"""Place aliases in the 5W importer: an old or misspelt village name is suggested once, the IMO
accepts the suggestion on the check page, and next month's file is read without the question."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.urls import reverse

from tutela.activities.models import ActivityReport, ImportRecord
from tutela.activities.services.imports import import_5w_file
from tutela.activities.tests.import_fixtures import (  # noqa: F401
    Ops,
    ops_fixture,
    row,
    xlsx_bytes,
)
from tutela.core.models import AuditEntry, PlaceAlias

pytestmark = pytest.mark.django_db


def check(ops: Ops, data: bytes, name: str = "5w_mars.xlsx") -> ImportRecord:
    return import_5w_file(
        by=ops.world.imo,
        operation=ops.operation,
        organisation=ops.world.amss,
        file=io.BytesIO(data),
        file_name=name,
        dry_run=True,
    )


def village_rows(commune: str, total: int = 27) -> list[dict[str, Any]]:
    # The commune by name only (partners rarely have the admin 3 P-codes), "Dandoly" for the
    # gazetteer's "Dandoli" in an old list.
    return [
        row(admin3_name=commune, women=10 + total - 27, total=total),
        row(admin3_name="Bandiagara Commune", activity="PRO-LEG", indicator=""),
    ]


def url(name: str, pk: int) -> str:
    return reverse(f"activities:{name}", kwargs={"slug": "mali", "pk": pk})


def test_accepted_place_suggestion_is_remembered_for_the_next_file(ops: Ops, as_user: Any) -> None:
    first = check(ops, xlsx_bytes(village_rows("Dandoly")))
    assert first.status == ImportRecord.Status.REJECTED
    (problem,) = [p for p in first.problems if p["field"] == "admin3_name"]
    assert problem["code"] == "unknown_name"
    assert problem["suggestion"].startswith("ML050102 Dandoli")
    client = as_user(ops.world.imo)
    page = client.get(url("import_detail", first.pk)).content.decode()
    assert 'id="place-suggestions"' in page
    assert "Dandoly" in page
    response = client.post(url("import_places", first.pk), {"place_3_dandoly": "ML050102"})
    rechecked = ImportRecord.objects.exclude(pk=first.pk).get()
    assert response.status_code == 302
    assert response["Location"] == url("import_detail", rechecked.pk)
    assert rechecked.status == ImportRecord.Status.DRY_RUN, rechecked.problems
    alias = PlaceAlias.objects.get()
    assert (alias.operation, alias.level, alias.name, alias.area.pcode, alias.source) == (
        ops.operation,
        3,
        "Dandoly",
        "ML050102",
        PlaceAlias.Source.SUGGESTION,
    )
    assert alias.created_by == ops.world.imo
    assert AuditEntry.objects.filter(
        entity_type="core.placealias", action="create", actor=ops.world.imo
    ).exists()
    # Next month's file writes the same name: read as Dandoli with no question at all.
    later = import_5w_file(
        by=ops.world.partner,
        operation=ops.operation,
        file=io.BytesIO(xlsx_bytes(village_rows("DANDOLY", total=30))),
        file_name="5w_avril.xlsx",
    )
    assert later.status == ImportRecord.Status.IMPORTED, later.problems
    assert not [p for p in later.problems if p["field"].startswith("admin")]
    report = ActivityReport.objects.get(activity__code="PRO-PSS")
    assert report.admin3_id == ops.areas["ML050102"].pk


def test_accept_every_suggestion_in_bulk(ops: Ops, as_user: Any) -> None:
    rows = [
        *village_rows("Dandoly"),
        row(admin3_name="Bandiagara Commun", population_group="REF"),
    ]
    first = check(ops, xlsx_bytes(rows))
    client = as_user(ops.world.coordinator)
    client.post(url("import_places", first.pk), {"accept": "all"})
    assert sorted(PlaceAlias.objects.values_list("name", "area__pcode")) == [
        ("Bandiagara Commun", "ML050101"),
        ("Dandoly", "ML050102"),
    ]
    rechecked = ImportRecord.objects.exclude(pk=first.pk).get()
    assert rechecked.status == ImportRecord.Status.DRY_RUN, rechecked.problems
    assert rechecked.warning_count == 0


def test_partner_may_not_accept_place_suggestions(ops: Ops, as_user: Any) -> None:
    first = import_5w_file(
        by=ops.world.partner,
        operation=ops.operation,
        file=io.BytesIO(xlsx_bytes(village_rows("Dandoly"))),
        file_name="5w.xlsx",
        dry_run=True,
    )
    client = as_user(ops.world.partner)
    assert (
        'id="place-suggestions"' not in client.get(url("import_detail", first.pk)).content.decode()
    )
    response = client.post(url("import_places", first.pk), {"accept": "all"})
    assert response.status_code == 403
    assert not PlaceAlias.objects.exists()
