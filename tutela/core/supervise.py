"""A small process supervisor: the web server, the task worker and the scheduler side by side.

`tutela serve` (and so `make run`) starts the three and keeps them running:
- a child that stops on its own (a crash, the out-of-memory killer, kill -9) is restarted after a
  pause that grows (1 s, 2 s, 4 s ... 30 s), with a log line saying which child, how it ended and
  how many restarts it had; the others are left alone;
- a child that keeps stopping (more than `max_restarts` restarts within `window` seconds) is a
  fault no restart will fix: everything is stopped and the supervisor exits with status 1, so
  that systemd (or whoever started it) sees it and the log says why;
- SIGTERM or SIGINT (Ctrl-C) stops the children (TERM, then KILL after `grace` seconds) and exits.

Children run in their own session, so a Ctrl-C in the terminal reaches the supervisor only, which
stops them in order. In production under systemd, prefer one unit per process (README "Running as
a service"): systemd is then the supervisor.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger("tutela.supervise")


@dataclass
class Child:
    name: str
    command: Sequence[str]
    process: subprocess.Popen[bytes] | None = None
    restarts: deque[float] = field(default_factory=deque)
    restart_at: float | None = None
    delay: float = 1.0

    def start(self) -> None:
        self.process = subprocess.Popen(list(self.command), start_new_session=True)  # noqa: S603
        logger.info("started %s (pid %d)", self.name, self.process.pid)


def describe(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit status {returncode}"


class Supervisor:
    def __init__(
        self,
        children: Sequence[Child],
        *,
        max_restarts: int = 5,
        window: float = 600.0,
        grace: float = 10.0,
        poll: float = 0.2,
        longest_delay: float = 30.0,
    ) -> None:
        self.children = list(children)
        self.max_restarts = max_restarts
        self.window = window
        self.grace = grace
        self.poll = poll
        self.longest_delay = longest_delay
        self.stopping = False
        self.signal_received: int | None = None

    def _on_signal(self, signum: int, frame: Any) -> None:
        self.stopping = True
        self.signal_received = signum

    def run(self) -> int:
        """Start the children and supervise them until a signal or a child that keeps failing.
        Returns the exit status for the supervisor: 0 after a signal, 1 after giving up."""
        previous = {
            signum: signal.signal(signum, self._on_signal)
            for signum in (signal.SIGTERM, signal.SIGINT)
        }
        status = 0
        try:
            for child in self.children:
                child.start()
            while not self.stopping:
                failed = self._check()
                if failed is not None:
                    logger.error(
                        "%s keeps stopping (%d restarts within %d s): stopping everything",
                        failed.name,
                        self.max_restarts,
                        int(self.window),
                    )
                    status = 1
                    break
                time.sleep(self.poll)
            if self.signal_received is not None:
                logger.info("received %s: stopping", signal.Signals(self.signal_received).name)
        finally:
            self.stop_all()
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        return status

    def _check(self) -> Child | None:
        """Restart what stopped (when its pause is over). Returns a child that failed too often."""
        now = time.monotonic()
        for child in self.children:
            if child.process is None:
                if child.restart_at is not None and now >= child.restart_at:
                    child.restart_at = None
                    child.start()
                continue
            code = child.process.poll()
            if code is None:
                # Running: after a quiet window its pauses start short again.
                if child.restarts and now - child.restarts[-1] > self.window:
                    child.delay = 1.0
                continue
            if self.stopping:
                return None
            child.process = None
            while child.restarts and now - child.restarts[0] > self.window:
                child.restarts.popleft()
            if len(child.restarts) >= self.max_restarts:
                logger.error("%s stopped (%s)", child.name, describe(code))
                return child
            child.restarts.append(now)
            logger.error(
                "%s stopped (%s); restarting it in %.0f s (restart %d of at most %d within %d s)",
                child.name,
                describe(code),
                child.delay,
                len(child.restarts),
                self.max_restarts,
                int(self.window),
            )
            child.restart_at = now + child.delay
            child.delay = min(child.delay * 2, self.longest_delay)
        return None

    def stop_all(self) -> None:
        running = [c for c in self.children if c.process is not None and c.process.poll() is None]
        for child in running:
            assert child.process is not None
            child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.grace
        for child in running:
            assert child.process is not None
            try:
                child.process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                logger.warning("%s did not stop within %.0f s: killing it", child.name, self.grace)
                child.process.kill()
                child.process.wait()
        for child in self.children:
            child.process = None
