"""Invitations: a manager invites by e-mail; the invitee accepts through the link."""

from __future__ import annotations

import datetime
import hashlib
import re
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from tutela.conftest import PASSWORD, World
from tutela.core.models import AuditEntry, Invitation, OperationRole, Organisation, Role, User
from tutela.core.services import invitations

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Niger-Delta-Floods-26"
LINK = re.compile(r"https?://[^\s\"<>]+/invitation/([A-Za-z0-9_-]+)/")


def invite(client: Client, world: World, **overrides: Any) -> Any:
    data = {
        "full_name": "Aminata Traoré",
        "email": "Aminata@AMSS.test",
        "organisation": world.amss.pk,
        "role": "caseworker",
        **overrides,
    }
    # The invitation e-mail goes to the outbox and is sent once the transaction commits.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(reverse("core:user_invite", args=["mali"]), data)


def token_from_outbox(index: int = -1) -> str:
    message = mail.outbox[index]
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1)


def accept_url(token: str) -> str:
    return reverse("core:invitation_accept", args=[token])


def test_full_invitation_flow(world: World, as_user: Any) -> None:
    response = invite(as_user(world.coordinator), world)
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "aminata@amss.test"
    assert invitation.invited_by == world.coordinator
    assert invitation.expires_at - timezone.now() > datetime.timedelta(days=6, hours=23)
    create = AuditEntry.objects.get(action=AuditEntry.Action.CREATE, entity_type="core.invitation")
    assert create.actor == world.coordinator
    assert create.operation == world.operation
    assert "token_hash" not in create.after

    # The e-mail: to the invitee, in the operation's language (French), with the link.
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["aminata@amss.test"]
    assert "Mali Protection Cluster 2026" in message.subject
    token = token_from_outbox()
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(Invitation.objects.values_list().get())
    html = message.alternatives[0][0]
    assert accept_url(token) in html

    # Accepting creates the account, the role and the organisation link, and signs in.
    visitor = Client()
    page = visitor.get(accept_url(token))
    assert page.status_code == 200
    assert "Aminata Traoré" in page.content.decode()
    response = visitor.post(
        accept_url(token),
        {"full_name": "Aminata Traoré", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    user = User.objects.get(email="aminata@amss.test")
    assert user.check_password(NEW_PASSWORD)
    assert user.organisation == world.amss
    assert user.language == "fr"
    assert OperationRole.objects.filter(
        user=user, operation=world.operation, role=Role.CASEWORKER
    ).exists()
    assert visitor.session["_auth_user_id"] == str(user.pk)
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    actions = set(AuditEntry.objects.filter(actor=user).values_list("action", "entity_type"))
    assert ("create", "core.user") in actions
    assert ("create", "core.operationrole") in actions
    assert ("update", "core.invitation") in actions
    assert ("login", "core.user") in actions

    # The link works once.
    again = Client().get(accept_url(token))
    assert again.status_code == 410
    assert "already been used" in again.content.decode()
    reuse = Client().post(
        accept_url(token),
        {"full_name": "Someone", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert reuse.status_code == 410
    assert User.objects.filter(email="aminata@amss.test").count() == 1


def test_invitation_email_in_french_for_a_french_operation(world: World, as_user: Any) -> None:
    invite(as_user(world.coordinator), world)
    # The operation's default language is French; the untranslated catalogue falls back to the
    # source text, so what is checked is that the French date format was used.
    message = mail.outbox[0]
    invitation = Invitation.objects.get()
    from django.utils import formats, translation

    with translation.override("fr"):
        expected = formats.date_format(invitation.expires_at, "DATE_FORMAT")
    assert expected in message.body


def test_accept_rejects_weak_password(world: World, as_user: Any) -> None:
    invite(as_user(world.coordinator), world)
    token = token_from_outbox()
    response = Client().post(
        accept_url(token),
        {"full_name": "Aminata", "password1": "aminata123", "password2": "aminata123"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["password1"]
    assert not User.objects.filter(email="aminata@amss.test").exists()
    assert Invitation.objects.get().accepted_at is None


def test_accept_rejects_mismatched_passwords(world: World, as_user: Any) -> None:
    invite(as_user(world.coordinator), world)
    token = token_from_outbox()
    response = Client().post(
        accept_url(token),
        {"full_name": "Aminata", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"},
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="aminata@amss.test").exists()


def test_expired_invitation_is_refused(world: World, as_user: Any) -> None:
    invite(as_user(world.coordinator), world)
    token = token_from_outbox()
    with time_machine.travel(timezone.now() + datetime.timedelta(days=8)):
        response = Client().post(
            accept_url(token),
            {"full_name": "Aminata", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert not User.objects.filter(email="aminata@amss.test").exists()


def test_revoked_invitation_is_refused(world: World, as_user: Any) -> None:
    manager = as_user(world.imo)
    invite(manager, world)
    token = token_from_outbox()
    invitation = Invitation.objects.get()
    response = manager.post(reverse("core:invitation_revoke", args=["mali", invitation.pk]))
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.UPDATE, entity_type="core.invitation", actor=world.imo
    ).exists()
    page = Client().get(accept_url(token))
    assert page.status_code == 410
    assert "withdrawn" in page.content.decode()


def test_unknown_token_is_refused(world: World) -> None:
    response = Client().get(accept_url("not-a-real-token"))
    assert response.status_code == 404
    assert "not valid" in response.content.decode()


def test_new_invitation_replaces_the_open_one(world: World, as_user: Any) -> None:
    manager = as_user(world.coordinator)
    invite(manager, world)
    first = token_from_outbox()
    invite(manager, world, role="partner")
    second = token_from_outbox()
    assert Client().get(accept_url(first)).status_code == 410
    assert Client().get(accept_url(second)).status_code == 200
    assert invitations.invitation_list_open(operation=world.operation).count() == 1


def test_existing_account_accepts_after_signing_in(world: World, as_user: Any) -> None:
    invite(as_user(world.coordinator), world, email=world.other_partner.email, role="viewer")
    token = token_from_outbox()
    # Not signed in: asked to sign in first, nothing created.
    page = Client().get(accept_url(token))
    assert page.status_code == 200
    assert "Sign in to accept" in page.content.decode()
    # Signed in as somebody else: refused.
    other = as_user(world.partner).post(accept_url(token))
    assert other.status_code == 200
    assert "but you are signed in as" in other.content.decode()
    assert not OperationRole.objects.filter(user=world.other_partner, role="viewer").exists()
    # Signed in as the invitee, through the sign-in page and its ?next= link.
    client = Client()
    response = client.post(
        reverse("core:login") + f"?next={accept_url(token)}",
        {"email": world.other_partner.email, "password": PASSWORD, "next": accept_url(token)},
    )
    assert response.url == accept_url(token)
    assert "Accept the invitation" in client.get(accept_url(token)).content.decode()
    response = client.post(accept_url(token))
    assert response.status_code == 302
    assert OperationRole.objects.filter(
        user=world.other_partner, operation=world.operation, role="viewer"
    ).exists()
    assert User.objects.filter(email=world.other_partner.email).count() == 1
    assert Invitation.objects.get().accepted_at is not None


def test_invitation_adds_organisation_to_the_operation(world: World, as_user: Any) -> None:
    newcomer = Organisation.objects.create(name="Newcomer", acronym="NEW", type="nngo")
    # Only the operation's organisations can be chosen in the form.
    response = invite(as_user(world.coordinator), world, organisation=newcomer.pk)
    assert response.status_code == 200
    assert not Invitation.objects.exists()
    # An organisation taken off the operation's list after the invitation was sent is linked
    # again when the invitee accepts: the person works for it in this operation.
    invitation = Invitation.objects.create(
        operation=world.operation,
        email="new@new.test",
        full_name="New Person",
        organisation=newcomer,
        role=Role.PARTNER,
        token_hash=invitations.invitation_token_hash("tok-en"),
        invited_by=world.coordinator,
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )
    Client().post(
        accept_url("tok-en"),
        {"full_name": "New Person", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert newcomer.operations.filter(pk=world.operation.pk).exists()


def test_cannot_invite_someone_who_already_has_the_role(world: World, as_user: Any) -> None:
    response = invite(as_user(world.coordinator), world, email=world.partner.email, role="partner")
    assert response.status_code == 200
    assert "already holds this role" in response.content.decode()
    assert not Invitation.objects.exists()
    assert not mail.outbox


def test_cannot_invite_a_deactivated_account(world: World, as_user: Any) -> None:
    User.objects.filter(pk=world.other_partner.pk).update(is_active=False)
    response = invite(as_user(world.coordinator), world, email=world.other_partner.email)
    assert response.status_code == 200
    assert "deactivated" in response.content.decode()
    assert not Invitation.objects.exists()


def test_non_manager_cannot_revoke(world: World, as_user: Any) -> None:
    invite(as_user(world.coordinator), world)
    invitation = Invitation.objects.get()
    url = reverse("core:invitation_revoke", args=["mali", invitation.pk])
    assert as_user(world.partner).post(url).status_code == 403
    assert as_user(world.other_operation_user).post(url).status_code == 404
    url_other = reverse("core:invitation_revoke", args=["colombia", invitation.pk])
    assert as_user(world.other_operation_user).post(url_other).status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_open_invitations_are_listed_for_managers(world: World, as_user: Any) -> None:
    invite(as_user(world.coordinator), world)
    body = as_user(world.imo).get(reverse("core:users", args=["mali"])).content.decode()
    assert "aminata@amss.test" in body
    assert "Caseworker" in body
