"""The 5W summary tables (models.summaries): kept in step with the rows inside every write.

Writes that can change an analysis product call `summaries_apply(operation=..., slices=...)` in
their transaction, once their rows are written: the summary rows of the slices the write touched
(`Slices`: the months, organisations, admin 1 areas and activities of the rows as they were and
as they are) are computed again from the 5W rows, grain by grain, so that a pivot is fresh the
moment the write commits. A slice is the smallest part of a grain that holds every summary row
the write can change (see `_slice_of`): monthly grains by month and organisation (or admin 1),
the picks of the counting rule by organisation and activity (whole keys), their sums by
organisation or admin 1. A one-row edit recomputes a month of one partner's rows and one
partner's picks of one activity: a short write, as SQLite's single writer needs. Changes of what
counts everywhere (the counting rule, the areas where names are hidden) rebuild the tables
whole in the same transaction (`slices=None`) when the operation is small enough
(`build_in_write_max_rows`, one rebuild chunk); a larger one's tables are left stale (readers
answer from the 5W rows) and the chunked rebuild is queued once the write commits, so that no
write holds SQLite's write lock for a whole rebuild. Writes to an operation's summary rows are
serialised by locking its SummaryState row (PostgreSQL; SQLite writes one at a time).

Every write bumps `SummaryState.version` (results cached under it are never used after the
write commits) and records the months its slices hold (`month_versions`; `whole_version` when it
has no slices), so that blocks cached month by month (`selectors.pooled_atoms`) are pooled again
for those months only.

A write that cannot say what it touched calls `summaries_invalidate` instead (one version bump;
once it commits, `summaries_refresh` queues one background rebuild for that version,
`summaries_request`, task `summaries_rebuild_in_background`): until then reads answer from the
5W rows. Every service of the app applies deltas; invalidation is left for other paths (admin,
shell, data migrations). Reads (selectors.pivot, coverage) never write.

`summaries_rebuild` (command `rebuild_5w_summaries`, the repair) recomputes the tables from the
rows in chunks; `summary_differences` compares them with a rebuild (tests, `--check`).

A rebuild computes the operation's summary rows with INSERT ... SELECT ... GROUP BY statements
(window functions for the picks of the cumulative rule), portable to SQLite >= 3.30 and
PostgreSQL. The finest grain of each table is computed from the 5W rows; every coarser grain from
a finer one (sums of sums), so the whole rebuild reads the 5W rows twice.

It is done in chunks, each its own short transaction, so that SQLite's write lock is released
between them (a rebuild in one transaction held it 20-30 s per million rows and stopped every
other writer: imports, the task worker, sign-ins); every half second of work the lock is left
free a moment (`db_locks.WriterGaps`): writers poll for it, so a chunk begun again at once would
keep them out. The rows in use are stored under the operation
id `SummaryState.rows_key` (plus or minus the operation's id: the tables have no foreign-key
constraint); the new rows are written beside them under the other sign, by months (monthly grains:
every one has the month), by organisations or by admin 1 areas (the picks: every pick grain has
one of them), about CHUNK_ROWS 5W rows at a time. A one-row update of the state then puts them in
use, so that readers never see half a rebuild, and the old rows are deleted in chunks. Writes made
while the chunks were built bump `version`: the tables are then stale at once, as they must be,
and are rebuilt again.

Operations with fewer rows than ACTIVITY_SUMMARY_MIN_ROWS (setting, default 5,000) keep no
summary rows: the 5W rows answer fast enough there. (It was 50,000: at 20,000 rows a pivot from
the rows cost 150-300 ms of SQL, from the summary tables a few ms; bench/README.md.)
"""

from tutela.activities.models.summary_grains import (
    GRAINS,
    KEY_COLUMNS,
    MEASURE_COLUMNS,
    MONTHLY_GRAINS,
    PICK_COLUMNS,
    PICKED_GRAINS,
    Grain,
    hidden_key,
)
from tutela.activities.services.summaries.common import (
    DEFAULT_BUILD_IN_WRITE_MAX_ROWS,
    DEFAULT_CHUNK_ROWS,
    DEFAULT_MIN_ROWS,
    DEFAULT_OLD_ROWS_GRACE,
    DELETE_CHUNK_ROWS,
    LOCK_NAMESPACE,
    REBUILD_ATTEMPTS,
    build_in_write_max_rows,
    chunk_rows,
    min_rows,
    old_rows_grace,
)
from tutela.activities.services.summaries.deltas import (
    SLICE_COLUMNS,
    Slices,
    summaries_apply,
    summary_differences,
)
from tutela.activities.services.summaries.invalidation import (
    summaries_invalidate,
    summaries_refresh,
    summaries_request,
)
from tutela.activities.services.summaries.rebuild import (
    summaries_rebuild,
    summaries_rebuild_in_background,
)

__all__ = [
    "GRAINS",
    "KEY_COLUMNS",
    "MEASURE_COLUMNS",
    "MONTHLY_GRAINS",
    "PICKED_GRAINS",
    "PICK_COLUMNS",
    "Grain",
    "hidden_key",
    "DEFAULT_BUILD_IN_WRITE_MAX_ROWS",
    "DEFAULT_CHUNK_ROWS",
    "DEFAULT_MIN_ROWS",
    "DEFAULT_OLD_ROWS_GRACE",
    "DELETE_CHUNK_ROWS",
    "LOCK_NAMESPACE",
    "REBUILD_ATTEMPTS",
    "SLICE_COLUMNS",
    "Slices",
    "build_in_write_max_rows",
    "chunk_rows",
    "min_rows",
    "old_rows_grace",
    "summaries_apply",
    "summaries_invalidate",
    "summaries_rebuild",
    "summaries_rebuild_in_background",
    "summaries_refresh",
    "summaries_request",
    "summary_differences",
]
