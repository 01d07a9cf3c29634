"""Probable duplicates across organisations: flagged on save, merged or kept apart by an analyst."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tutela.core.models import AuditEntry
from tutela.monitoring.incidents.data import PeopleCount
from tutela.monitoring.models import DuplicateFlag, Incident, MonitoringSettings
from tutela.monitoring.services.duplicates import (
    duplicate_keep,
    duplicate_merge,
    duplicates_to_review,
)
from tutela.monitoring.services.incidents import incident_delete, incident_update
from tutela.monitoring.tests.incident_fixtures import MARCH_10, Mon, data, mon_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def other(mon: Mon, **changes):
    return mon.record(organisation=mon.world.other_org, by=mon.world.other_partner, **changes)


def test_same_event_from_two_organisations_is_flagged(mon):
    first = mon.record()
    second = other(
        mon,
        occurred_on=MARCH_10 + datetime.timedelta(days=1),
        people=[PeopleCount("F", "18-59", False, None, 4)],
    )

    flag = DuplicateFlag.objects.get()
    assert (flag.incident, flag.other) == (first, second)
    assert flag.status == DuplicateFlag.Status.OPEN
    assert 0.5 < flag.score <= 1


def test_same_admin2_counts_as_the_same_place(mon):
    mon.record(area_pcode="ML050101")
    other(mon, area_pcode="ML050102")
    assert DuplicateFlag.objects.count() == 1


@pytest.mark.parametrize(
    "changes",
    [
        {
            "occurred_on": MARCH_10 + datetime.timedelta(days=4),
            "reported_on": datetime.date(2026, 3, 20),
        },
        {"area_pcode": "ML0502"},
        {"risks": [("R12", "theft")]},
        {"people": [PeopleCount("F", "18-59", False, None, 7)]},
    ],
)
def test_different_events_are_not_flagged(mon, changes):
    mon.record()
    other(mon, **changes)
    assert not DuplicateFlag.objects.exists()


def test_records_of_one_organisation_from_one_source_are_not_flagged(mon):
    mon.record()
    mon.record()
    assert not DuplicateFlag.objects.exists()


def test_one_organisations_records_from_two_sources_are_flagged(mon):
    """Several sources, one picture: the network's record and the same event in an imported
    ACLED export (a secondary source) are flagged for the analyst."""
    network = mon.record()
    acled = mon.record(
        source="secondary_source",
        source_name="Studio Tamani",
        occurred_on=MARCH_10 + datetime.timedelta(days=1),
    )
    flag = DuplicateFlag.objects.get()
    assert {flag.incident, flag.other} == {network, acled}
    assert flag in duplicates_to_review(mon.world.operation)
    # Merged, the ACLED record stops being counted: trends count the event once.
    duplicate_merge(flag=flag, by=mon.analyst, keep=network)
    acled.refresh_from_db()
    assert acled.merged_into == network


def test_gbv_records_are_never_compared_across_organisations(mon):
    mon.record(risks=[("R08", "gbv_rape")])
    other(mon, risks=[("R08", "gbv_rape")])
    assert not DuplicateFlag.objects.exists()


def test_window_comes_from_the_operation_settings(mon):
    MonitoringSettings.objects.filter(operation=mon.operation).update(duplicate_window_days=7)
    mon.record()
    other(
        mon,
        occurred_on=MARCH_10 + datetime.timedelta(days=6),
        reported_on=datetime.date(2026, 3, 20),
    )
    assert DuplicateFlag.objects.count() == 1


def test_merge_points_the_other_record_to_the_one_kept(mon):
    first = mon.record()
    second = other(mon)
    flag = DuplicateFlag.objects.get()

    duplicate_merge(flag=flag, by=mon.analyst, keep=second)

    first.refresh_from_db()
    flag.refresh_from_db()
    assert first.merged_into == second
    assert Incident.objects.count() == 2  # both sources kept
    assert flag.status == DuplicateFlag.Status.MERGED
    assert flag.decided_by == mon.analyst
    assert flag.decided_at
    entry = AuditEntry.objects.get(
        entity_type="monitoring.incident", entity_id=str(first.pk), action="update"
    )
    assert entry.after == {"merged_into_id": second.pk}
    assert AuditEntry.objects.filter(entity_type="monitoring.duplicateflag").count() == 1
    assert not duplicates_to_review(mon.operation).exists()


def test_keep_apart_closes_the_flag(mon):
    mon.record()
    other(mon)
    flag = DuplicateFlag.objects.get()

    duplicate_keep(flag=flag, by=mon.analyst)

    flag.refresh_from_db()
    assert flag.status == DuplicateFlag.Status.KEPT
    assert not Incident.objects.exclude(merged_into=None).exists()
    # A decided pair is not flagged again when a record changes.
    incident_update(
        incident=flag.incident, by=mon.world.partner, data=data(verification="verified")
    )
    assert DuplicateFlag.objects.get().status == DuplicateFlag.Status.KEPT


def test_only_analysts_decide(mon):
    mon.record()
    other(mon)
    flag = DuplicateFlag.objects.get()
    for user in (mon.world.coordinator, mon.world.partner, mon.world.outsider):
        with pytest.raises(PermissionDenied):
            duplicate_keep(flag=flag, by=user)
        with pytest.raises(PermissionDenied):
            duplicate_merge(flag=flag, by=user, keep=flag.incident)
    flag.refresh_from_db()
    assert flag.status == DuplicateFlag.Status.OPEN


def test_a_decided_pair_cannot_be_decided_again(mon):
    mon.record()
    second = other(mon)
    flag = DuplicateFlag.objects.get()
    duplicate_keep(flag=flag, by=mon.analyst)
    with pytest.raises(ValidationError):
        duplicate_merge(flag=flag, by=mon.analyst, keep=second)


def test_the_record_kept_must_be_one_of_the_pair(mon):
    mon.record()
    other(mon)
    stranger = mon.record(area_pcode="ML04")
    flag = DuplicateFlag.objects.get()
    with pytest.raises(ValidationError):
        duplicate_merge(flag=flag, by=mon.analyst, keep=stranger)


def test_deleting_the_survivor_counts_the_merged_record_again(mon):
    first = mon.record()
    second = other(mon)
    duplicate_merge(flag=DuplicateFlag.objects.get(), by=mon.analyst, keep=second)

    incident_delete(incident=second, by=mon.world.other_partner)

    first.refresh_from_db()
    assert first.merged_into is None


def test_a_merged_record_is_not_flagged_again(mon):
    mon.record()
    second = other(mon)
    duplicate_merge(flag=DuplicateFlag.objects.get(), by=mon.analyst, keep=second)
    third = mon.record(organisation=mon.world.drc)
    # The new record pairs with the survivor only.
    assert list(DuplicateFlag.objects.filter(status="open").values_list("incident", "other")) == [
        (second.pk, third.pk)
    ]
