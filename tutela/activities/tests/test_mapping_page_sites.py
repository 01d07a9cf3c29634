"""The column mapping page with a site-level Spanish 5W (three header rows, age bands of its own,
no organisation or modality column): several columns added into one count with a preview of the
sums, a value for every row of the fields the file lacks, "ignore" remembered, and a warning for
a column of numbers left out."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tutela.activities.models import ColumnMapping, ImportRecord
from tutela.activities.tests.real_files import LABELS, site_row, site_workbook
from tutela.activities.tests.reporting_fixtures import fivew_fixture  # noqa: F401
from tutela.core.models import Delegation
from tutela.core.services.delegations import delegation_grant

pytestmark = pytest.mark.django_db

UPLOAD = "/o/mali/5w/upload/"
SUMMED = {
    "Niñas 0-3": "girls",
    "Niñas 4-11": "girls",
    "Niñas 12-17": "girls",
    "Niños 0-3": "boys",
    "Niños 4-11": "boys",
    "Niños 12-17": "boys",
    "Tipo de población": "population_group",
}


def workbook(name: str = "5W_marzo.xlsx") -> SimpleUploadedFile:
    content = site_workbook(
        [
            site_row(),
            site_row(site="Centro de salud El Carmen", code="S-002", girls=(0, 3, 2)),
        ]
    )
    return SimpleUploadedFile(name, content)


def chosen_columns(page: str) -> dict[str, str]:
    """The form's column choices as the page offers them, with the file's own age bands and
    population column mapped, and the percentage column ignored."""
    data: dict[str, str] = {}
    for key, label in re.findall(r'<label for="id_(col_\d+)">([^<]+)</label>', page):
        selected = re.search(
            rf'<select name="{key}"[^>]*>.*?<option value="([^"]*)" selected>', page, re.S
        )
        data[key] = SUMMED.get(label, selected.group(1) if selected else "")
        if label == "% mujeres":
            data[key] = ""
    return data


def test_mapping_page_adds_up_columns_sets_constants_and_remembers_ignore(fivew, as_user):
    world = fivew.world
    # AMSS lets the operation's managers report for it (the IMO imports the cluster's file).
    delegation_grant(
        by=world.partner,
        operation=fivew.operation,
        organisation=world.amss,
        scope=Delegation.Scope.ACTIVITIES,
    )
    client = as_user(world.imo)
    client.post(UPLOAD, {"file": workbook(), "dry_run": "on"})
    record = ImportRecord.objects.latest("pk")
    assert record.status == ImportRecord.Status.REJECTED
    # The age bands nobody mapped yet are not dropped silently.
    warned = [p for p in record.problems if p["code"] == "unused_numbers"]
    assert {p["column"] for p in warned} >= {"Niñas 4-11", "Niños 12-17"}
    url = f"/o/mali/5w/imports/{record.pk}/mapping/"
    page = client.get(url).content.decode()
    assert "Fields the file has no column for" in page
    assert 'name="const_organisation"' in page
    data = {
        **chosen_columns(page),
        "const_organisation": "AMSS",
        "const_modality": "in_person",
        "name": "Clúster sitios",
        "asked": "population_group,status",
        "preview": "1",
    }
    assert len([k for k in data if k.startswith("col_")]) == len(LABELS)
    preview = client.post(url, data)
    assert preview.status_code == 200
    html = preview.content.decode()
    assert not ColumnMapping.objects.exists()
    # The sums of the first rows, shown before anything is saved: 2 + 5 + 3 = 10 girls.
    assert "Niñas 0-3 + Niñas 4-11 + Niñas 12-17" in html
    assert re.search(r"<td>2 \+ 5 \+ 3</td><td class=\"num sum\">10</td>", html), html
    assert re.search(r"<td>0 \+ 3 \+ 2</td><td class=\"num sum\">5</td>", html)

    # The file's words for population groups and statuses are known ones: nothing is asked.
    assert "val_population_group_" not in html
    assert "val_status_" not in html
    del data["preview"]
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    mapping = ColumnMapping.objects.get(name="Clúster sitios")
    assert [h for h, f in mapping.columns.items() if f == "girls"] == [
        "Niñas 0-3",
        "Niñas 4-11",
        "Niñas 12-17",
    ]
    assert mapping.columns["% mujeres"] == ""
    assert mapping.values["organisation"] == {"": "AMSS"}
    assert mapping.values["modality"] == {"": "in_person"}
    checked = ImportRecord.objects.latest("pk")
    assert checked.status == ImportRecord.Status.DRY_RUN, checked.problems
    assert checked.created_count == 2
    assert not [p for p in checked.problems if p["code"] == "unused_numbers"]

    # Next month's file with the saved mapping: no question, and the ignored column stays so.
    client.post(UPLOAD, {"file": workbook("5W_abril.xlsx"), "mapping": mapping.pk, "dry_run": "on"})
    again = ImportRecord.objects.latest("pk")
    assert again.status == ImportRecord.Status.DRY_RUN, again.problems
    assert again.warning_count == 0, again.problems


def test_only_counts_may_come_from_several_columns(fivew, as_user):
    client = as_user(fivew.world.imo)
    client.post(UPLOAD, {"file": workbook(), "dry_run": "on"})
    record = ImportRecord.objects.latest("pk")
    url = f"/o/mali/5w/imports/{record.pk}/mapping/"
    data = chosen_columns(client.get(url).content.decode())
    # Two columns for the site name: refused, nothing saved.
    keys = sorted(data, key=lambda k: int(k[4:]))
    data[keys[4]] = data[keys[5]] = "site"
    response = client.post(url, {**data, "name": "Wrong"})
    assert response.status_code == 200
    assert "only counts can add several columns" in response.content.decode()
    assert not ColumnMapping.objects.exists()
