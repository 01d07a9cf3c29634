"""Attendance PUT with a contact id beyond what a database column holds answered 500 (issue 10,
item 15); it is a refused request like any unknown contact."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from tutela.conftest import World
from tutela.coordination.models import Attendance
from tutela.coordination.tests.meeting_helpers import START, cluster_contacts, make_meeting

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("contact_id", [2**63, 2**63 - 1 + 10**6, 2**64, 10**30, 0, -1])
def test_contact_ids_out_of_range_are_refused(world: World, contact_id: int) -> None:
    contacts = cluster_contacts(world)
    meeting = make_meeting(world)
    client = APIClient()
    client.force_authenticate(world.coordinator)
    url = reverse("coordination-meetings-api:meeting-attendance", args=["mali", meeting.pk])

    with time_machine.travel(START):
        response = client.put(url, {"contacts": [contacts["amss"].pk, contact_id]}, format="json")

    assert response.status_code == 400
    assert "contacts" in response.json()
    assert not Attendance.objects.exists()
