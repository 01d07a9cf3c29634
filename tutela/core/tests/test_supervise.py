"""`tutela serve`'s supervisor (tutela.core.supervise) with real child processes: a child that
stops is restarted with a log line and the others are left alone; one that keeps stopping makes
the supervisor give up (status 1); TERM stops every child."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

from tutela.core.supervise import Child, Supervisor

SLEEPER = [sys.executable, "-c", "import time; time.sleep(600)"]


def test_a_crashed_child_is_restarted_and_the_others_keep_running(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    marker = tmp_path / "runs"
    # Crashes on its first run only.
    flaky = [
        sys.executable,
        "-c",
        f"import pathlib, sys, time; p = pathlib.Path({str(marker)!r}); first = not p.exists(); "
        "p.write_text('x'); sys.exit(3) if first else time.sleep(600)",
    ]
    steady = Child("steady", SLEEPER)
    flaky_child = Child("flaky", flaky)
    supervisor = Supervisor([steady, flaky_child], max_restarts=3, poll=0.05)
    caplog.set_level(logging.INFO, logger="tutela.supervise")
    seen: dict[str, object] = {}

    def watch() -> None:
        deadline = time.monotonic() + 60
        while not steady.process and time.monotonic() < deadline:
            time.sleep(0.05)
        seen["steady_before"] = steady.process.pid if steady.process else None
        # Until the flaky child has crashed once and runs again.
        while time.monotonic() < deadline:
            if "restarting it" in caplog.text and flaky_child.process is not None:
                break
            time.sleep(0.05)
        seen["flaky_running"] = flaky_child.process is not None and (
            flaky_child.process.poll() is None
        )
        seen["steady_after"] = steady.process.pid if steady.process else None
        seen["steady_running"] = steady.process is not None and steady.process.poll() is None
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch).start()
    assert supervisor.run() == 0
    assert "flaky stopped (exit status 3); restarting it in 1 s (restart 1 of at most 3" in (
        caplog.text
    )
    assert seen["flaky_running"] is True
    # The steady child was not touched.
    assert seen["steady_running"] is True
    assert seen["steady_after"] == seen["steady_before"]


def test_a_child_that_keeps_crashing_stops_everything_with_status_1(
    caplog: pytest.LogCaptureFixture,
) -> None:
    steady = Child("steady", SLEEPER)
    crashing = Child("crashing", [sys.executable, "-c", "import os; os.kill(os.getpid(), 9)"])
    supervisor = Supervisor([steady, crashing], max_restarts=2, window=60, poll=0.05)
    supervisor.longest_delay = 0.1
    crashing.delay = 0.05
    caplog.set_level(logging.INFO, logger="tutela.supervise")
    assert supervisor.run() == 1
    assert "crashing stopped (killed by SIGKILL)" in caplog.text
    assert "crashing keeps stopping (2 restarts within 60 s): stopping everything" in caplog.text
    assert steady.process is None  # stopped and waited for


def test_term_stops_every_child() -> None:
    children = [Child("a", SLEEPER), Child("b", SLEEPER)]
    supervisor = Supervisor(children, poll=0.05)
    started: list[int] = []

    def stop_soon() -> None:
        while not all(c.process for c in children):
            time.sleep(0.05)
        started.extend(c.process.pid for c in children if c.process)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=stop_soon).start()
    assert supervisor.run() == 0
    for pid in started:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
