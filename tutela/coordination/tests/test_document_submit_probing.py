"""Submitting a document for clearance names the approver by user id; the answer must not tell an
account that exists elsewhere on the server from an id nobody holds (issue 10, item 17)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tutela.conftest import World
from tutela.coordination.models import ClearanceDocument
from tutela.coordination.services.documents import document_create
from tutela.core.models import User

pytestmark = pytest.mark.django_db


def submit(world: World, approver: object) -> tuple[int, object]:
    document = document_create(
        operation=world.operation,
        by=world.coordinator,
        kind="briefing_note",
        title="Note Ségou",
        language="fr",
        text="# Ségou",
    )
    client = APIClient()
    client.force_authenticate(world.coordinator)
    response = client.post(
        reverse("advocacy-api:document_submit", args=["mali", document.pk]),
        {"approver": approver},
        format="json",
    )
    document.refresh_from_db()
    assert document.status == ClearanceDocument.Status.DRAFT
    return response.status_code, response.json()


def test_real_and_unknown_user_ids_get_the_same_answer(world: World) -> None:
    unknown_id = (User.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000

    answers = {
        "another operation's coordinator": submit(world, world.other_operation_user.pk),
        "an account without a role": submit(world, world.outsider.pk),
        "a partner of this operation": submit(world, world.partner.pk),
        "nobody": submit(world, unknown_id),
        "beyond 64 bits": submit(world, 2**64),
    }

    assert len({repr(answer) for answer in answers.values()}) == 1, answers
    status, body = answers["nobody"]
    assert status == 400
    assert body == {
        "approver": [
            "Choose a coordinator, information management officer or focal point of this operation."
        ]
    }


def test_a_possible_approver_is_accepted(world: World) -> None:
    client = APIClient()
    client.force_authenticate(world.coordinator)
    document = document_create(
        operation=world.operation,
        by=world.coordinator,
        kind="briefing_note",
        title="Note",
        language="fr",
        text="# Note",
    )

    response = client.post(
        reverse("advocacy-api:document_submit", args=["mali", document.pk]),
        {"approver": world.imo.pk},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["status"] == "submitted"
