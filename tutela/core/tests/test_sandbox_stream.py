"""A sandboxed child that hands its results over one by one (`sandbox.start_stream`): the 5W
upload's rows are checked in one while the parent saves the rows already checked
(tutela.activities.services.rows.chunks)."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator

import pytest

from tutela.core import sandbox
from tutela.core.tests.test_sandbox_pending import _children

WITHIN = sandbox.Budget(memory_mb=200, cpu_seconds=30, wall_seconds=30)


def _slow_pair() -> Iterator[int]:
    yield 1
    time.sleep(1.5)
    yield 2


def _then_raise() -> Iterator[int]:
    yield 1
    raise ValueError("row 7 is bad")


def _then_die() -> Iterator[int]:
    yield 1
    os.kill(os.getpid(), signal.SIGKILL)
    yield 2  # pragma: no cover (killed before)


def _then_spin() -> Iterator[int]:
    yield 1
    while True:
        pass


def _then_hog() -> Iterator[int]:
    yield 1
    hog = bytearray(400 * 1024 * 1024)
    yield len(hog)  # pragma: no cover (refused before)


def _endless() -> Iterator[int]:
    number = 0
    while True:
        number += 1
        yield number


def _big(size: int) -> Iterator[bytes]:
    yield b"x" * size
    yield b"y" * 3


def test_each_item_arrives_while_the_child_works_on() -> None:
    before = _children()
    started = time.monotonic()
    arrived = []
    with sandbox.start_stream(_slow_pair, within=WITHIN) as stream:
        for item in stream:
            arrived.append((item, time.monotonic() - started))
    assert [item for item, _at in arrived] == [1, 2]
    # The first before the child slept, the second after.
    assert arrived[0][1] < 1.0
    assert arrived[1][1] >= 1.5
    assert _children() <= before


def test_items_bigger_than_the_pipe_arrive_whole() -> None:
    with sandbox.start_stream(_big, 5 * 1024 * 1024, within=WITHIN) as stream:
        items = list(stream)
    assert [len(items[0]), items[1]] == [5 * 1024 * 1024, b"yyy"]
    assert set(items[0]) == {ord("x")}


def test_what_the_child_raises_comes_after_what_it_yielded() -> None:
    taken = []
    with (
        pytest.raises(ValueError, match="row 7 is bad"),
        sandbox.start_stream(_then_raise, within=WITHIN) as stream,
    ):
        taken.extend(stream)
    assert taken == [1]


@pytest.mark.parametrize(
    ("func", "within", "reason"),
    [
        (_then_die, WITHIN, sandbox.CRASH),
        (_then_spin, sandbox.Budget(memory_mb=200, cpu_seconds=30, wall_seconds=1.5), sandbox.TIME),
        (_then_hog, WITHIN, sandbox.MEMORY),
    ],
)
def test_a_child_that_dies_or_runs_over_its_budget_is_a_sandbox_failure(
    func: object, within: sandbox.Budget, reason: str
) -> None:
    before = _children()
    taken = []
    with (
        pytest.raises(sandbox.SandboxFailure) as failure,
        sandbox.start_stream(func, within=within) as stream,  # type: ignore[arg-type]
    ):
        taken.extend(stream)
    assert taken == [1]
    assert failure.value.reason == reason
    assert _children() <= before


def test_leaving_early_kills_and_reaps_the_child() -> None:
    before = _children()
    with sandbox.start_stream(_endless, within=WITHIN) as stream:
        assert stream.pid in _children()
        for item in stream:
            if item == 3:
                break
    assert _children() <= before
    with pytest.raises(RuntimeError):
        next(iter(stream))
