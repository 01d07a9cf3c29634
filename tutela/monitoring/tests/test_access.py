"""Who sees, edits and reads incident records (tutela.monitoring.access), persona by persona."""

from __future__ import annotations

import pytest
from django.http import Http404

from tutela.core.models import AuditEntry, OperationRole
from tutela.monitoring.access import (
    can_edit,
    can_read_narrative,
    can_record,
    gbv_sharing_organisations,
    incident_get_for_user,
    incidents_for_user,
    is_analyst,
)
from tutela.monitoring.models import SharingAgreement
from tutela.monitoring.tests.incident_fixtures import Mon, gbv, mon_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(mon: Mon):
    w = mon.world
    return {
        "amss": mon.record(),
        "amss_gbv": mon.record(**vars(gbv())),
        "other": mon.record(organisation=w.other_org, by=w.other_partner, area_pcode="ML04"),
        "other_gbv": mon.record(organisation=w.other_org, by=w.other_partner, **vars(gbv())),
    }


def visible(user, mon):
    return set(incidents_for_user(user, mon.operation).values_list("pk", flat=True))


def ids(records, *names):
    return {records[n].pk for n in names}


def test_members_of_the_reporting_organisation_see_its_records(mon, records):
    w = mon.world
    assert visible(w.partner, mon) == ids(records, "amss", "amss_gbv")
    assert visible(w.caseworker, mon) == ids(records, "amss", "amss_gbv")
    assert visible(w.other_partner, mon) == ids(records, "other", "other_gbv")


def test_analysts_see_other_organisations_non_gbv_records(mon, records):
    # The IMO (UNHCR) is the designated analyst: no own records, others' non-GBV ones.
    assert visible(mon.analyst, mon) == ids(records, "amss", "other")


def test_an_analyst_sees_all_of_their_own_organisations_records(mon, records):
    mon.operation.monitoring_settings.analysts.add(mon.world.partner)
    assert visible(mon.world.partner, mon) == ids(records, "amss", "amss_gbv", "other")


@pytest.mark.parametrize("persona", ["coordinator", "viewer", "outsider", "other_operation_user"])
def test_everyone_else_sees_no_record(mon, records, persona):
    assert visible(getattr(mon.world, persona), mon) == set()


def test_a_viewer_of_a_member_organisation_does_not_see_its_records(mon, records):
    donor = mon.world.viewer
    donor.organisation = mon.world.amss
    donor.save()
    assert visible(donor, mon) == set()
    assert not can_record(donor, mon.operation)


def test_who_may_record(mon):
    w = mon.world
    assert can_record(w.partner, mon.operation)
    assert can_record(w.caseworker, mon.operation)
    assert can_record(w.coordinator, mon.operation)  # for UNHCR
    for user in (w.outsider, w.viewer, w.other_operation_user):
        assert not can_record(user, mon.operation)
    OperationRole.objects.filter(user=w.partner).delete()
    w.partner.__dict__.pop("_tutela_role_map", None)
    assert not can_record(w.partner, mon.operation)


def test_get_for_user_audits_the_read_and_hides_what_is_not_theirs(mon, records):
    incident = incident_get_for_user(mon.world.partner, mon.operation, records["amss"].pk)

    assert incident == records["amss"]
    entry = AuditEntry.objects.get(action="read", entity_id=str(incident.pk))
    assert entry.actor == mon.world.partner
    for user, name in [
        (mon.world.partner, "other"),
        (mon.world.other_partner, "amss"),
        (mon.analyst, "amss_gbv"),
        (mon.world.coordinator, "amss"),
        (mon.world.outsider, "amss"),
        (mon.world.other_operation_user, "amss"),
    ]:
        with pytest.raises(Http404):
            incident_get_for_user(user, mon.operation, records[name].pk)
    with pytest.raises(Http404):
        incident_get_for_user(mon.world.partner, mon.operation, "nonsense")
    assert AuditEntry.objects.filter(action="read").count() == 1


def test_another_operations_records_are_not_found_through_this_one(mon, records):
    with pytest.raises(Http404):
        incident_get_for_user(mon.world.partner, mon.world.other_operation, records["amss"].pk)


def test_narrative_readers(mon, records):
    w = mon.world
    assert can_read_narrative(w.partner, records["amss"])
    assert can_read_narrative(w.partner, records["amss_gbv"])
    assert can_read_narrative(mon.analyst, records["amss"])
    assert not can_read_narrative(mon.analyst, records["amss_gbv"])
    assert not can_read_narrative(w.coordinator, records["amss"])
    assert not can_read_narrative(w.other_partner, records["amss"])


def test_only_the_reporting_organisation_edits(mon, records):
    assert can_edit(mon.world.partner, records["amss"])
    assert can_edit(mon.world.caseworker, records["amss_gbv"])
    assert not can_edit(mon.analyst, records["amss"])
    assert not can_edit(mon.world.other_partner, records["amss"])
    assert not can_edit(mon.world.coordinator, records["amss"])


def test_analyst_designation(mon):
    assert is_analyst(mon.analyst, mon.operation)
    assert not is_analyst(mon.world.coordinator, mon.operation)
    assert not is_analyst(mon.analyst, mon.world.other_operation)


def test_gbv_sharing_organisations(mon):
    SharingAgreement.objects.create(
        operation=mon.operation, organisation=mon.world.amss, shares_gbv_aggregates=True
    )
    SharingAgreement.objects.create(
        operation=mon.operation, organisation=mon.world.drc, shares_gbv_aggregates=False
    )
    assert gbv_sharing_organisations(mon.operation) == {mon.world.amss.pk}
    assert gbv_sharing_organisations(mon.world.other_operation) == set()
