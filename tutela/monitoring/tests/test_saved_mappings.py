"""Changing saved monitoring import mappings: rename, share with the whole operation (or give to
an organisation), delete. The organisation that owns a mapping and the operation's managers may;
nobody else, and each write is audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tutela.conftest import World
from tutela.core.models import AuditEntry, Organisation
from tutela.monitoring.access import can_change_mapping, changeable_mappings
from tutela.monitoring.models import Kind, MonitoringImport, MonitoringMapping
from tutela.monitoring.services.import_mappings import (
    mapping_delete,
    mapping_rename,
    mapping_share,
    mapping_update,
)

pytestmark = pytest.mark.django_db

ENTITY = "monitoring.monitoringmapping"


def make(world: World, name: str, organisation: Organisation | None, **kwargs: Any) -> Any:
    return MonitoringMapping.objects.create(
        operation=world.operation,
        organisation=organisation,
        kind=kwargs.pop("kind", Kind.INCIDENTS),
        name=name,
        columns={"Date": "occurred_on"},
        **kwargs,
    )


@pytest.fixture
def own(world: World) -> MonitoringMapping:
    """AMSS's mapping (world.partner and world.caseworker are AMSS)."""
    return make(world, "Kobo AMSS", world.amss)


@pytest.fixture
def shared(world: World) -> MonitoringMapping:
    return make(world, "Cluster form", None)


def audits(mapping: MonitoringMapping, action: str | None = None) -> list[AuditEntry]:
    entries = AuditEntry.objects.filter(entity_type=ENTITY, entity_id=str(mapping.pk))
    if action:
        entries = entries.filter(action=action)
    return list(entries.order_by("pk"))


def before(entry: AuditEntry) -> dict[str, Any]:
    return entry.before or {}


def after(entry: AuditEntry) -> dict[str, Any]:
    return entry.after or {}


def url(name: str, *args: Any) -> str:
    return reverse(f"monitoring:{name}", args=["mali", *args])


# --- services ------------------------------------------------------------------------------------


def test_partner_renames_own_organisations_mapping(world: World, own: MonitoringMapping) -> None:
    mapping_rename(mapping=own, by=world.partner, name="  Kobo AMSS 2026 ")
    own.refresh_from_db()
    assert own.name == "Kobo AMSS 2026"
    (entry,) = audits(own, AuditEntry.Action.UPDATE)
    assert entry.actor == world.partner
    assert entry.operation == world.operation
    assert before(entry)["name"] == "Kobo AMSS"
    assert after(entry)["name"] == "Kobo AMSS 2026"


def test_colleague_of_the_same_organisation_may_rename(
    world: World, own: MonitoringMapping
) -> None:
    mapping_rename(mapping=own, by=world.caseworker, name="Renamed")
    own.refresh_from_db()
    assert own.name == "Renamed"


def test_manager_renames_any_mapping(
    world: World, own: MonitoringMapping, shared: MonitoringMapping
) -> None:
    mapping_rename(mapping=own, by=world.imo, name="AMSS (checked by IMO)")
    mapping_rename(mapping=shared, by=world.coordinator, name="Cluster form v2")
    assert set(MonitoringMapping.objects.values_list("name", flat=True)) == {
        "AMSS (checked by IMO)",
        "Cluster form v2",
    }
    assert len(audits(own)) == len(audits(shared)) == 1


@pytest.mark.parametrize("who", ["other_partner", "viewer", "outsider", "other_operation_user"])
def test_others_may_not_rename_or_delete(world: World, own: MonitoringMapping, who: str) -> None:
    user = getattr(world, who)
    assert not can_change_mapping(user, own)
    with pytest.raises(PermissionDenied):
        mapping_rename(mapping=own, by=user, name="Taken over")
    with pytest.raises(PermissionDenied):
        mapping_delete(mapping=own, by=user)
    own.refresh_from_db()
    assert own.name == "Kobo AMSS"
    assert audits(own) == []


def test_partner_may_not_change_a_shared_mapping(world: World, shared: MonitoringMapping) -> None:
    with pytest.raises(PermissionDenied, match="coordinators"):
        mapping_rename(mapping=shared, by=world.partner, name="Ours now")
    with pytest.raises(PermissionDenied):
        mapping_delete(mapping=shared, by=world.partner)
    assert MonitoringMapping.objects.get(pk=shared.pk).name == "Cluster form"


def test_rename_refuses_an_empty_or_taken_name(
    world: World, own: MonitoringMapping, shared: MonitoringMapping
) -> None:
    with pytest.raises(ValidationError) as empty:
        mapping_rename(mapping=own, by=world.partner, name="   ")
    assert "name" in empty.value.message_dict
    with pytest.raises(ValidationError) as taken:
        mapping_rename(mapping=own, by=world.partner, name="Cluster form")
    assert taken.value.message_dict["name"] == [
        "Another mapping of this kind is already called “Cluster form”."
    ]
    assert MonitoringMapping.objects.get(pk=own.pk).name == "Kobo AMSS"
    assert audits(own) == []


def test_a_name_may_repeat_across_kinds(world: World, own: MonitoringMapping) -> None:
    make(world, "Village survey", world.amss, kind=Kind.COMMUNITY)
    mapping_rename(mapping=own, by=world.partner, name="Village survey")
    assert MonitoringMapping.objects.filter(name="Village survey").count() == 2


def test_same_name_writes_nothing(world: World, own: MonitoringMapping) -> None:
    mapping_rename(mapping=own, by=world.partner, name="Kobo AMSS")
    assert audits(own) == []


def test_manager_shares_and_gives_back_a_mapping(world: World, own: MonitoringMapping) -> None:
    mapping_share(mapping=own, by=world.coordinator, organisation=None)
    own.refresh_from_db()
    assert own.organisation is None
    mapping_share(mapping=own, by=world.imo, organisation=world.drc)
    own.refresh_from_db()
    assert own.organisation == world.drc
    first, second = audits(own, AuditEntry.Action.UPDATE)
    assert before(first)["organisation_id"] == world.amss.pk
    assert after(first)["organisation_id"] is None
    assert after(second)["organisation_id"] == world.drc.pk
    assert second.actor == world.imo


def test_partner_may_not_share(world: World, own: MonitoringMapping) -> None:
    with pytest.raises(PermissionDenied, match="share"):
        mapping_share(mapping=own, by=world.partner, organisation=None)
    assert MonitoringMapping.objects.get(pk=own.pk).organisation == world.amss
    assert audits(own) == []


def test_share_refuses_an_organisation_outside_the_operation(
    world: World, own: MonitoringMapping
) -> None:
    elsewhere = Organisation.objects.create(name="Elsewhere", acronym="ELSE", type="nngo")
    with pytest.raises(ValidationError) as error:
        mapping_share(mapping=own, by=world.coordinator, organisation=elsewhere)
    assert "organisation" in error.value.message_dict
    assert MonitoringMapping.objects.get(pk=own.pk).organisation == world.amss


def test_update_is_all_or_nothing(world: World, own: MonitoringMapping) -> None:
    elsewhere = Organisation.objects.create(name="Elsewhere", acronym="ELSE", type="nngo")
    with pytest.raises(ValidationError):
        mapping_update(mapping=own, by=world.coordinator, name="New name", organisation=elsewhere)
    assert MonitoringMapping.objects.get(pk=own.pk).name == "Kobo AMSS"
    assert audits(own) == []


def test_update_by_a_partner_keeping_the_organisation_renames_only(
    world: World, own: MonitoringMapping
) -> None:
    mapping_update(mapping=own, by=world.partner, name="New name", organisation=world.amss)
    own.refresh_from_db()
    assert (own.name, own.organisation) == ("New name", world.amss)
    with pytest.raises(PermissionDenied):
        mapping_update(mapping=own, by=world.partner, name="New name", organisation=None)


def test_delete_is_audited_and_uploads_keep_their_results(
    world: World, own: MonitoringMapping
) -> None:
    upload = MonitoringImport.objects.create(
        operation=world.operation,
        organisation=world.amss,
        kind=Kind.INCIDENTS,
        file_name="kobo.csv",
        mapping=own,
        status=MonitoringImport.Status.IMPORTED,
    )
    pk = own.pk
    mapping_delete(mapping=own, by=world.partner)
    assert not MonitoringMapping.objects.filter(pk=pk).exists()
    upload.refresh_from_db()
    assert upload.mapping is None
    entry = AuditEntry.objects.get(entity_type=ENTITY, entity_id=str(pk))
    assert entry.action == AuditEntry.Action.DELETE
    assert entry.actor == world.partner
    assert before(entry)["name"] == "Kobo AMSS"


def test_changeable_mappings(
    world: World, own: MonitoringMapping, shared: MonitoringMapping
) -> None:
    theirs = make(world, "Other's", world.other_org)
    every = [own, shared, theirs]
    assert changeable_mappings(world.partner, world.operation, every) == {own.pk}
    assert changeable_mappings(world.other_partner, world.operation, every) == {theirs.pk}
    assert changeable_mappings(world.coordinator, world.operation, every) == {
        own.pk,
        shared.pk,
        theirs.pk,
    }
    assert changeable_mappings(world.viewer, world.operation, every) == set()


# --- pages ---------------------------------------------------------------------------------------


def test_list_shows_change_links_only_for_changeable_mappings(
    world: World, own: MonitoringMapping, shared: MonitoringMapping, as_user: Any
) -> None:
    body = as_user(world.partner).get(url("mapping_list")).content.decode()
    assert url("mapping_edit", own.pk) in body
    assert url("mapping_delete", own.pk) in body
    assert "Cluster form" in body
    assert url("mapping_edit", shared.pk) not in body
    assert url("mapping_delete", shared.pk) not in body
    manager = as_user(world.coordinator).get(url("mapping_list")).content.decode()
    assert url("mapping_edit", shared.pk) in manager


def test_list_without_changeable_mapping_has_no_actions(
    world: World, shared: MonitoringMapping, as_user: Any
) -> None:
    response = as_user(world.other_partner).get(url("mapping_list"))
    assert response.status_code == 200
    assert response.context["changeable"] == set()
    assert url("mapping_edit", shared.pk) not in response.content.decode()


def test_list_empty_state(world: World, as_user: Any) -> None:
    response = as_user(world.partner).get(url("mapping_list"))
    assert response.status_code == 200
    assert 'class="empty"' in response.content.decode()


def test_partner_renames_through_the_page(
    world: World, own: MonitoringMapping, as_user: Any
) -> None:
    client = as_user(world.partner)
    page = client.get(url("mapping_edit", own.pk))
    assert page.status_code == 200
    assert 'name="organisation"' not in page.content.decode()
    response = client.post(url("mapping_edit", own.pk), {"name": "Kobo AMSS v2"})
    assert response.status_code == 302
    assert response["Location"] == url("mapping_list")
    own.refresh_from_db()
    assert (own.name, own.organisation) == ("Kobo AMSS v2", world.amss)
    (entry,) = audits(own, AuditEntry.Action.UPDATE)
    assert entry.actor == world.partner


def test_page_shows_a_duplicate_name(
    world: World, own: MonitoringMapping, shared: MonitoringMapping, as_user: Any
) -> None:
    response = as_user(world.partner).post(url("mapping_edit", own.pk), {"name": "Cluster form"})
    assert response.status_code == 200
    assert "already called" in response.content.decode()
    assert MonitoringMapping.objects.get(pk=own.pk).name == "Kobo AMSS"
    assert audits(own) == []


def test_manager_shares_through_the_page(
    world: World, own: MonitoringMapping, as_user: Any
) -> None:
    client = as_user(world.imo)
    assert 'name="organisation"' in client.get(url("mapping_edit", own.pk)).content.decode()
    response = client.post(url("mapping_edit", own.pk), {"name": "Kobo", "organisation": ""})
    assert response.status_code == 302
    own.refresh_from_db()
    assert (own.name, own.organisation) == ("Kobo", None)
    assert len(audits(own, AuditEntry.Action.UPDATE)) == 2  # renamed, then shared


def test_delete_asks_first_then_deletes_on_post(
    world: World, own: MonitoringMapping, as_user: Any
) -> None:
    client = as_user(world.partner)
    page = client.get(url("mapping_delete", own.pk))
    assert page.status_code == 200
    assert "Kobo AMSS" in page.content.decode()
    assert MonitoringMapping.objects.filter(pk=own.pk).exists()
    response = client.post(url("mapping_delete", own.pk))
    assert response.status_code == 302
    assert response["Location"] == url("mapping_list")
    assert not MonitoringMapping.objects.filter(pk=own.pk).exists()
    assert AuditEntry.objects.filter(
        entity_type=ENTITY, entity_id=str(own.pk), action=AuditEntry.Action.DELETE
    ).exists()


@pytest.mark.parametrize("name", ["mapping_edit", "mapping_delete"])
@pytest.mark.parametrize(
    ("who", "status"),
    [("outsider", 404), ("other_operation_user", 404), ("other_partner", 404), ("viewer", 403)],
)
def test_others_are_refused_on_the_pages(
    world: World, own: MonitoringMapping, as_user: Any, name: str, who: str, status: int
) -> None:
    client = as_user(getattr(world, who))
    assert client.get(url(name, own.pk)).status_code == status
    assert client.post(url(name, own.pk), {"name": "Taken over"}).status_code == status
    own.refresh_from_db()
    assert own.name == "Kobo AMSS"
    assert audits(own) == []


@pytest.mark.parametrize("name", ["mapping_edit", "mapping_delete"])
def test_partner_is_refused_on_a_shared_mapping(
    world: World, shared: MonitoringMapping, as_user: Any, name: str
) -> None:
    client = as_user(world.partner)
    assert client.get(url(name, shared.pk)).status_code == 403
    assert client.post(url(name, shared.pk), {"name": "Ours"}).status_code == 403
    assert MonitoringMapping.objects.get(pk=shared.pk).name == "Cluster form"
    assert audits(shared) == []


def test_anonymous_is_sent_to_sign_in(world: World, own: MonitoringMapping, client: Any) -> None:
    response = client.post(url("mapping_delete", own.pk))
    assert response.status_code == 302
    assert "login" in response["Location"]
    assert MonitoringMapping.objects.filter(pk=own.pk).exists()
