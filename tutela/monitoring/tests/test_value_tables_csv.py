"""A saved mapping's value tables (an ACLED-like event type → protection risk, local words) are
listed on the mapping's page, exported and imported as CSV (field, value, code): every problem of
the file at once, nothing saved while there is one; audited; the people who may change the
mapping only."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tutela.conftest import World
from tutela.core.models import AuditEntry
from tutela.monitoring.models import MonitoringMapping
from tutela.monitoring.services.reference import monitoring_seed

pytestmark = pytest.mark.django_db


@pytest.fixture
def mapping(world: World) -> MonitoringMapping:
    monitoring_seed(operation=world.operation)
    return MonitoringMapping.objects.create(
        operation=world.operation,
        organisation=world.amss,
        kind="incidents",
        name="Réseau AMSS",
        columns={"Date": "occurred_on"},
        values={"risks": {"Menace": "threats", "Bataille": None}, "_typology": "acled"},
    )


def url(name: str, pk: int) -> str:
    return reverse(f"monitoring:{name}", kwargs={"slug": "mali", "pk": pk})


def test_value_tables_listed_exported_and_imported_back(
    world: World, mapping: MonitoringMapping, as_user: Any
) -> None:
    client = as_user(world.partner)
    page = client.get(url("mapping_edit", mapping.pk)).content.decode()
    assert 'id="value-tables"' in page
    assert "Menace" in page
    exported = client.get(url("mapping_values_export", mapping.pk))
    lines = exported.content.decode("utf-8-sig").splitlines()
    assert lines == ["field,value,code", "risks,Menace,threats", "risks,Bataille,"]
    assert AuditEntry.objects.filter(action="export", entity_id=str(mapping.pk)).exists()
    edited = (
        "field;value;code\nrisks;Enlèvement;abduction\nrisks;Menace;R06\nperpetrator;GANE;nsag\n"
    )
    response = client.post(
        url("mapping_values_import", mapping.pk),
        {"file": SimpleUploadedFile("v.csv", edited.encode("cp1252"))},
        follow=True,
    )
    assert "3 values of the file saved" in response.content.decode()
    mapping.refresh_from_db()
    assert mapping.values == {
        "risks": {"Menace": "R06", "Bataille": None, "Enlèvement": "abduction"},
        "perpetrator": {"GANE": "nsag"},
        "_typology": "acled",
    }
    assert AuditEntry.objects.filter(action="update", entity_id=str(mapping.pk)).exists()


def test_every_problem_at_once_and_nothing_saved(
    world: World, mapping: MonitoringMapping, as_user: Any
) -> None:
    bad = (
        b"field,value,code\n"
        b"risks,Pillage,looting-and-more\n"  # no such code
        b"colour,Rouge,red\n"  # no such field
        b"risks,Menace,threats\n"
        b"risks,Menace,abduction\n"  # twice
        b"perpetrator,GANE,nsag\n"  # good, but the file has errors
    )
    response = as_user(world.partner).post(
        url("mapping_values_import", mapping.pk),
        {"file": SimpleUploadedFile("v.csv", bad)},
        follow=True,
    )
    body = response.content.decode()
    for row in ("Row 2", "Row 3", "Row 5"):
        assert row in body
    assert "Nothing was imported" in body
    mapping.refresh_from_db()
    assert "perpetrator" not in mapping.values


def test_only_who_may_change_the_mapping(
    world: World, mapping: MonitoringMapping, as_user: Any
) -> None:
    data = b"field,value,code\nperpetrator,GANE,nsag\n"
    response = as_user(world.other_partner).post(
        url("mapping_values_import", mapping.pk), {"file": SimpleUploadedFile("v.csv", data)}
    )
    assert response.status_code in (403, 404)
    assert as_user(world.outsider).get(url("mapping_values_export", mapping.pk)).status_code == 404
    mapping.refresh_from_db()
    assert "perpetrator" not in mapping.values
