"""Two sandboxed children at once (`sandbox.start_bounded`): a workbook's safety scan runs
alongside its parse (tutela.core.imports.readers.files.read_table), the scan's verdict first."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import pytest

from tutela.core import sandbox
from tutela.core.imports.problems import ImportFileError
from tutela.core.imports.readers import read_table
from tutela.core.tests.hostile_corpus import corpus_file

WITHIN = sandbox.Budget(memory_mb=200, cpu_seconds=30, wall_seconds=30)


def _sleep_then(seconds: float, value: int) -> int:
    time.sleep(seconds)
    return value


def _spin() -> None:
    while True:
        pass


def _children() -> set[int]:
    """This process's living (or unreaped) children. Other tests of the same worker may have
    started some (a browser, a server): compare before and after."""
    found: set[int] = set()
    for task in Path("/proc/self/task").iterdir():
        with contextlib.suppress(OSError):
            found |= {int(pid) for pid in (task / "children").read_text().split()}
    return found


def test_two_children_work_at_once_and_each_answer_comes_back() -> None:
    before = _children()
    started = time.monotonic()
    first = sandbox.start_bounded(_sleep_then, 1.0, 1, within=WITHIN)
    second = sandbox.start_bounded(_sleep_then, 1.0, 2, within=WITHIN)
    assert (first.result(), second.result()) == (1, 2)
    # At once, not one after the other.
    assert time.monotonic() - started < 1.9
    assert _children() <= before


def test_a_cancelled_child_is_killed_and_reaped_at_once() -> None:
    before = _children()
    pending = sandbox.start_bounded(_spin, within=WITHIN)
    assert pending.pid in _children()
    started = time.monotonic()
    pending.cancel()
    assert time.monotonic() - started < 2
    assert _children() <= before
    with pytest.raises(RuntimeError):
        pending.result()


def test_the_deadline_counts_from_the_start() -> None:
    before = _children()
    pending = sandbox.start_bounded(
        _spin, within=sandbox.Budget(memory_mb=100, cpu_seconds=60, wall_seconds=1)
    )
    time.sleep(1.2)
    started = time.monotonic()
    with pytest.raises(sandbox.SandboxFailure) as caught:
        pending.result()
    assert caught.value.reason == sandbox.TIME
    assert time.monotonic() - started < 0.5
    assert _children() <= before


@pytest.mark.parametrize("name", ["dimension_bomb", "zip_bomb", "billion_laughs"])
def test_a_workbook_the_scan_refuses_gets_its_message_and_leaves_no_child(name: str) -> None:
    file_name, data = corpus_file(name)
    before = _children()
    with pytest.raises(ImportFileError) as caught:
        read_table(data, file_name=file_name)
    # The scan's own message, not the parse's "needed more memory" or "stopped unexpectedly".
    assert caught.value.code != "parse_failed", caught.value.message
    assert _children() <= before
