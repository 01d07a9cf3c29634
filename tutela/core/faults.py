"""Fault points: named places where a fault test pauses a process deterministically, so that it
can be killed at a known moment (issue 11, requirement 4: kill -9 in the middle of an import
loses nothing). Inert unless the operator's environment names the point:

    TUTELA_FAULT_PAUSE=<point>:<marker file>

The first process to reach that point creates the marker file (holding its process id) and
sleeps; any later arrival (the same file imported again after the kill) finds the marker and
goes on. Nothing a user sends can set it: it is read from the process environment only."""

from __future__ import annotations

import os
import time

ENVIRONMENT = "TUTELA_FAULT_PAUSE"
# Long enough for any test to kill the paused process; short enough that a forgotten setting
# cannot hold a transaction for ever.
PAUSE_SECONDS = 600.0


def fault_point(name: str) -> None:
    """Pause here once if the environment names this point (see the module's docstring)."""
    spec = os.environ.get(ENVIRONMENT, "")
    if not spec:
        return
    point, _, marker = spec.partition(":")
    if point != name or not marker:
        return
    try:
        descriptor = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    try:
        os.write(descriptor, str(os.getpid()).encode())
    finally:
        os.close(descriptor)
    time.sleep(PAUSE_SECONDS)
