"""Rotation of an operation's ODK key: new forms carry the new public key (never a retired one)
and a version ending with the key's number; submissions encrypted with the retired key still
import, beside those of the new key; the rotation is a manager's act, audited, from the page or
the command line."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from openpyxl import load_workbook

from tutela.cases.models import Case, OdkKey, OdkSubmission
from tutela.cases.services import odk_import
from tutela.cases.services.odk_forms import (
    form_id,
    odk_key_get_or_create,
    odk_key_rotate,
    xlsform_cases,
    xlsform_convert,
)
from tutela.cases.tests.odk_collect import encrypt_submission
from tutela.cases.tests.test_odk import VERSION, _registration, _uuid
from tutela.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def _encrypted_for(cw, key: OdkKey, **values: str) -> dict[str, bytes]:
    instance_id = _uuid()
    return encrypt_submission(
        key.public_key,
        _registration(cw, instance_id, **values),
        form_id=form_id(cw.operation, "registration"),
        version=VERSION,
        instance_id=instance_id,
    )


def _settings_row(content: bytes) -> dict[str, str]:
    sheet = load_workbook(io.BytesIO(content))["settings"]
    header = [c.value for c in sheet[1]]
    return dict(zip(header, [c.value for c in sheet[2]], strict=True))


def test_submissions_of_the_old_and_the_new_key_both_import_after_rotation(cw):
    old = odk_key_get_or_create(operation=cw.operation)
    from_old_form = _encrypted_for(
        cw, old, given_name="Aminata", family_name="Traoré", phone="+223 76 00 00 01"
    )
    new = odk_key_rotate(operation=cw.operation, by=cw.world.coordinator)
    from_new_form = _encrypted_for(
        cw, new, given_name="Mariam", family_name="Diallo", phone="+223 76 00 00 02"
    )
    result = odk_import.odk_import(
        operation=cw.operation,
        by=cw.caseworker,
        submissions={"a-old": from_old_form, "b-new": from_new_form},
    )
    assert result.saved, [o.error for o in result.errors]
    assert [o.action for o in result.outcomes] == ["registered", "registered"]
    assert Case.objects.filter(operation=cw.operation).count() == 2
    opened_with = dict(OdkSubmission.objects.values_list("instance_id", "key_id"))
    assert sorted(opened_with.values()) == sorted([old.pk, new.pk])
    old.refresh_from_db()
    assert old.retired_at is not None
    assert old.retired_by == cw.world.coordinator
    # The retired private key is kept encrypted at rest, like the active one.
    with connection.cursor() as cursor:
        cursor.execute("SELECT private_key FROM cases_odkkey WHERE id = %s", [old.pk])
        raw = cursor.fetchone()[0]
    assert "PRIVATE KEY" not in raw
    rotated = AuditEntry.objects.get(summary="ODK submission encryption key rotated")
    assert rotated.action == AuditEntry.Action.SECURITY
    assert rotated.actor == cw.world.coordinator
    assert rotated.after["key"] == new.pk
    assert rotated.before["key"] == old.pk


def test_a_retired_key_is_never_used_for_new_forms(cw):
    old = odk_key_get_or_create(operation=cw.operation)
    old_form = _settings_row(xlsform_cases(cw.operation, "registration"))
    assert old_form["version"].endswith(f"-k{old.pk}")
    new = odk_key_rotate(operation=cw.operation, by=cw.world.coordinator)
    assert new.public_key != old.public_key
    for kind in ("registration", "follow_up"):
        content = xlsform_cases(cw.operation, kind)
        row = _settings_row(content)
        assert row["public_key"] == new.public_key
        assert row["version"].endswith(f"-k{new.pk}")  # the old forms told apart
        assert old.public_key not in xlsform_convert(content)
    assert odk_key_get_or_create(operation=cw.operation) == new
    # The database holds one active key per operation: the retired one cannot come back.
    old.retired_at = None
    with pytest.raises(IntegrityError), transaction.atomic():
        old.save()


def test_a_submission_for_a_key_the_operation_never_had_is_still_refused(cw):
    odk_key_get_or_create(operation=cw.operation)
    odk_key_rotate(operation=cw.operation, by=cw.world.coordinator)
    stranger = OdkKey(
        public_key=odk_key_get_or_create(operation=cw.world.other_operation).public_key
    )
    result = odk_import.odk_import(
        operation=cw.operation, by=cw.caseworker, submissions={"a": _encrypted_for(cw, stranger)}
    )
    assert not result.saved
    assert "another key" in result.errors[0].error


def test_rotation_from_the_page_and_the_command_line_for_managers_only(cw, as_user):
    world = cw.world
    slug = cw.operation.slug
    first = odk_key_get_or_create(operation=cw.operation)
    rotate = reverse("cases:odk_key_rotate", args=[slug])
    page = reverse("cases:odk", args=[slug])
    for user in (cw.caseworker, cw.supervisor, world.viewer, world.partner):
        assert as_user(user).post(rotate, {"confirm": "on"}).status_code == 403, user
    assert as_user(world.other_operation_user).post(rotate, {"confirm": "on"}).status_code == 404
    manager = as_user(world.coordinator)
    assert manager.get(rotate).status_code == 405
    unconfirmed = manager.post(rotate, {})
    assert unconfirmed.status_code == 302
    assert OdkKey.objects.filter(operation=cw.operation).count() == 1
    done = manager.post(rotate, {"confirm": "on"}, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert done.status_code == 200
    new = odk_key_get_or_create(operation=cw.operation)
    assert new != first
    assert f"k{new.pk}" in done.content.decode()  # the message names the new version suffix
    table = manager.get(page, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    table = table[table.find('id="odk-keys"') :]
    assert "Retired on" in table
    assert "In use for new forms" in table
    assert f"k{first.pk}" in table
    assert f"k{new.pk}" in table
    call_command("cases_odk_key_rotate", operation=slug, email=world.coordinator.email)
    assert OdkKey.objects.filter(operation=cw.operation, retired_at__isnull=True).count() == 1
    assert OdkKey.objects.filter(operation=cw.operation).count() == 3
    with pytest.raises(CommandError, match="manager"):
        call_command("cases_odk_key_rotate", operation=slug, email=cw.caseworker.email)
    assert AuditEntry.objects.filter(summary="ODK submission encryption key rotated").count() == 2
