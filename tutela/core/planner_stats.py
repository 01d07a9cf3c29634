"""Fresh planner statistics after bulk writes (PostgreSQL).

PostgreSQL plans each query from statistics that ANALYZE samples from the tables; autovacuum
refreshes them only once it notices a change, a minute or more after it. Until then a table that
an import has just filled (or a database just restored from a backup, which holds no statistics
at all) is planned as if it were nearly empty: in the load benchmark the 5W rows API's page took
1.3-3.5 s with such a plan instead of 0.13-0.17 s once analysed (bench/README.md, "Load"). So a
write of many rows has its tables analysed as soon as it commits, and a restore the whole
database. ANALYZE reads a sample (30,000 rows by default): ~0.1-0.3 s for a million 5W rows.

SQLite keeps no statistics unless ANALYZE was run once, and Tutela never runs it there: its
planner's fixed assumptions do not go stale.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, connections, router, transaction
from django.db.models import Model

logger = logging.getLogger(__name__)

# A write of at least this many rows has its tables analysed once it commits.
BULK_ROWS = 5_000


def _analyze(alias: str, tables: list[str]) -> None:
    connection = connections[alias]
    try:
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
    except DatabaseError:
        # Statistics are an optimisation: a failure (a lock wait, a lost connection) must not
        # turn a committed write into an error. Autovacuum will analyse later.
        logger.warning("ANALYZE of %s failed", ", ".join(tables), exc_info=True)


def analyze_after_commit(*models: type[Model], rows: int) -> bool:
    """Analyse the tables of `models` once the current transaction commits, when `rows` (the
    rows just written) reach BULK_ROWS and the database is PostgreSQL. True when queued."""
    if rows < BULK_ROWS or not models:
        return False
    alias = router.db_for_write(models[0])
    if connections[alias].vendor != "postgresql":
        return False
    tables = [model._meta.db_table for model in models]
    transaction.on_commit(lambda: _analyze(alias, tables), using=alias)
    return True


def analyze_database(alias: str = "default") -> bool:
    """Analyse every table (after a restore). True when done (PostgreSQL)."""
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return True
