"""The monitoring mapping page's value mapping: every distinct value with its count, labels of
several words kept whole (a local event type), keyed by the value, suggestions in bulk."""

from __future__ import annotations

from typing import Any

import pytest

from tutela.conftest import World
from tutela.core.imports.value_lists import value_field_name
from tutela.monitoring.models import MonitoringMapping
from tutela.monitoring.services.reference import monitoring_seed
from tutela.monitoring.tests.import_helpers import csv_bytes
from tutela.monitoring.tests.test_import_pages import dry_run, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(world: World) -> World:
    monitoring_seed(operation=world.operation)
    return world


POST = {
    "name": "ACLED local",
    "col_0": "occurred_on",
    "col_1": "admin2_name",
    "col_2": "risks",
}
TYPES = [f"Event type {n:02d}" for n in range(40)]


def test_every_value_is_listed_whole_with_its_count(seeded: World, as_user: Any) -> None:
    rows = [["2026-03-01", "Bandiagara", kind] for kind in TYPES]
    rows += [["2026-03-02", "Bandiagara", "Vol de bétail armé"]] * 4
    record = dry_run(seeded, csv_bytes(["Quand", "Cercle", "Quoi"], rows))
    client = as_user(seeded.partner)
    response = client.post(url("import_mapping", record.pk), POST)
    page = response.content.decode()
    rows_shown = response.context["values_shown"]
    assert response.context["values_view"].total == 41
    # The label of three words is one value, the most frequent, with its count.
    first, _field = rows_shown[0]
    assert (first.value, first.count) == ("Vol de bétail armé", 4)
    assert not any(row.value in ("Vol", "de", "bétail", "armé") for row, _f in rows_shown)
    for kind in TYPES:
        assert f'name="{value_field_name("risks", kind)}"' in page


def test_a_suggestion_accepted_in_bulk_is_saved_by_value(seeded: World, as_user: Any) -> None:
    rows = [
        ["2026-03-01", "Bandiagara", "Unlawfull kiling"],
        ["2026-03-01", "Bandiagara", "Tuerie"],
    ]
    record = dry_run(seeded, csv_bytes(["Quand", "Cercle", "Quoi"], rows))
    client = as_user(seeded.partner)
    response = client.post(url("import_mapping", record.pk), POST)
    rows_shown = {row.value: row for row, _f in response.context["values_shown"]}
    assert "Tuerie" in rows_shown
    response = client.post(url("import_mapping", record.pk), {**POST, "accept": "page"})
    form = response.context["form"]
    suggested = {r.value: r.suggestion for r in form.value_rows if r.suggestion}
    assert suggested == {"Unlawfull kiling": "killing"}
    for value, code in suggested.items():
        assert form[value_field_name("risks", value)].value() == code
    tuerie = value_field_name("risks", "Tuerie")
    data = {**POST, "asked": response.context["asked"], tuerie: "killing"}
    data.update({value_field_name("risks", v): c for v, c in suggested.items()})
    response = client.post(url("import_mapping", record.pk), data)
    assert response.status_code == 302
    assert MonitoringMapping.objects.get().values["risks"]["Tuerie"] == "killing"
