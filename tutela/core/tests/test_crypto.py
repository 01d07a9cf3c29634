import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from tutela.core.crypto import PREFIX, decrypt, encrypt
from tutela.core.models import AuditEntry, Contact

pytestmark = pytest.mark.django_db


def raw_column(model, field, pk):
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {field} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def test_personal_data_is_stored_encrypted_and_read_back_in_clear(world):
    contact = Contact.objects.create(
        operation=world.operation,
        organisation=world.amss,
        name="Fatou",
        email="fatou@example.org",
        phone="+223 70 11 22 33",
    )
    stored = raw_column(Contact, "phone", contact.pk)
    assert stored.startswith(PREFIX)
    assert "70 11 22 33" not in stored
    assert Contact.objects.get(pk=contact.pk).phone == "+223 70 11 22 33"


def test_empty_values_stay_empty(world):
    contact = Contact.objects.create(
        operation=world.operation, organisation=world.amss, name="No phone"
    )
    assert raw_column(Contact, "phone", contact.pk) == ""


def test_rotation_moves_values_to_the_new_key_so_the_old_key_can_go(world):
    old_key = Fernet.generate_key().decode()
    new_key = Fernet.generate_key().decode()
    with override_settings(FIELD_ENCRYPTION_KEYS=[old_key]):
        contact = Contact.objects.create(
            operation=world.operation, organisation=world.amss, name="A", phone="12345"
        )
    # Step 1: new key first, old key kept. Step 2: rotate.
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key, old_key]):
        call_command("rotate_keys")
    # Step 3: old key removed; the value is still readable.
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key]):
        assert Contact.objects.get(pk=contact.pk).phone == "12345"
        assert AuditEntry.objects.filter(entity_type="encryption").exists()
    # And the old key alone can no longer read it.
    with override_settings(FIELD_ENCRYPTION_KEYS=[old_key]), pytest.raises(Exception, match="key"):
        decrypt(raw_column(Contact, "phone", contact.pk))


def test_encrypting_twice_gives_different_cipher_text():
    assert encrypt("same") != encrypt("same")
    assert decrypt(encrypt("same")) == "same"
