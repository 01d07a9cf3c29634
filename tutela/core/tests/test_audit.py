import pytest
from django.db import DatabaseError, connection, transaction

from tutela.core.models import AuditEntry, Contact
from tutela.core.services.audit import audit_create, audit_read, audit_update, snapshot

pytestmark = pytest.mark.django_db


def test_read_of_a_sensitive_record_is_logged(world):
    contact = Contact.objects.create(operation=world.operation, organisation=world.amss, name="X")
    entry = audit_read(actor=world.coordinator, instance=contact, operation=world.operation)
    assert entry.action == "read"
    assert entry.entity_type == "core.contact"
    assert entry.entity_id == str(contact.pk)
    assert entry.actor_label == "coord@unhcr.test"


def test_update_logs_only_changed_fields_and_never_personal_data_in_clear(world):
    contact = Contact.objects.create(
        operation=world.operation, organisation=world.amss, name="X", phone="111"
    )
    audit_create(actor=world.partner, instance=contact, operation=world.operation)
    before = snapshot(contact)
    contact.title = "Head of office"
    contact.phone = "222"
    contact.save()
    entry = audit_update(
        actor=world.partner, instance=contact, operation=world.operation, before=before
    )
    assert entry is not None
    assert entry.after["title"] == "Head of office"
    assert "name" not in entry.after
    created = AuditEntry.objects.get(action="create", entity_id=str(contact.pk))
    assert created.after["phone"].startswith("[encrypted #")
    assert entry.before["phone"] != entry.after["phone"]
    assert "111" not in str(created.after)
    assert "222" not in str(entry.after)


def test_update_with_no_change_logs_nothing(world):
    contact = Contact.objects.create(operation=world.operation, organisation=world.amss, name="X")
    assert (
        audit_update(
            actor=world.partner,
            instance=contact,
            operation=world.operation,
            before=snapshot(contact),
        )
        is None
    )


def test_audit_entries_cannot_be_changed_through_the_model(world):
    entry = audit_read(actor=world.coordinator, instance=world.amss, operation=world.operation)
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()


def test_database_refuses_update_and_delete_of_audit_rows(world):
    entry = audit_read(actor=world.coordinator, instance=world.amss, operation=world.operation)
    table = AuditEntry._meta.db_table
    for sql in (
        f"UPDATE {table} SET summary = 'tampered' WHERE id = %s",  # noqa: S608
        f"DELETE FROM {table} WHERE id = %s",  # noqa: S608
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).summary == entry.summary
    # A bulk delete skips the model's delete(); the trigger still refuses it.
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
