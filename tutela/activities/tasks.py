"""Background tasks of the 5W module, run by the database-backed worker (`tutela db_worker`).

Arguments are stored as JSON until the worker picks them up: plain values only.
"""

from __future__ import annotations

from django_tasks import task


@task()
def import_5w_in_background(
    *, record_id: int, dry_run: bool = False, sheet: str = "", header_row: int = 0
) -> dict[str, object]:
    """Run a queued 5W upload (see services.imports.import_5w_start): the ImportRecord holds the
    file, the user, the organisation and the mapping; its Job shows the progress."""
    from tutela.activities.services.imports import import_5w_run_recorded

    record = import_5w_run_recorded(
        record_id=record_id, dry_run=dry_run, sheet=sheet, header_row=header_row
    )
    return {"import_id": record.pk, "status": record.status}


@task()
def summaries_rebuild_in_background(*, operation_id: int) -> dict[str, object]:
    """Rebuild an operation's 5W summary tables (queued by a read that found them stale)."""
    from tutela.activities.services.summaries import summaries_rebuild
    from tutela.core.models import Operation

    state = summaries_rebuild(operation=Operation.objects.get(pk=operation_id))
    return {
        "operation_id": operation_id,
        "version": state.built_version,
        "enabled": state.enabled,
        "seconds": round(state.build_seconds, 3),
    }
