"""Shared set-up of the action point, alert and mission tests. Import the fixture into a test
module with
`from tutela.coordination.tests.action_fixtures import coordination_fixture  # noqa: F401`."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest

from tutela.conftest import World, make_user
from tutela.coordination.models import ActionPoint
from tutela.coordination.services.actions import action_point_create
from tutela.core.models import AdminArea, Body, Contact, Membership, OperationRole, User
from tutela.core.models.roles import Role


@dataclass
class Coordination:
    world: World
    areas: dict[str, AdminArea]
    cp_focal: User  # focal point of the Child Protection AoR only
    hlp_aor: Body
    mopti_wg: Body  # regional working group covering Mopti (ML05)
    segou_wg: Body  # regional working group covering Ségou (ML04)


def focal_point(world: World, body: Body | None, email: str = "fp@drc.test") -> User:
    user = make_user(email, "Fanta Focal", world.drc)
    OperationRole.objects.create(
        user=user, operation=world.operation, role=Role.FOCAL_POINT, body=body
    )
    return user


def contact(world: World, org: Any, email: str, *bodies: Body, active: bool = True) -> Contact:
    entry = Contact.objects.create(
        operation=world.operation,
        organisation=org,
        name=email.split("@")[0],
        email=email,
        is_active=active,
    )
    entry.bodies.set(bodies)
    return entry


@pytest.fixture(name="coordination")
def coordination_fixture(world: World, areas: dict[str, AdminArea]) -> Coordination:
    """The world plus: a CP AoR led by UNHCR, an HLP AoR led by DRC, two regional working groups
    (Mopti: AMSS and OTHER; Ségou: DRC), and a focal point of the CP AoR."""
    cp = world.cp_aor
    cp.lead = world.unhcr
    cp.save()
    Membership.objects.create(body=cp, organisation=world.amss, role="member")
    hlp = Body.objects.create(
        operation=world.operation,
        name="HLP AoR",
        code="PRO-HLP",
        kind="aor",
        parent=world.cluster,
        lead=world.drc,
    )
    mopti = Body.objects.create(operation=world.operation, name="GTR Mopti", kind="regional")
    mopti.scope.set([areas["ML05"]])
    Membership.objects.create(body=mopti, organisation=world.amss, role="lead")
    Membership.objects.create(body=mopti, organisation=world.other_org, role="member")
    segou = Body.objects.create(operation=world.operation, name="GTR Ségou", kind="regional")
    segou.scope.set([areas["ML04"]])
    Membership.objects.create(body=segou, organisation=world.drc, role="member")
    return Coordination(
        world=world,
        areas=areas,
        cp_focal=focal_point(world, cp),
        hlp_aor=hlp,
        mopti_wg=mopti,
        segou_wg=segou,
    )


def make_action_point(world: World, **fields: Any) -> ActionPoint:
    defaults: dict[str, Any] = {
        "title": "Share the list of IDP sites in Bandiagara",
        "owner_organisation": world.amss,
        "due_date": datetime.date(2026, 3, 10),
        "body": world.cluster,
    }
    defaults.update(fields)
    return action_point_create(operation=world.operation, by=world.coordinator, **defaults)
