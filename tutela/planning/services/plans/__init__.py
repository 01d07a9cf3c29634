"""Writing the response plan: the plan, its objectives, indicators (with their links to the 5W and
their targets by area and population group), requirements, and its versions.

The plan is edited while it is a draft or under mid-year revision. Saving a version freezes a copy
of everything: a first draft (the plan stays a draft), the final plan (locked), and the mid-year
revision (locked again). Each write is one transaction with its audit entry.
"""

from tutela.planning.services.plans.indicators import (
    INDICATOR_FIELDS,
    indicator_create,
    indicator_delete,
    indicator_targets_save,
    indicator_update,
    objective_create,
    objective_delete,
    objective_update,
)
from tutela.planning.services.plans.plan import (
    plan_create,
    plan_update,
    requirement_set,
)
from tutela.planning.services.plans.versions import (
    plan_content,
    plan_revision_start,
    plan_version_save,
)

__all__ = [
    "INDICATOR_FIELDS",
    "indicator_create",
    "indicator_delete",
    "indicator_targets_save",
    "indicator_update",
    "objective_create",
    "objective_delete",
    "objective_update",
    "plan_content",
    "plan_create",
    "plan_revision_start",
    "plan_update",
    "plan_version_save",
    "requirement_set",
]
