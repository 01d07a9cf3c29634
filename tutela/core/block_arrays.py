"""The safe-atom method's pooling (`core.disclosure_blocks.Atoms`, read its docstring) on numpy
arrays, for large sets of hidden atoms (the 5W's: up to a million atoms at 1,000,000 rows).

The same steps on the same atoms give the same blocks as `Atoms.tuples()` (in another order;
tests compare both on random atoms): atoms of `threshold` or more are blocks; the smaller ones
are regrouped with one dimension after another set to POOLED, groups reaching the threshold
becoming blocks; what is left is withheld. Each dimension's values are coded as integers (the
code `len(values)` standing for POOLED), so that a step is one sort of integer keys and one
sum per group, instead of a dict operation per atom; a view's filters and a table's sums are
masks and sums over the codes too. Steps that share atoms out between two dimensions
(`Atoms._pool_between`) are not done here: callers with such steps use `Atoms`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tutela.core.disclosure_blocks import POOLED

# Keys made of the codes of every dimension fit in a signed 64-bit integer up to this product of
# the dimensions' sizes; above it rows are compared whole (slower, never wrong).
_MAX_KEY = 2**62


@dataclass
class BlockArrays:
    """Blocks (or atoms): `codes` (int32, one row per block, one column per dimension of `dims`)
    index `values` (per dimension, its values; the code `len(values[j])` is POOLED), `n` their
    counts."""

    dims: tuple[str, ...]
    values: list[list[Any]]
    codes: np.ndarray
    n: np.ndarray

    def __len__(self) -> int:
        return len(self.n)

    @classmethod
    def empty(cls, dims: Sequence[str]) -> BlockArrays:
        return cls(
            dims=tuple(dims),
            values=[[] for _ in dims],
            codes=np.zeros((0, len(dims)), dtype=np.int32),
            n=np.zeros(0, dtype=np.int64),
        )

    def tuples(self) -> list[tuple[tuple[Any, ...], int]]:
        """The blocks as `Atoms.tuples()` gives them: (key tuple over `dims`, count)."""
        tables = [[*values, POOLED] for values in self.values]
        columns = [
            [table[code] for code in column.tolist()]
            for table, column in zip(tables, self.codes.T, strict=True)
        ]
        return (
            list(zip(zip(*columns, strict=True), self.n.tolist(), strict=True)) if columns else []
        )

    def where(self, mask: np.ndarray) -> BlockArrays:
        return BlockArrays(
            dims=self.dims, values=self.values, codes=self.codes[mask], n=self.n[mask]
        )

    def parted(self, j: int) -> list[BlockArrays]:
        """The blocks parted by their code in column `j`: one BlockArrays per code of
        `values[j]` (in code order; POOLED blocks are left out), with one sort."""
        column = self.codes[:, j]
        order = np.argsort(column, kind="stable")
        bounds = np.searchsorted(column[order], np.arange(len(self.values[j]) + 1))
        return [
            BlockArrays(
                dims=self.dims,
                values=self.values,
                codes=self.codes[order[start:end]],
                n=self.n[order[start:end]],
            )
            for start, end in zip(bounds[:-1], bounds[1:], strict=True)
        ]

    def rounded_down(self, threshold: int) -> BlockArrays:
        """The blocks with their counts brought down to a multiple of `threshold` (each block
        counts at least `threshold`, so none becomes 0 or small)."""
        return BlockArrays(
            dims=self.dims, values=self.values, codes=self.codes, n=self.n - self.n % threshold
        )

    def inside(self, checks: Sequence[tuple[str, Collection[Any]]]) -> np.ndarray:
        """The blocks lying wholly inside a view (as `disclosure_blocks.block_predicate`): their
        value of every checked dimension among the allowed ones (a block pooled across it, or
        without it, is not)."""
        mask = np.ones(len(self.n), dtype=bool)
        for dim, allowed in checks:
            if dim not in self.dims:
                if None not in allowed:
                    mask[:] = False
                continue
            j = self.dims.index(dim)
            codes = [code for code, value in enumerate(self.values[j]) if value in allowed]
            mask &= np.isin(self.codes[:, j], codes)
        return mask

    def sums_by(self, columns: Sequence[int | None]) -> tuple[list[tuple[Any, ...]], np.ndarray]:
        """The blocks grouped by the values of `columns` (None: no such dimension, the group's
        value None): the groups' keys, and each block's group."""
        if not len(self.n):
            return [], np.zeros(0, dtype=np.int64)
        present = [j for j in columns if j is not None]
        sub = self.codes[:, present] if present else np.zeros((len(self.n), 0), dtype=np.int64)
        sizes = [len(self.values[j]) + 1 for j in present]
        first, inverse = groups(sub, sizes)
        tables = [[*self.values[j], POOLED] for j in present]
        keys = []
        for row in sub[first].tolist():
            decoded = iter(table[code] for table, code in zip(tables, row, strict=True))
            keys.append(tuple(None if j is None else next(decoded) for j in columns))
        return keys, inverse

    @classmethod
    def concatenated(cls, parts: Sequence[BlockArrays], dims: Sequence[str]) -> BlockArrays:
        """Blocks of several sets (months) together, their codes made one."""
        parts = [part for part in parts if len(part)]
        if not parts:
            return cls.empty(dims)
        values: list[list[Any]] = []
        columns = []
        for j in range(len(dims)):
            index: dict[Any, int] = {}
            for part in parts:
                for value in part.values[j]:
                    index.setdefault(value, len(index))
            pooled = len(index)
            mapped = []
            for part in parts:
                lookup = np.array(
                    [index[value] for value in part.values[j]] + [pooled],
                    dtype=np.int32,
                )
                mapped.append(lookup[part.codes[:, j]])
            columns.append(np.concatenate(mapped))
            values.append(list(index))
        return cls(
            dims=tuple(dims),
            values=values,
            codes=np.column_stack(columns),
            n=np.concatenate([part.n for part in parts]),
        )


def factorized(column: Sequence[Any]) -> tuple[np.ndarray, list[Any]]:
    """A column's values as codes, and the values coded (in order of first appearance). A
    column holds values of one kind (True and 1 would be one value)."""
    values = list(dict.fromkeys(column))
    index = {value: code for code, value in enumerate(values)}
    codes = np.fromiter(map(index.__getitem__, column), dtype=np.int32, count=len(column))
    return codes, values


def pooled(
    atoms: BlockArrays, *, threshold: int, pool_order: Sequence[str], distinct: bool = False
) -> tuple[BlockArrays, np.ndarray]:
    """`atoms` (all hidden) pooled into blocks, as `Atoms.tuples()` pools them; and the codes of
    the small groups left withheld (one row each). `distinct`: the caller knows no two atoms
    have the same codes (else the first step groups them whatever its column)."""
    big = atoms.n >= threshold
    out_codes = [atoms.codes[big]]
    out_n = [atoms.n[big]]
    codes, n = atoms.codes[~big], atoms.n[~big]
    sizes = [len(values) + 1 for values in atoms.values]
    multipliers = _multipliers(sizes)
    # Each row's key over every dimension, moved on as a dimension is set to POOLED (one column
    # changes: no key made again from every column).
    keys = codes @ multipliers if multipliers is not None else None
    grouped = distinct
    for step in pool_order:
        if not len(n):
            break
        if step not in atoms.dims:
            continue
        j = atoms.dims.index(step)
        column = codes[:, j]
        if grouped and column.min() == column.max():
            # One value left, and the rows distinct (since the first step): setting it to POOLED
            # merges no rows, so no group reaches the threshold; only the column changes.
            if keys is not None and multipliers is not None:
                keys = keys + np.int64(sizes[j] - 1 - int(column[0])) * multipliers[j]
            codes[:, j] = sizes[j] - 1
            continue
        grouped = True
        if keys is not None and multipliers is not None:
            keys = keys + (sizes[j] - 1 - column).astype(np.int64) * multipliers[j]
            first, inverse = _first_and_group(keys)
        else:
            codes = codes.copy()
            codes[:, j] = sizes[j] - 1
            first, inverse = groups(codes, sizes)
        # Exact: counts stay far below 2**53.
        sums = np.bincount(inverse, weights=n, minlength=len(first)).astype(np.int64)
        reached = sums >= threshold
        # One gather each for the new blocks and the groups left (not all groups, then a mask).
        done, left = first[reached], first[~reached]
        out_codes.append(codes[done])
        out_codes[-1][:, j] = sizes[j] - 1
        out_n.append(sums[reached])
        codes, n = codes[left], sums[~reached]
        codes[:, j] = sizes[j] - 1
        if keys is not None:
            keys = keys[left]
    blocks = BlockArrays(
        dims=atoms.dims,
        values=atoms.values,
        codes=np.concatenate(out_codes) if out_codes else atoms.codes[:0],
        n=np.concatenate(out_n) if out_n else atoms.n[:0],
    )
    return blocks, codes


def groups(codes: np.ndarray, sizes: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Rows of equal codes (`sizes`: each column's number of codes): the first row of each
    group, and each row's group."""
    if codes.shape[1] == 0:
        return np.zeros(1 if len(codes) else 0, dtype=np.int64), np.zeros(
            len(codes), dtype=np.int64
        )
    multipliers = _multipliers(sizes)
    if multipliers is not None:
        return _first_and_group(codes @ multipliers)
    found = np.unique(codes, axis=0, return_index=True, return_inverse=True)
    return found[1], found[2].reshape(-1)


def _multipliers(sizes: Sequence[int]) -> np.ndarray | None:
    """The weights making one 64-bit key of a row's codes, or None when keys would not fit."""
    product = 1
    for size in sizes:
        product *= size
    if product >= _MAX_KEY:
        return None
    multipliers = np.ones(len(sizes), dtype=np.int64)
    for j in range(len(sizes) - 2, -1, -1):
        multipliers[j] = multipliers[j + 1] * sizes[j + 1]
    return multipliers


def _first_and_group(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    found = np.unique(keys, return_index=True, return_inverse=True)
    return found[1], found[2].reshape(-1)
