"""The core app's periodic jobs: retrying the e-mail outbox, sending the daily digest, deleting
stored files no longer needed, and failing the tasks of workers that were killed."""

from __future__ import annotations

import datetime

from tutela.core import schedule, workers
from tutela.core.services import files, mail


@schedule.every("core.outbox_send_due", minutes=5)
def outbox_send_due() -> None:
    """Send what the worker could not (server down, refused) once its back-off has passed."""
    mail.outbox_send_due()


@schedule.daily("core.digest_send", at=datetime.time(6, 0))
def digest_send() -> None:
    """Each morning (06:00 UTC), one e-mail per person who chose the daily digest."""
    mail.digest_send()


@schedule.every("core.stored_files_clean", minutes=60)
def stored_files_clean() -> None:
    """Each hour, delete the files of uploads past their retention and files no record refers
    to."""
    files.stored_files_clean()


@schedule.every("core.tasks_reap_lost", minutes=1)
def tasks_reap_lost() -> None:
    """Tasks left running by a worker that was killed: failed, with their Job and upload."""
    workers.tasks_reap_lost()
