"""Place aliases of an operation: the one lookup both importers call (GazetteerIndex.by_alias),
the settings page (managers only: list with search and paging, add, change, delete), and the CSV
exchange (name, level, pcode: every problem at once, all-or-nothing), each write audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tutela.conftest import World, make_area
from tutela.core.models import AdminArea, AuditEntry, PlaceAlias
from tutela.core.pcodes import GazetteerIndex
from tutela.core.services.place_aliases import place_alias_save, place_aliases_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def villages(world: World, areas: dict[str, AdminArea]) -> dict[str, AdminArea]:
    return {
        "ML050101": make_area("ML050101", "Dandoli", 3, areas["ML0501"]),
        "ML050201": make_area("ML050201", "Fakala", 3, areas["ML0502"]),
        **areas,
    }


def url(name: str, *args: Any) -> str:
    return reverse(f"core:{name}", args=["mali", *args])


def test_by_alias_prefers_the_level_then_any_level_and_checks_the_area_level(
    world: World, villages: dict[str, AdminArea]
) -> None:
    op = world.operation
    place_alias_save(operation=op, by=None, name="Dandoly", level=3, area=villages["ML050101"])
    place_alias_save(operation=op, by=None, name="Fakalla", level=0, area=villages["ML050201"])
    gazetteer = GazetteerIndex.for_operation(op)
    assert gazetteer.by_alias("DANDOLY", level=3).pcode == "ML050101"  # type: ignore[union-attr]
    assert gazetteer.by_alias("Fakalla", level=3).pcode == "ML050201"  # type: ignore[union-attr]
    # An any-level alias of a commune does not name a cercle.
    assert gazetteer.by_alias("Fakalla", level=2) is None
    # Outside the parent the row gives: still the confirmed place (old boundaries).
    mopti = gazetteer.by_pcode("ML0502")
    assert gazetteer.by_alias("Dandoly", level=3, parent=mopti).pcode == "ML050101"  # type: ignore[union-attr]
    # Another operation's aliases are not this one's.
    other = GazetteerIndex.for_operation(world.other_operation)
    assert other.by_alias("Dandoly", level=3) is None


def test_settings_page_is_for_the_operations_managers_only(
    world: World, villages: dict[str, AdminArea], as_user: Any
) -> None:
    assert as_user(world.imo).get(url("place_aliases")).status_code == 200
    assert as_user(world.coordinator).get(url("place_aliases")).status_code == 200
    assert as_user(world.partner).get(url("place_aliases")).status_code == 403
    assert as_user(world.other_operation_user).get(url("place_aliases")).status_code == 404
    assert as_user(world.outsider).get(url("place_aliases_export")).status_code == 404
    assert (
        as_user(world.partner)
        .post(url("place_aliases"), {"name": "X", "level": "3", "pcode": "ML050101"})
        .status_code
        == 403
    )
    assert not PlaceAlias.objects.exists()


def test_add_change_delete_search_and_page_are_audited(
    world: World, villages: dict[str, AdminArea], as_user: Any
) -> None:
    client = as_user(world.imo)
    response = client.post(
        url("place_aliases"), {"name": "Dandoly", "level": "3", "pcode": "ml050101"}
    )
    assert response.status_code == 302
    alias = PlaceAlias.objects.get()
    assert (alias.name_key, alias.area.pcode, alias.source) == ("dandoly", "ML050101", "entered")
    # A P-code of another level, or of no place of the operation, is refused on the form.
    page = client.post(url("place_aliases"), {"name": "Bandi", "level": "2", "pcode": "ML050101"})
    assert "admin 3 area, not admin 2" in page.content.decode()
    page = client.post(url("place_aliases"), {"name": "Bandi", "level": "2", "pcode": "CO05"})
    assert "not a P-code of this operation" in page.content.decode()
    client.post(
        url("place_alias_edit", alias.pk), {"name": "Dandolly", "level": "0", "pcode": "ML050101"}
    )
    alias.refresh_from_db()
    assert (alias.name, alias.level) == ("Dandolly", 0)
    for number in range(60):
        place_alias_save(
            operation=world.operation, by=None, name=f"Hameau {number}", level=3,
            area=villages["ML050201"],
        )  # fmt: skip
    listing = client.get(url("place_aliases"), {"q": "dandolly"}).content.decode()
    assert "Dandolly" in listing
    assert "Hameau" not in listing
    assert "Page 1 of 2" in client.get(url("place_aliases")).content.decode()
    client.post(url("place_alias_delete", alias.pk))
    assert not PlaceAlias.objects.filter(pk=alias.pk).exists()
    actions = list(
        AuditEntry.objects.filter(entity_type="core.placealias", actor=world.imo)
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "update", "delete"]


def test_csv_round_trip_and_every_problem_at_once_nothing_imported(
    world: World, villages: dict[str, AdminArea], as_user: Any
) -> None:
    client = as_user(world.imo)
    good = "name;level;pcode\nDandoly;3;ML050101\n=Fakalla;;ml050201\n".encode("cp1252")
    response = client.post(
        url("place_aliases_import"), {"file": SimpleUploadedFile("a.csv", good)}, follow=True
    )
    assert "2 place aliases added" in response.content.decode()
    assert sorted(PlaceAlias.objects.values_list("name", "level", "area__pcode")) == [
        ("=Fakalla", 0, "ML050201"),
        ("Dandoly", 3, "ML050101"),
    ]
    exported = client.get(url("place_aliases_export"))
    text = exported.content.decode("utf-8-sig")
    assert text.splitlines() == ["name,level,pcode", "Dandoly,3,ML050101", "'=Fakalla,,ML050201"]
    assert AuditEntry.objects.filter(action="export", entity_type="core.placealias").exists()
    # The export imports into another operation's page unchanged... here, back into this one:
    # nothing changes.
    again = client.post(
        url("place_aliases_import"),
        {"file": SimpleUploadedFile("b.csv", exported.content)},
        follow=True,
    )
    assert "0 place aliases added, 0 changed" in again.content.decode()
    bad = (
        b"name,level,pcode\n"
        b"Kani,3,ML059999\n"  # no such place
        b",3,ML050101\n"  # no name
        b"Sofara,7,ML050101\n"  # no such level
        b"Djenne ville,2,ML050201\n"  # a commune is not a cercle
        b"Nouveau,3,ML050201\n"  # good, but the file has errors
    )
    response = client.post(
        url("place_aliases_import"), {"file": SimpleUploadedFile("c.csv", bad)}, follow=True
    )
    body = response.content.decode()
    for row in ("Row 2", "Row 3", "Row 4", "Row 5"):
        assert row in body
    assert "Nothing was imported" in body
    assert not PlaceAlias.objects.filter(name="Nouveau").exists()
    assert PlaceAlias.objects.count() == 2
    assert place_aliases_csv(world.other_operation) == "name,level,pcode\r\n"
