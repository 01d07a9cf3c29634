"""The saved 5W mappings page: who sees which mapping, deleting one, and a mapping's value tables
exported and imported as CSV (every problem of a file at once, nothing merged while there is
one)."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tutela.activities.models import ColumnMapping
from tutela.activities.tests.reporting_fixtures import (
    fivew_fixture,  # noqa: F401
)
from tutela.core.models import AuditEntry

pytestmark = pytest.mark.django_db

LIST = "/o/mali/5w/imports/mappings/"

# What a partner's Kobo export mapping holds after a few months: French words for the codes.
VALUES = {
    "population_group": {"Déplacés internes": "IDP", "Communauté hôte": "HST", "Autres": None},
    "status": {"En cours": "ongoing", "Terminé": "completed"},
    "activity": {"Appui psychosocial": "PRO-PSS"},
}


def kobo_mapping(operation, organisation, name="Kobo AMSS", values=None) -> ColumnMapping:
    return ColumnMapping.objects.create(
        operation=operation,
        organisation=organisation,
        name=name,
        columns={"Mois": "month", "Bénéficiaires": "population_group", "Statut": "status"},
        values=VALUES if values is None else values,
    )


def csv_upload(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("values.csv", text.encode("utf-8"), content_type="text/csv")


def url(mapping: ColumnMapping, tail: str = "") -> str:
    return f"{LIST}{mapping.pk}/{tail}"


def test_value_tables_round_trip_through_csv(fivew, as_user):
    world = fivew.world
    source = kobo_mapping(fivew.operation, world.amss)
    target = kobo_mapping(fivew.operation, world.amss, name="Kobo AMSS 2027", values={})
    client = as_user(world.partner)
    response = client.get(url(source, "values.csv"))
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["field", "value", "code"]
    assert ["population_group", "Autres", ""] in rows
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.EXPORT, entity_id=str(source.pk)
    ).exists()
    answer = client.post(url(target, "values/import/"), {"file": csv_upload(text)})
    assert answer.status_code == 302
    target.refresh_from_db()
    assert target.values == VALUES
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.UPDATE, entity_id=str(target.pk)
    ).exists()
    page = client.get(url(target)).content.decode()
    assert "Déplacés internes" in page


def test_a_csv_with_bad_rows_changes_nothing_and_lists_every_problem(fivew, as_user):
    world = fivew.world
    mapping = kobo_mapping(fivew.operation, world.amss)
    bad = (
        "field,value,code\n"
        "status,Suspendu,ongoing\n"
        "cluster,Protection,PRO\n"
        "population_group,Réfugiés,REFUGEES-NOPE\n"
        "status,Suspendu,completed\n"
    )
    client = as_user(world.partner)
    response = client.post(url(mapping, "values/import/"), {"file": csv_upload(bad)}, follow=True)
    shown = [str(m) for m in response.context["messages"]]
    assert any("Row 3" in m and "cluster" in m for m in shown), shown
    assert any("Row 4" in m and "REFUGEES-NOPE" in m for m in shown), shown
    assert any("Row 5" in m and "row 2" in m for m in shown), shown
    assert any("Nothing was imported" in m for m in shown), shown
    mapping.refresh_from_db()
    assert mapping.values == VALUES
    assert not AuditEntry.objects.filter(
        action=AuditEntry.Action.UPDATE, entity_id=str(mapping.pk)
    ).exists()


def test_a_partner_sees_their_own_and_the_shared_mappings_only(fivew, as_user):
    world = fivew.world
    kobo_mapping(fivew.operation, world.amss, name="Kobo AMSS")
    kobo_mapping(fivew.operation, None, name="Shared 3W")
    kobo_mapping(fivew.operation, world.other_org, name="Other's sheet")
    page = as_user(world.partner).get(LIST).content.decode()
    assert "Kobo AMSS" in page
    assert "Shared 3W" in page
    assert "Other&#x27;s sheet" not in page
    assert "Other's sheet" not in page
    manager_page = as_user(world.imo).get(LIST).content.decode()
    assert "Other&#x27;s sheet" in manager_page


def test_a_partner_of_another_organisation_cannot_see_or_change_a_mapping(fivew, as_user):
    world = fivew.world
    mapping = kobo_mapping(fivew.operation, world.amss)
    client = as_user(world.other_partner)
    assert client.get(url(mapping)).status_code == 404
    assert client.get(url(mapping, "values.csv")).status_code == 404
    answer = client.post(
        url(mapping, "values/import/"),
        {"file": csv_upload("field,value,code\nstatus,Fini,completed\n")},
    )
    assert answer.status_code == 404
    assert client.post(url(mapping, "delete/")).status_code == 404
    mapping.refresh_from_db()
    assert mapping.values == VALUES


def test_a_partner_cannot_change_a_shared_mapping(fivew, as_user):
    mapping = kobo_mapping(fivew.operation, None, name="Shared 3W")
    client = as_user(fivew.world.partner)
    assert client.get(url(mapping)).status_code == 200
    assert client.post(url(mapping, "delete/")).status_code == 403
    assert client.get(url(mapping, "values.csv")).status_code == 403
    assert ColumnMapping.objects.filter(pk=mapping.pk).exists()


def test_a_viewer_cannot_open_the_mappings(fivew, as_user):
    mapping = kobo_mapping(fivew.operation, None, name="Shared 3W")
    client = as_user(fivew.world.viewer)
    assert client.get(LIST).status_code == 403
    assert client.get(url(mapping)).status_code == 403
    assert client.post(url(mapping, "delete/")).status_code == 403


def test_a_partner_deletes_their_mapping_after_confirming(fivew, as_user):
    world = fivew.world
    mapping = kobo_mapping(fivew.operation, world.amss)
    client = as_user(world.partner)
    assert client.get(url(mapping, "delete/")).status_code == 200
    assert ColumnMapping.objects.filter(pk=mapping.pk).exists()
    assert client.post(url(mapping, "delete/")).status_code == 302
    assert not ColumnMapping.objects.filter(pk=mapping.pk).exists()
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.DELETE, entity_id=str(mapping.pk)
    ).exists()


def test_the_upload_page_links_the_profiles_and_mappings(fivew, as_user):
    page = as_user(fivew.world.partner).get("/o/mali/5w/upload/").content.decode()
    assert LIST in page
    assert "/o/mali/5w/imports/profiles/" in page
