"""`data_version_bump`: in the transaction of every change to an operation's incident summary or
counted atoms, so that a result cached under the version before (a reader's pooled atoms,
`selectors.atoms`, `selectors.quarter_atoms`) is never used after the change commits."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import F

from tutela.monitoring.models import IncidentDataVersion
from tutela.monitoring.selectors.periods import quarter_of


def data_version_bump(operation_id: int, months: Iterable[datetime.date] | None = None) -> None:
    """A new version; `months`: the months whose counts the change touched (their quarters get
    the new version), None when it cannot say (every quarter does). The caller holds the lock of
    the operation row (a delta, a rebuild), so that the quarters' versions are read and written
    by one transaction at a time."""
    if months is None:
        done = IncidentDataVersion.objects.filter(operation_id=operation_id).update(
            version=F("version") + 1, whole_version=F("version") + 1
        )
    else:
        current = IncidentDataVersion.objects.filter(operation_id=operation_id).first()
        done = 0
        if current is not None:
            version = current.version + 1
            quarters = dict(current.quarter_versions)
            quarters.update({quarter_of(month).isoformat(): version for month in months})
            done = IncidentDataVersion.objects.filter(operation_id=operation_id).update(
                version=version, quarter_versions=quarters
            )
    if done:
        return
    try:
        with transaction.atomic():
            IncidentDataVersion.objects.create(
                operation_id=operation_id, version=1, whole_version=1
            )
    except IntegrityError:
        # Made meanwhile by another transaction (which committed first): bump it.
        IncidentDataVersion.objects.filter(operation_id=operation_id).update(
            version=F("version") + 1, whole_version=F("version") + 1
        )
