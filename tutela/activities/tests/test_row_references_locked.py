"""5W rows have no foreign-key constraints (see ActivityReport): the rows they refer to are
locked once per distinct value while they are written, so nobody can delete them meanwhile."""

from __future__ import annotations

import datetime

import psycopg
import pytest
from django.db import connection, transaction

from tutela.activities.services.rows.bulk import lock_referenced
from tutela.activities.validation import CleanRow
from tutela.core.models import AdminArea


def _other_connection() -> psycopg.Connection:
    settings = connection.settings_dict
    return psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"],
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
        autocommit=True,
    )


@pytest.mark.django_db(transaction=True)
def test_an_area_being_written_to_cannot_be_deleted_meanwhile() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite: a writing transaction holds the whole database")
    area = AdminArea.objects.create(pcode="ZZ01", name="Test area", level=1)
    row = CleanRow(
        row=2,
        organisation_id=-1,
        activity_id=-1,
        area_id=area.pk,
        month=datetime.date(2026, 1, 1),
        population_group_id=-1,
        round_id=-1,
        body_id=-1,
    )
    other = _other_connection()
    try:
        other.execute("SET lock_timeout = '200ms'")
        with transaction.atomic():
            lock_referenced([row], operation_id=-1, submission_ids=[])
            with pytest.raises(psycopg.errors.LockNotAvailable):
                other.execute("DELETE FROM core_adminarea WHERE id = %s", [area.pk])
        # Once the rows are written (the transaction is over), the lock is gone.
        other.execute("SELECT id FROM core_adminarea WHERE id = %s FOR UPDATE", [area.pk])
    finally:
        other.close()
