"""Background tasks of case management, run by the database-backed worker (`tutela db_worker`)."""

from __future__ import annotations

from django_tasks import task


@task()
def peer_message_send(*, message_id: int) -> str:
    """Deliver one package to another Tutela (queued once the transaction commits). A peer down is
    retried by the scheduler (cases.peer_delivery), not raised. Returns the message's status."""
    # imported when the task runs: the service module imports this task back
    from tutela.cases.services.peers import peer_message_deliver

    return peer_message_deliver(message_id=message_id)
