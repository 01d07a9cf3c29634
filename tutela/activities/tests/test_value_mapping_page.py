"""The 5W mapping page's value mapping: every distinct value of a coded column with its count
(not the first 30), keyed by the value, searched and paged, suggestions accepted in bulk, and
the values of earlier files remembered by the saved mapping."""

from __future__ import annotations

import re

import pytest

from tutela.activities.models import ColumnMapping
from tutela.activities.tests.reporting_fixtures import fivew_fixture  # noqa: F401
from tutela.activities.tests.test_upload_pages import (
    OWN_HEADER,
    columns_chosen,
    csv_file,
    latest,
    upload,
)
from tutela.core.imports.value_lists import value_field_name

pytestmark = pytest.mark.django_db

GROUPS = [f"Groupe local {n:02d}" for n in range(80)]


def lines(groups: list[str]) -> list[str]:
    out = [f"2026-03,PRO-PSS,PRO-PSS-01,ML05,ML0501,{group},1" for group in groups]
    # The most frequent value, and one close to a population group's name.
    out += ["2026-03,PRO-PSS,PRO-PSS-01,ML05,ML0501,Nomades du nord,1"] * 3
    out += ["2026-03,PRO-LEG,PRO-LEG-01,ML05,ML0502,Host comunity,2"]
    return out


def shown(page: str) -> dict[str, str]:
    """value -> field name of the selects shown (the hidden ones are not labelled)."""
    return {
        value: key
        for key, value in re.findall(
            r'<label for="id_(val_population_group_[0-9a-f]+)">([^<]+)<', page
        )
    }


@pytest.fixture
def mapping_page(fivew, as_user):
    client = as_user(fivew.world.partner)
    upload(client, csv_file(*lines(GROUPS), header=OWN_HEADER, name="sites.csv"), dry_run="on")
    return client, f"/o/mali/5w/imports/{latest().pk}/mapping/"


def test_every_distinct_value_is_listed_with_its_count_a_page_at_a_time(mapping_page):
    client, url = mapping_page
    response = client.post(url, columns_chosen())
    page = response.content.decode()
    assert "82 values" in page
    assert "page 1 of 2" in page
    visible = shown(page)
    assert len(visible) == 50
    # The most frequent first, with its count.
    assert list(visible)[0] == "Nomades du nord"
    assert re.search(r"Nomades du nord</label></th><td class=\"num\">3</td>", page)
    # Every value has its field, keyed by the value (those of page 2 travel hidden once chosen).
    fields = response.context["form"].fields
    for group in GROUPS:
        assert value_field_name("population_group", group) in fields
    second = client.post(url, {**columns_chosen(), "vpage": "2"}).content.decode()
    assert GROUPS[-1] in shown(second)
    assert "page 2 of 2" in second
    found = client.post(url, {**columns_chosen(), "vq": "local 79", "vnav": "1"}).content.decode()
    assert list(shown(found)) == [GROUPS[-1]]
    assert "1 value" in found
    assert not ColumnMapping.objects.exists()


def test_suggestions_are_accepted_in_bulk_and_choices_on_other_pages_are_kept(mapping_page):
    client, url = mapping_page
    last = value_field_name("population_group", GROUPS[-1])
    host = value_field_name("population_group", "Host comunity")
    # A choice made on page 2, then back to page 1 and "accept all suggestions".
    response = client.post(url, {**columns_chosen(), last: "REF", "accept": "all"})
    page = response.content.decode()
    assert "1 suggestion accepted" in page
    form = response.context["form"]
    assert form[host].value() == "HST"
    assert form[last].value() == "REF"
    assert f'type="hidden" name="{last}" value="REF"' in page
    # Saved: both are in the mapping.
    data = {**columns_chosen(), "asked": "population_group", last: "REF", host: "HST"}
    response = client.post(url, data)
    assert response.status_code == 302
    mapping = ColumnMapping.objects.get(name="Kobo mensuel")
    assert mapping.values["population_group"] == {GROUPS[-1]: "REF", "Host comunity": "HST"}


def test_values_of_earlier_files_are_remembered_by_the_mapping(fivew, as_user):
    client = as_user(fivew.world.partner)
    upload(client, csv_file(*lines(GROUPS[:2]), header=OWN_HEADER, name="march.csv"), dry_run="on")
    url = f"/o/mali/5w/imports/{latest().pk}/mapping/"
    data = {
        **columns_chosen(),
        "asked": "population_group",
        value_field_name("population_group", GROUPS[0]): "IDP",
        value_field_name("population_group", GROUPS[1]): "REF",
        value_field_name("population_group", "Nomades du nord"): "OOC",
        value_field_name("population_group", "Host comunity"): "HST",
    }
    assert client.post(url, data).status_code == 302
    mapping = ColumnMapping.objects.get(name="Kobo mensuel")
    # Next month: a file with one new word, in another order, with the saved mapping.
    april = list(reversed(lines([GROUPS[1], "Groupe nouveau"])))
    upload(client, csv_file(*april, header=OWN_HEADER, name="april.csv"), mapping=mapping.pk)
    record = latest()
    url = f"/o/mali/5w/imports/{record.pk}/mapping/"
    page = client.get(url)
    form = page.context["form"]
    assert form[value_field_name("population_group", GROUPS[1])].value() == "REF"
    assert form[value_field_name("population_group", "Groupe nouveau")].value() in ("", None)
    data = {
        **columns_chosen(),
        "asked": "population_group",
        value_field_name("population_group", GROUPS[1]): "REF",
        value_field_name("population_group", "Nomades du nord"): "OOC",
        value_field_name("population_group", "Host comunity"): "HST",
        value_field_name("population_group", "Groupe nouveau"): "RET",
    }
    assert client.post(url, data).status_code == 302
    mapping.refresh_from_db()
    # The word of March's file only is still there.
    assert mapping.values["population_group"] == {
        GROUPS[0]: "IDP",
        GROUPS[1]: "REF",
        "Nomades du nord": "OOC",
        "Host comunity": "HST",
        "Groupe nouveau": "RET",
    }
