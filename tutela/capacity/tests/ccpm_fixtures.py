"""Shared set-up of the CCPM tests: the world's national cluster with seven member organisations
(each with a contact attending it), the Child Protection AoR with two, the standard
questionnaire, and helpers to answer through links. Import the fixture with
`from tutela.capacity.tests.ccpm_fixtures import ccpm_fixture  # noqa: F401`."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from tutela.capacity.models import CcpmLink, CcpmRound
from tutela.capacity.models.ccpm import Audience
from tutela.capacity.selectors.ccpm import round_questions
from tutela.capacity.services import ccpm_answers, ccpm_rounds, ccpm_structure
from tutela.conftest import World
from tutela.core.models import Contact, Membership, Organisation


@dataclass
class Ccpm:
    world: World
    organisations: list[Organisation]


def contact(world: World, org: Organisation, email: str, *bodies: Any) -> Contact:
    entry = Contact.objects.create(
        operation=world.operation, organisation=org, name=email.split("@")[0], email=email
    )
    entry.bodies.set(bodies)
    return entry


@pytest.fixture(name="ccpm")
def ccpm_fixture(world: World) -> Ccpm:
    extra = [
        Organisation.objects.create(name=name, acronym=acronym, type=kind)
        for name, acronym, kind in (
            ("International Rescue Committee", "IRC", "ingo"),
            ("Norwegian Refugee Council", "NRC", "ingo"),
            ("Association Tassaght", "TASSAGHT", "nngo"),
        )
    ]
    for org in extra:
        org.operations.add(world.operation)
        Membership.objects.create(body=world.cluster, organisation=org, role="member")
    organisations = [world.unhcr, world.drc, world.amss, world.other_org, *extra]
    for org in organisations:
        contact(world, org, f"ccpm@{org.acronym.lower()}.test", world.cluster)
    Membership.objects.create(body=world.cp_aor, organisation=world.amss, role="member")
    Membership.objects.create(body=world.cp_aor, organisation=world.other_org, role="member")
    ccpm_structure.ccpm_structure_seed(operation=world.operation)
    return Ccpm(world=world, organisations=organisations)


def open_round(ccpm: Ccpm, **fields: Any) -> CcpmRound:
    world = ccpm.world
    today = timezone.localdate()
    round = ccpm_rounds.ccpm_round_create(
        operation=world.operation,
        by=world.coordinator,
        bodies=fields.pop("bodies", [world.cluster, world.cp_aor]),
        title=fields.pop("title", "CCPM 2026"),
        opens_on=fields.pop("opens_on", today),
        closes_on=fields.pop("closes_on", today + datetime.timedelta(days=14)),
        **fields,
    )
    ccpm_rounds.ccpm_round_launch(round=round, by=world.coordinator)
    return round


def token_for(link: CcpmLink) -> str:
    """Give a link a token the test knows (the real one is only in the e-mail)."""
    token = secrets.token_urlsafe(24)
    link.token_hash = hashlib.sha256(token.encode()).hexdigest()
    link.save(update_fields=["token_hash"])
    return token


def answer(link: CcpmLink, choice: str | dict[str, str]) -> None:
    """Answer every partner question through the link: the same choice for each scale ("yes"
    → yes / very regularly; "no" → no / never; "dont_know"), or a choice per scale."""
    round = link.round
    per_scale = (
        choice
        if isinstance(choice, dict)
        else {
            "yes": {"yes_no": "yes", "frequency": "very_regularly"},
            "no": {"yes_no": "no", "frequency": "never"},
            "mid": {"yes_no": "yes", "frequency": "rarely"},
            "dont_know": {"yes_no": "dont_know", "frequency": "dont_know"},
        }[choice]
    )
    answers = {q.pk: per_scale[q.scale] for q in round_questions(round, Audience.PARTNER)}
    ccpm_answers.ccpm_answer_submit(link=link, answers=answers)


def links(round: CcpmRound, body: Any) -> list[CcpmLink]:
    return list(
        CcpmLink.objects.filter(round=round, body=body)
        .select_related("round", "organisation")
        .order_by("organisation__acronym")
    )
