"""Reference data every new operation gets from the capacity module: the standard CCPM
questionnaire (registered as an operation seeder in CapacityConfig.ready())."""

from __future__ import annotations

from tutela.capacity.services.ccpm_structure import ccpm_structure_seed
from tutela.core.models import Operation, User


def capacity_seed(*, operation: Operation, by: User | None = None) -> None:
    ccpm_structure_seed(operation=operation, by=by)
