"""Background task of the monitoring importer, run by the database-backed worker
(`tutela db_worker`). Arguments are stored as JSON until the worker picks them up."""

from __future__ import annotations

from django_tasks import task

from tutela.monitoring.services.imports import import_monitoring_run_recorded


@task()
def import_monitoring_in_background(*, record_id: int, dry_run: bool = False) -> dict[str, object]:
    """Run a queued upload (see services.import_uploads.import_monitoring_start): the
    MonitoringImport holds the file, the user, the organisation and the mapping; its Job shows
    the progress."""
    record = import_monitoring_run_recorded(record_id=record_id, dry_run=dry_run)
    return {"import_id": record.pk, "status": record.status}
