"""5W reporting pages: home (rounds and who has reported), rounds, the web grid, submission review,
and the small htmx endpoints that fill the grid's cascading selects.

Views are thin: they check access through `tutela.core.access` and the rounds service, call one
service and render. Operations the user has no role in, and organisations whose rows the user may
not see, answer 404; pages the user may know of but not use (managers' actions), 403.
"""

from tutela.activities.views.reporting.common import (
    PAGE_SIZE,
    managed_operation,
    month_key,
    organisation_for,
    page,
)
from tutela.activities.views.reporting.rounds import (
    ROUND_ACTIONS,
    reporting_home,
    round_action,
    round_create,
    round_deadline,
    round_detail,
)
from tutela.activities.views.reporting.rows import (
    ROUND_STATUS_CODES,
    area_options,
    check_rows,
    grid_lines,
    indicator_options,
    row_delete,
    rows_grid,
    rows_of,
)
from tutela.activities.views.reporting.submissions import (
    submission_detail,
    submission_review,
    submission_submit,
)

# Re-exported: the configuration and import views import them from here.
from tutela.core.views.common import current_user, operation_for, paginate

__all__ = [
    "current_user",
    "operation_for",
    "paginate",
    "PAGE_SIZE",
    "ROUND_ACTIONS",
    "ROUND_STATUS_CODES",
    "area_options",
    "check_rows",
    "grid_lines",
    "indicator_options",
    "managed_operation",
    "month_key",
    "organisation_for",
    "page",
    "reporting_home",
    "round_action",
    "round_create",
    "round_deadline",
    "round_detail",
    "row_delete",
    "rows_grid",
    "rows_of",
    "submission_detail",
    "submission_review",
    "submission_submit",
]
