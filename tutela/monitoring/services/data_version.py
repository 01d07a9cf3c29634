"""`data_version_bump`: in the transaction of every change to an operation's incident summary or
counted atoms, so that a result cached under the version before (a reader's pooled atoms,
`selectors.atoms`) is never used after the change commits."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F

from tutela.monitoring.models import IncidentDataVersion


def data_version_bump(operation_id: int) -> None:
    if IncidentDataVersion.objects.filter(operation_id=operation_id).update(
        version=F("version") + 1
    ):
        return
    try:
        with transaction.atomic():
            IncidentDataVersion.objects.create(operation_id=operation_id, version=1)
    except IntegrityError:
        # Made meanwhile by another transaction (which committed first): bump it.
        IncidentDataVersion.objects.filter(operation_id=operation_id).update(
            version=F("version") + 1
        )
