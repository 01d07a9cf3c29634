"""An organisation's details changed: the 5W figures cached under the data versions move on."""

from __future__ import annotations

from tutela.activities.models import ActivityReport, SummaryState
from tutela.activities.services.summaries.deltas import Slices, summaries_apply
from tutela.core.models import Organisation

# An organisation's details the 5W figures show (acronym, name) or count by (type: tables and
# the hidden rows' blocks by organisation type).
SHOWN = frozenset({"acronym", "name", "type"})


def summaries_organisation_changed(*, organisation: Organisation, changed: frozenset[str]) -> None:
    """Registered in `core.extensions.organisation_changes` (run inside the change's
    transaction). The summary tables hold the organisation, not its details, so they stay in
    step; but results cached under the data versions of the operations it takes part in or
    reports in (a table by organisation type, the acronyms a table carries) are no longer what
    a computation shows: a write touching nothing moves the versions on (`summaries_apply` with
    no slices), and for a type every month's blocks too (`whole_version`)."""
    shown = changed & SHOWN
    if not shown:
        return
    operations = set(organisation.operations.values_list("pk", flat=True))
    operations |= set(
        ActivityReport.objects.filter(organisation=organisation)
        .order_by()
        .values_list("operation_id", flat=True)
        .distinct()
    )
    for operation_id in sorted(operations):
        if not SummaryState.objects.filter(operation_id=operation_id).exists():
            continue  # No 5W write yet: nothing is cached under a version.
        state = summaries_apply(operation=operation_id, slices=Slices())
        if "type" in shown:
            SummaryState.objects.filter(pk=state.pk).update(whole_version=state.version)
