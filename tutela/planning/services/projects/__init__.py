"""Partner project sheets: written by the partner (or a manager for them), submitted to the
cluster, vetted (comments, returned for changes, approved), with a frozen version per submission.

    project = project_create(operation=op, by=partner, organisation=amss, title=..., ...)
    project_submit(project=project, by=partner)        # version 1, the coordinators are told
    project_return(project=project, by=coordinator, comment="Add the GBV risk mitigation.")
    project_update(project=project, by=partner, budget_lines=[...]); project_submit(...)  # v2
    project_approve(project=project, by=coordinator)
"""

from tutela.planning.services.projects.sheets import (
    M2M_FIELDS,
    VALUE_FIELDS,
    project_create,
    project_update,
)
from tutela.planning.services.projects.vetting import (
    project_approve,
    project_comment,
    project_return,
    project_submit,
    project_withdraw,
)

__all__ = [
    "M2M_FIELDS",
    "VALUE_FIELDS",
    "project_approve",
    "project_comment",
    "project_create",
    "project_return",
    "project_submit",
    "project_update",
    "project_withdraw",
]
