"""Background tasks of the planning module, run by the database-backed worker (`tutela
db_worker`). Arguments are stored as JSON until the worker picks them up: plain values only."""

from __future__ import annotations

from django_tasks import task


@task()
def import_fts_in_background(*, record_id: int, dry_run: bool = False) -> dict[str, object]:
    """Run a queued FTS import (see services.fts_import.funding_import_start)."""
    # imported when the task runs: the service module imports this task back
    from tutela.planning.services.fts_import import funding_import_run_recorded

    record = funding_import_run_recorded(record_id=record_id, dry_run=dry_run)
    return {"import_id": record.pk, "status": record.status}
