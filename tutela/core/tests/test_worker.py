"""The database-backed worker (`tutela db_worker`) really runs queued tasks."""

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings

from tutela.core.tasks import send_email

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.mark.django_db(transaction=True)
def test_queued_email_waits_in_the_database_until_the_worker_sends_it():
    from django_tasks_db.models import DBTaskResult

    with override_settings(TASKS=DB_TASKS):
        result = send_email.enqueue(
            subject="Réunion du cluster", body="Ordre du jour", recipients=["a@example.org"]
        )
        assert DBTaskResult.objects.filter(id=result.id, status="READY").exists()
        assert mail.outbox == []
        call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
        assert DBTaskResult.objects.get(id=result.id).status == "SUCCESSFUL"
    assert [m.subject for m in mail.outbox] == ["Réunion du cluster"]


@pytest.mark.django_db(transaction=True)
def test_a_failing_task_is_recorded_as_failed():
    from django_tasks_db.models import DBTaskResult

    with override_settings(
        TASKS=DB_TASKS,
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=9,  # nothing listens on the discard port
    ):
        result = send_email.enqueue(subject="x", body="y", recipients=["a@example.org"])
        call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
        assert DBTaskResult.objects.get(id=result.id).status == "FAILED"
