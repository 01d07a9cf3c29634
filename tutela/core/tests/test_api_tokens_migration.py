"""Migration 0007 moves the clear-text tokens of DRF's authtoken table to hashed, expiring tokens
that keep working, and drops the old table."""

from __future__ import annotations

import datetime
import hashlib
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from rest_framework.test import APIClient

from tutela.conftest import make_user
from tutela.core.models import ApiToken

BEFORE = ("core", "0006_worker_heartbeats")
AFTER = ("core", "0007_api_tokens_hashed")
OLD_KEY = "0123456789abcdef0123456789abcdef01234567"


def migrate(target: tuple[str, str]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])


@pytest.fixture
def back_to_latest() -> Any:
    """Going back to core 0006 also unapplies every migration of other apps that depends on a
    later core migration (cases' peers and cash tables...); bring them all back afterwards, or
    the next test of this worker finds tables missing."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_clear_text_tokens_are_hashed_keep_working_and_the_old_table_is_dropped(
    audit_log_flushable: Any, back_to_latest: Any
) -> None:
    user = make_user("script@amss.test", "Script Owner", None)
    migrate(BEFORE)
    timestamp = "timestamp with time zone" if connection.vendor == "postgresql" else "datetime"
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created {timestamp} "
            "NOT NULL, user_id bigint NOT NULL)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token (key, created, user_id) VALUES (%s, %s, %s)",
            [OLD_KEY, timezone.now() - datetime.timedelta(days=400), user.pk],
        )

    migrate(AFTER)

    assert "authtoken_token" not in connection.introspection.table_names()
    token = ApiToken.objects.get(user=user)
    assert token.key_hash == hashlib.sha256(OLD_KEY.encode()).hexdigest()
    assert token.second_factor is False
    # Valid for one lifetime from the migration, however old the token was.
    assert token.expires_at > timezone.now() + datetime.timedelta(days=29)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {OLD_KEY}")
    assert client.get("/api/v1/me/").status_code == 200
