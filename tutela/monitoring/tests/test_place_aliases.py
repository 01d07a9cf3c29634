"""Place aliases in the monitoring importer: a French incident list names a commune the way the
network has always spelt it; the IMO accepts the suggestion once on the check page and next
month's list is read without the question. Mali's real boundaries (COD-AB admin 1-3)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.urls import reverse

from tutela.conftest import World
from tutela.core.models import Delegation, PlaceAlias
from tutela.core.services.delegations import delegation_grant
from tutela.core.services.geography import geo_load_bundled
from tutela.monitoring.models import Incident, MonitoringImport
from tutela.monitoring.services.imports import import_monitoring_file
from tutela.monitoring.services.reference import monitoring_seed

pytestmark = pytest.mark.django_db

HEADERS = [
    "Numéro incident", "Date de l'incident", "Région", "Cercle", "Commune", "Village",
    "Type d'incident", "Auteur présumé", "Source", "Statut de vérification",
    "Description des faits",
]  # fmt: skip


def french_csv(*rows: list[str]) -> bytes:
    # As Excel in French saves a CSV: semicolons and a byte-order mark.
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def incident(number: str, date: str, commune: str, village: str) -> list[str]:
    return [
        number, date, "Mopti", "Douentza", commune, village, "Enlèvement",
        "Groupe armé non étatique", "Informateur clé", "Non vérifié", "ND",
    ]  # fmt: skip


@pytest.fixture
def mali(world: World) -> World:
    geo_load_bundled(country="MLI")
    monitoring_seed(operation=world.operation)
    # AMSS lets the operation's managers import its monitoring data.
    delegation_grant(
        by=world.partner,
        operation=world.operation,
        organisation=world.amss,
        scope=Delegation.Scope.MONITORING,
    )
    return world


def check(world: World, data: bytes, *, dry_run: bool = True) -> MonitoringImport:
    return import_monitoring_file(
        by=world.imo,
        operation=world.operation,
        organisation=world.amss,
        file=io.BytesIO(data),
        file_name="incidents_mars.csv",
        dry_run=dry_run,
    )


def url(name: str, pk: int) -> str:
    return reverse(f"monitoring:{name}", kwargs={"slug": "mali", "pk": pk})


def test_accepted_place_suggestion_is_remembered_for_next_months_list(
    mali: World, as_user: Any
) -> None:
    # "Djaptodi": the network's spelling of the commune the boundaries call Djaptodji.
    first = check(mali, french_csv(incident("AMSS-101", "12/03/2026", "Djaptodi", "Boni")))
    assert first.status == MonitoringImport.Status.REJECTED
    (problem,) = [p for p in first.problems if p["field"] == "admin3_name"]
    assert problem["code"] == "unknown_name"
    assert problem["suggestion"].startswith("ML050405 Djaptodji")
    client = as_user(mali.imo)
    page = client.get(url("import_detail", first.pk)).content.decode()
    assert 'id="place-suggestions"' in page
    client.post(url("import_places", first.pk), {"place_3_djaptodi": "ML050405"})
    rechecked = MonitoringImport.objects.exclude(pk=first.pk).get()
    assert rechecked.status == MonitoringImport.Status.DRY_RUN, rechecked.problems
    alias = PlaceAlias.objects.get()
    assert (alias.name, alias.level, alias.area.pcode) == ("Djaptodi", 3, "ML050405")
    # April's list: the same spelling, no question; the incident is placed in Djaptodji.
    later = check(
        mali,
        french_csv(incident("AMSS-140", "02/04/2026", "DJAPTODI", "Boni")),
        dry_run=False,
    )
    assert later.status == MonitoringImport.Status.IMPORTED, later.problems
    assert Incident.objects.get(external_id="AMSS-140").area.pcode == "ML050405"


def test_accept_every_suggestion_in_bulk(mali: World, as_user: Any) -> None:
    first = check(
        mali,
        french_csv(
            incident("AMSS-101", "12/03/2026", "Djaptodi", "Boni"),
            incident("AMSS-102", "13/03/2026", "Koubewel", "Koundia"),
        ),
    )
    as_user(mali.imo).post(url("import_places", first.pk), {"accept": "all"})
    assert sorted(PlaceAlias.objects.values_list("name", "area__pcode")) == [
        ("Djaptodi", "ML050405"),
        ("Koubewel", "ML050412"),
    ]
    rechecked = MonitoringImport.objects.exclude(pk=first.pk).get()
    assert rechecked.status == MonitoringImport.Status.DRY_RUN, rechecked.problems


def test_partner_sees_no_place_form_and_may_not_post_it(mali: World, as_user: Any) -> None:
    first = import_monitoring_file(
        by=mali.partner,
        operation=mali.operation,
        organisation=None,
        file=io.BytesIO(french_csv(incident("AMSS-101", "12/03/2026", "Djaptodi", "Boni"))),
        file_name="incidents.csv",
        dry_run=True,
    )
    client = as_user(mali.partner)
    page = client.get(url("import_detail", first.pk))
    assert 'id="place-suggestions"' not in page.content.decode()
    assert client.post(url("import_places", first.pk), {"accept": "all"}).status_code == 403
    assert not PlaceAlias.objects.exists()
