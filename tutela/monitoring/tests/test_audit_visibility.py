"""The audit log shows incident entries with the same rules as the incidents, and its
fingerprints of narratives cannot confirm a guessed text."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tutela.core.models import AuditEntry
from tutela.monitoring.access import incident_get_for_user
from tutela.monitoring.services.incidents import incident_delete, incident_update
from tutela.monitoring.tests.incident_fixtures import Mon, data, gbv, mon_fixture  # noqa: F401

pytestmark = pytest.mark.django_db
AUDIT = "/api/v1/operations/mali/audit/"


def api_entries(user: Any) -> list[dict[str, Any]]:
    client = APIClient()
    client.force_authenticate(user)
    response = client.get(AUDIT, {"page_size": 500})
    assert response.status_code == 200
    return list(response.json()["results"])


def page_text(as_user: Any, user: Any) -> str:
    response = as_user(user).get(reverse("core:audit_log", args=["mali"]))
    assert response.status_code == 200
    return response.content.decode()


def incident_ids(entries: list[dict[str, Any]]) -> set[str]:
    return {e["entity_id"] for e in entries if e["entity_type"] == "monitoring.incident"}


@pytest.fixture
def others(mon: Mon) -> dict[str, Any]:
    """OTHER's unshared GBV record (created, read, changed) and non-GBV record; UNHCR's own."""
    w = mon.world
    secret = mon.record(
        organisation=w.other_org, by=w.other_partner, **vars(gbv(site="Hameau de Kani"))
    )
    incident_get_for_user(w.other_partner, mon.operation, secret.pk)
    incident_update(incident=secret, by=w.other_partner, data=gbv(site="Kani-Bonzon"))
    plain = mon.record(organisation=w.other_org, by=w.other_partner, area_pcode="ML04")
    own = mon.record(organisation=w.unhcr, by=w.coordinator)
    return {"secret": secret, "plain": plain, "own": own}


def test_coordinator_does_not_see_other_organisations_incidents_in_the_log(
    mon: Mon, others: dict[str, Any], as_user: Any
) -> None:
    w = mon.world
    ids = incident_ids(api_entries(w.coordinator))
    assert str(others["secret"].pk) not in ids
    assert str(others["plain"].pk) not in ids
    # Their own organisation's record is theirs to audit.
    assert str(others["own"].pk) in ids
    text = page_text(as_user, w.coordinator)
    assert others["secret"].reference not in text
    assert "Kani" not in text
    assert others["own"].reference in text


def test_analyst_sees_non_gbv_records_of_others_but_not_their_gbv(
    mon: Mon, others: dict[str, Any]
) -> None:
    ids = incident_ids(api_entries(mon.analyst))
    assert str(others["plain"].pk) in ids
    assert str(others["secret"].pk) not in ids


def test_deleted_record_stays_hidden_from_others_and_visible_to_its_organisation(
    mon: Mon, others: dict[str, Any]
) -> None:
    w = mon.world
    own, secret = others["own"], others["secret"]
    own_pk, secret_pk = str(own.pk), str(secret.pk)
    incident_delete(incident=own, by=w.coordinator)
    incident_delete(incident=secret, by=w.other_partner)
    seen = [e for e in api_entries(w.coordinator) if e["entity_id"] == own_pk]
    assert {e["action"] for e in seen} >= {"create", "delete"}
    assert secret_pk not in incident_ids(api_entries(w.coordinator))
    assert secret_pk not in incident_ids(api_entries(mon.analyst))


def test_entries_written_before_the_rule_are_filtered_too(mon: Mon, others: dict[str, Any]) -> None:
    """Rows already in the log (written with the old, unsalted fingerprint) go through the same
    filter: nothing has to be rewritten in the append-only log."""
    secret = others["secret"]
    AuditEntry.objects.create(
        operation=mon.operation,
        action=AuditEntry.Action.UPDATE,
        entity_type="monitoring.incident",
        entity_id=str(secret.pk),
        summary=secret.reference,
        after={"narrative": "[encrypted #0badc0de]", "is_gbv": True},
    )
    assert str(secret.pk) not in incident_ids(api_entries(mon.world.coordinator))


def test_same_narrative_in_two_records_gets_different_fingerprints(mon: Mon) -> None:
    """A guessed text written into one's own record cannot be matched with another record's."""
    w = mon.world
    text = "Une femme a été agressée près du puits."
    theirs = mon.record(organisation=w.other_org, by=w.other_partner, narrative=text)
    guess = mon.record(narrative=text)
    prints = {
        e.entity_id: e.after["narrative"]
        for e in AuditEntry.objects.filter(entity_type="monitoring.incident", action="create")
    }
    assert prints[str(theirs.pk)].startswith("[encrypted #")
    assert prints[str(theirs.pk)] != prints[str(guess.pk)]


def test_a_changed_narrative_still_shows_as_changed(mon: Mon) -> None:
    incident = mon.record(narrative="Premier texte.")
    incident_update(incident=incident, by=mon.world.partner, data=data(narrative="Second texte."))
    entry = AuditEntry.objects.get(entity_type="monitoring.incident", action="update")
    assert entry.before["narrative"] != entry.after["narrative"]
    incident_update(incident=incident, by=mon.world.partner, data=data(narrative="Second texte."))
    # Saving the same text again changes nothing, so no entry is written.
    assert (
        AuditEntry.objects.filter(entity_type="monitoring.incident", action="update").count() == 1
    )


def test_duplicate_reviews_are_shown_to_analysts_only(mon: Mon) -> None:
    AuditEntry.objects.create(
        operation=mon.operation,
        action=AuditEntry.Action.UPDATE,
        entity_type="monitoring.duplicateflag",
        entity_id="1",
        summary="1 ~ 2",
    )
    assert not [e for e in api_entries(mon.world.coordinator) if e["entity_type"].endswith("flag")]
    assert [e for e in api_entries(mon.analyst) if e["entity_type"].endswith("flag")]
