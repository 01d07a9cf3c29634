"""The 5W rows' indexes after migration 0019: no single-column index of body, admin1 or admin2
(the operation-first composites serve the queries), on SQLite and PostgreSQL alike (the
migration drops them by name)."""

from __future__ import annotations

import pytest
from django.db import connection

from tutela.activities.models import ActivityReport

pytestmark = pytest.mark.django_db


def _indexed_columns() -> list[list[str]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(
            cursor, ActivityReport._meta.db_table
        )
    return [c["columns"] for c in constraints.values() if c["index"] and not c["primary_key"]]


def test_no_single_column_index_of_body_admin1_or_admin2() -> None:
    indexed = _indexed_columns()
    for column in ("body_id", "admin1_id", "admin2_id"):
        assert [column] not in indexed
    # The composites that serve them are there, and the other single-column ones.
    assert ["operation_id", "admin1_id"] in indexed
    assert ["operation_id", "admin2_id"] in indexed
    assert ["operation_id", "body_id", "month"] in indexed
    assert ["submission_id"] in indexed
