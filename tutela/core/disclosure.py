"""Statistical disclosure control for tables of counts.

Small counts identify people: a cell of 1-4 survivors in a village is a person. Anything shared
beyond the owning organisation (pages, exports, API, reports) passes its tables through
`suppress_table`, which

1. **primary suppression** hides every count with 0 < count < threshold (the operation's
   `disclosure_threshold`, default 5) — cells and row/column/grand totals alike; zeros are shown;
2. **secondary (complementary) suppression** hides further cells so that no hidden count can be
   worked out from the totals: in every row and column of the table *with its margins*, the number
   of hidden entries is either zero or at least two. Where a line has exactly one, the smallest
   non-zero visible inner cell of that line is hidden too (then an inner zero, then the line's
   total), and the process repeats until no line has a single hidden entry.

The rule in 2 stops the one-equation attack (total minus the visible cells). It can still leave a
value that several equations determine together, so after it the whole system of row and column
equations is solved (`exposed_cells`) and one more entry is hidden beside any value it determines,
until none is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import numpy as np

DEFAULT_THRESHOLD = 5

K = TypeVar("K")


@dataclass
class SuppressedTable:
    """A table of counts after suppression. Hidden values are None.

    `cells[r][c]`, `row_totals[r]`, `col_totals[c]` and `grand_total` hold the published values;
    `primary` and `secondary` list the (row, column) positions hidden by each rule, where row R is
    the totals row and column C the totals column (R, C = number of inner rows, columns)."""

    row_labels: list[Any]
    col_labels: list[Any]
    cells: list[list[int | None]]
    row_totals: list[int | None]
    col_totals: list[int | None]
    grand_total: int | None
    threshold: int
    primary: set[tuple[int, int]] = field(default_factory=set)
    secondary: set[tuple[int, int]] = field(default_factory=set)

    @property
    def suppressed_count(self) -> int:
        return len(self.primary) + len(self.secondary)

    def rows(self) -> list[tuple[Any, list[int | None], int | None]]:
        """(label, cells, total) per row, for templates."""
        return [
            (label, self.cells[r], self.row_totals[r]) for r, label in enumerate(self.row_labels)
        ]


def _augment(values: Sequence[Sequence[int]]) -> list[list[int]]:
    rows = [list(map(int, row)) for row in values]
    n_cols = len(rows[0]) if rows else 0
    for row in rows:
        if len(row) != n_cols:
            raise ValueError("all rows of a table must have the same length")
        if any(v < 0 for v in row):
            raise ValueError("counts cannot be negative")
    grid = [[*row, sum(row)] for row in rows]
    grid.append([sum(row[c] for row in grid) for c in range(n_cols + 1)])
    return grid


def _lines(n_rows: int, n_cols: int) -> list[list[tuple[int, int]]]:
    """Every additive line of the augmented grid: each row (cells + its total), each column."""
    lines = [[(r, c) for c in range(n_cols + 1)] for r in range(n_rows + 1)]
    lines += [[(r, c) for r in range(n_rows + 1)] for c in range(n_cols + 1)]
    return lines


def _complement_for(
    line: list[tuple[int, int]], grid: list[list[int]], hidden: set[tuple[int, int]]
) -> tuple[int, int] | None:
    """The entry of `line` to hide next: smallest non-zero inner cell, then an inner zero, then a
    margin entry."""
    n_rows, n_cols = len(grid) - 1, len(grid[0]) - 1
    visible = [pos for pos in line if pos not in hidden]

    def is_margin(pos: tuple[int, int]) -> bool:
        return pos[0] == n_rows or pos[1] == n_cols

    tiers = [
        [p for p in visible if not is_margin(p) and grid[p[0]][p[1]] > 0],
        [p for p in visible if not is_margin(p)],
        visible,
    ]
    for tier in tiers:
        if tier:
            return min(tier, key=lambda p: (grid[p[0]][p[1]], p))
    return None


def suppress_table(
    values: Sequence[Sequence[int]],
    *,
    threshold: int = DEFAULT_THRESHOLD,
    row_labels: Sequence[Any] | None = None,
    col_labels: Sequence[Any] | None = None,
) -> SuppressedTable:
    """Suppress small counts in a rows × columns table of counts (with computed totals)."""
    if threshold < 1:
        raise ValueError("threshold must be at least 1")
    grid = _augment(values) if values else [[0]]
    n_rows, n_cols = len(grid) - 1, len(grid[0]) - 1
    primary = {
        (r, c) for r in range(n_rows + 1) for c in range(n_cols + 1) if 0 < grid[r][c] < threshold
    }
    hidden = set(primary)
    lines = _lines(n_rows, n_cols)
    while True:
        changed = True
        while changed:
            changed = False
            for line in lines:
                if sum(1 for pos in line if pos in hidden) == 1:
                    pick = _complement_for(line, grid, hidden)
                    if pick is not None:
                        hidden.add(pick)
                        changed = True
        # The line rule can leave a value that several equations together determine: hide one more
        # entry beside each such value and check again. Each round hides at least one more entry,
        # so this ends (at worst with everything hidden).
        exposed = _exposed(grid, hidden)
        if not exposed:
            break
        for pos in sorted(exposed):
            row_line = [(pos[0], c) for c in range(n_cols + 1)]
            col_line = [(r, pos[1]) for r in range(n_rows + 1)]
            pick = _complement_for(row_line, grid, hidden) or _complement_for(
                col_line, grid, hidden
            )
            if pick is not None:
                hidden.add(pick)

    def shown(r: int, c: int) -> int | None:
        return None if (r, c) in hidden else grid[r][c]

    return SuppressedTable(
        row_labels=list(row_labels) if row_labels is not None else list(range(n_rows)),
        col_labels=list(col_labels) if col_labels is not None else list(range(n_cols)),
        cells=[[shown(r, c) for c in range(n_cols)] for r in range(n_rows)],
        row_totals=[shown(r, n_cols) for r in range(n_rows)],
        col_totals=[shown(n_rows, c) for c in range(n_cols)],
        grand_total=shown(n_rows, n_cols),
        threshold=threshold,
        primary=primary,
        secondary=hidden - primary,
    )


@dataclass
class SuppressedSeries(Generic[K]):
    values: dict[K, int | None]
    total: int | None
    threshold: int


def suppress_counts(
    counts: Mapping[K, int], *, threshold: int = DEFAULT_THRESHOLD
) -> SuppressedSeries[K]:
    """One list of counts with its total (e.g. incidents by risk): a one-row table."""
    keys = list(counts)
    table = suppress_table([[counts[k] for k in keys]], threshold=threshold, col_labels=keys)
    return SuppressedSeries(
        values=dict(zip(keys, table.cells[0], strict=True)),
        total=table.row_totals[0] if keys else 0,
        threshold=threshold,
    )


def threshold_for(operation: Any) -> int:
    return int(getattr(operation, "disclosure_threshold", None) or DEFAULT_THRESHOLD)


def _exposed(grid: list[list[int]], hidden: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """Hidden entries of the augmented grid that the row and column equations determine exactly.

    With x the hidden values and A the coefficients of the equations that involve them, a hidden
    value x_i is determined exactly when every solution of A·x = b agrees on it, i.e. when the null
    space of A has a zero i-th coordinate. The null space comes from an SVD of A (entries -1, 0,
    1)."""
    if not hidden:
        return set()
    n_rows, n_cols = len(grid) - 1, len(grid[0]) - 1
    order = sorted(hidden)
    index = {pos: i for i, pos in enumerate(order)}
    equations = []
    for line in _lines(n_rows, n_cols):
        *inner, margin = line
        coeffs = np.zeros(len(order))
        for pos in inner:
            if pos in index:
                coeffs[index[pos]] += 1
        if margin in index:
            coeffs[index[margin]] -= 1
        if coeffs.any():
            equations.append(coeffs)
    if not equations:
        return set()
    matrix = np.array(equations)
    _u, singular, vt = np.linalg.svd(matrix)
    rank = int((singular > 1e-9).sum())
    null_basis = vt[rank:]
    if null_basis.shape[0] == 0:
        return set(order)
    free = np.abs(null_basis).max(axis=0) > 1e-9
    return {pos for pos, is_free in zip(order, free, strict=True) if not is_free}


def exposed_cells(values: Sequence[Sequence[int]], table: SuppressedTable) -> set[tuple[int, int]]:
    """Hidden entries whose exact value follows from the published values and the additivity of
    rows and columns (the whole system of equations, not one line at a time).

    A correct suppression returns an empty set. Used by tests, and available to any module that
    wants to check a table before it publishes it."""
    grid = _augment(values) if values else [[0]]
    return _exposed(grid, table.primary | table.secondary)
