"""Shared set-up for the meeting tests: contacts of the cluster's members and a meeting."""

from __future__ import annotations

import datetime
from typing import Any

from tutela.conftest import World
from tutela.coordination.models import ActionPoint, Meeting
from tutela.coordination.services.meetings import meeting_create
from tutela.core.models import Contact

# A Tuesday, 09:00 UTC (Bamako time).
START = datetime.datetime(2026, 3, 10, 9, 0, tzinfo=datetime.UTC)


def cluster_contacts(world: World) -> dict[str, Contact]:
    """One contact attached to the cluster for UNHCR, DRC and AMSS; OTHER has a contact that is
    not attached to the cluster (it is invited as its organisation has nobody attached)."""
    made = {}
    for key, org, name, email in (
        ("unhcr", world.unhcr, "Awa Diallo", "awa@unhcr.test"),
        ("drc", world.drc, "Jens Hansen", "jens@drc.test"),
        ("amss", world.amss, "Fatou Keïta", "fatou@amss.test"),
    ):
        contact = Contact.objects.create(
            operation=world.operation, organisation=org, name=name, email=email
        )
        contact.bodies.add(world.cluster)
        made[key] = contact
    made["other"] = Contact.objects.create(
        operation=world.operation,
        organisation=world.other_org,
        name="Oumar Other",
        email="oumar@other.test",
    )
    made["inactive"] = Contact.objects.create(
        operation=world.operation,
        organisation=world.drc,
        name="Former Staff",
        email="former@drc.test",
        is_active=False,
    )
    made["inactive"].bodies.add(world.cluster)
    return made


def open_action_point(
    world: World, title: str = "Share the referral pathway", **extra: Any
) -> ActionPoint:
    return ActionPoint.objects.create(
        operation=world.operation,
        body=world.cluster,
        title=title,
        owner_organisation=world.amss,
        status=extra.pop("status", ActionPoint.Status.OPEN),
        **extra,
    )


def make_meeting(world: World, **extra: Any) -> Meeting:
    values: dict[str, Any] = {
        "operation": world.operation,
        "by": world.coordinator,
        "body": world.cluster,
        "title": "Réunion mensuelle du cluster protection",
        "starts_at": START,
        "location": "Bamako, bureau du HCR",
    }
    values.update(extra)
    return meeting_create(**values)
