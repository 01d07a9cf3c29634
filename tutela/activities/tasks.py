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
