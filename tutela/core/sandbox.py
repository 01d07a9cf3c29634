"""Parsing untrusted files in a child process with memory and CPU limits.

The threat: a parser given a hostile file allocates without bound, spins, or aborts the whole
process. python-calamine, given a 1.7 KB workbook with one cell at XFD1048576, asks for a 512 GiB
grid and aborts ("memory allocation of 549755813888 bytes failed"): no Python exception, the
process is gone. In a web worker that is a 502 for everyone it was serving; in the task worker,
every queued job stops.

So a file is parsed by `run_bounded` in a forked child whose address space (RLIMIT_AS) and CPU
time (RLIMIT_CPU) are capped, with no core dump (an aborted parser's memory holds the upload's
personal data). The parent waits for the child's answer on a pipe, with a wall-clock deadline.
Whatever the child does (an exception, MemoryError, an abort, SIGKILL by the kernel, an endless
loop), the parent gets either the result or `SandboxFailure`, and carries on. The checks in
`tutela.core.imports.limits` refuse known bombs with a clear message before anything big is
allocated; this is the net under them, for whatever they did not foresee.

Fork, not spawn: the child starts with Django set up and the user's language active, at no cost.
It never touches the database connection it inherited, and it leaves with `os._exit`, so nothing
of the parent's (connections, temporary files, atexit handlers) is closed or flushed twice.

Two deadlines: work done while a web request waits must end before the web server gives up on
the worker (gunicorn's 30 s), so the default wall-clock limit is short
(TUTELA_IMPORT_REQUEST_SECONDS); the task worker and the command line do long work and say so
with `patient()`, which allows TUTELA_IMPORT_PARSE_SECONDS.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import pickle
import resource
import select
import signal
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from django.conf import settings

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Defaults of the settings (config/settings.py reads them from the environment).
MEMORY_MB = 3072
PARSE_SECONDS = 300
REQUEST_SECONDS = 20

MEMORY = "memory"
TIME = "time"
CRASH = "crash"

_patient: contextvars.ContextVar[bool] = contextvars.ContextVar("sandbox_patient", default=False)


class SandboxFailure(Exception):
    """The child parsing a file died or ran out of time. `reason`: MEMORY, TIME or CRASH."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Budget:
    """What one parse may use: memory (MB, on top of what the process already maps), CPU
    seconds, and wall-clock seconds."""

    memory_mb: int
    cpu_seconds: int
    wall_seconds: float


def budget() -> Budget:
    """The budget for a parse now: the long one inside `patient()`, the request one otherwise."""
    memory = int(getattr(settings, "TUTELA_IMPORT_PARSE_MEMORY_MB", MEMORY_MB))
    cpu = int(getattr(settings, "TUTELA_IMPORT_PARSE_SECONDS", PARSE_SECONDS))
    if _patient.get():
        # Two processes share this machine's cores with us: allow for waiting on them.
        return Budget(memory_mb=memory, cpu_seconds=cpu, wall_seconds=cpu * 2 + 10)
    wall = float(getattr(settings, "TUTELA_IMPORT_REQUEST_SECONDS", REQUEST_SECONDS))
    return Budget(memory_mb=memory, cpu_seconds=min(cpu, int(wall) + 1), wall_seconds=wall)


@contextlib.contextmanager
def patient() -> Iterator[None]:
    """Parses inside take the long budget: for the task worker and the command line, never
    while a web request waits."""
    token = _patient.set(True)
    try:
        yield
    finally:
        _patient.reset(token)


def run_bounded(
    func: Callable[..., T], *args: Any, within: Budget | None = None, **kwargs: Any
) -> T:
    """`func(*args, **kwargs)` computed in a child process `within` a budget (default:
    `budget()`). Returns its result, or raises what it raised (it must pickle), or
    SandboxFailure when the child died or ran out of time. Without fork (not Linux), runs
    inline."""
    return start_bounded(func, *args, within=within, **kwargs).result()


class Pending(Generic[T]):
    """A child process computing a result (`start_bounded`): `result()` waits for it (within
    the budget's wall-clock time, counted from the start), `cancel()` kills it. Either must be
    called once, so that the child is reaped and the pipe closed."""

    def __init__(self, pid: int, read_fd: int, limits: Budget) -> None:
        self.pid = pid
        self.read_fd = read_fd
        self.deadline = time.monotonic() + limits.wall_seconds
        self.limits = limits
        self.done = False

    def result(self) -> T:
        self._finish()
        try:
            payload = _collect(self.read_fd, self.pid, self.limits, self.deadline)
        finally:
            os.close(self.read_fd)
        status, value = pickle.loads(payload)  # noqa: S301 (our own child wrote it)
        if status == "ok":
            return cast(T, value)
        if status == MEMORY:
            raise SandboxFailure(MEMORY, "MemoryError")
        raise value

    def cancel(self) -> None:
        self._finish()
        _kill_and_reap(self.pid, self.read_fd)

    def _finish(self) -> None:
        if self.done:
            raise RuntimeError("This child's result was already taken or cancelled.")
        self.done = True


def _kill_and_reap(pid: int, read_fd: int) -> None:
    """Kill a child (if it still runs), reap it and close its pipe."""
    try:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
    finally:
        os.close(read_fd)


class _Inline(Pending[T]):
    """Without fork: computed on the spot (its exception kept for `result()`)."""

    def __init__(self, func: Callable[..., T], args: tuple[Any, ...], kwargs: Any) -> None:
        self.done = False
        self.error: BaseException | None = None
        self.value: T | None = None
        try:
            self.value = func(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 (raised again by result())
            self.error = exc

    def result(self) -> T:
        self._finish()
        if self.error is not None:
            raise self.error
        return cast(T, self.value)

    def cancel(self) -> None:
        self._finish()


def start_bounded(
    func: Callable[..., T], *args: Any, within: Budget | None = None, **kwargs: Any
) -> Pending[T]:
    """`run_bounded` started and not waited for: two children can work at once (the safety scan
    of a workbook and its parse, tutela.core.imports.readers.files)."""
    limits = within or budget()
    if not hasattr(os, "fork"):  # pragma: no cover (Tutela runs on Linux)
        return _Inline(func, args, kwargs)
    pid, read_fd = _fork(
        lambda write_fd, parent: _child(write_fd, parent, limits, func, args, kwargs)
    )
    return Pending(pid, read_fd, limits)


def _fork(child: Callable[[int, int], None], *, pipe_bytes: int = 0) -> tuple[int, int]:
    """A child process running `child(write end of a pipe, parent's pid)` (which never returns:
    it leaves with os._exit); returns its pid and the read end of the pipe. `pipe_bytes`: the
    pipe's size, when more than the default."""
    read_fd, write_fd = os.pipe()
    if pipe_bytes:
        with contextlib.suppress(OSError):
            import fcntl  # Linux only, and only here

            fcntl.fcntl(write_fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), pipe_bytes)
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # pragma: no cover (runs in the child; its effects are tested)
        os.close(read_fd)
        child(write_fd, parent)
    os.close(write_fd)
    return pid, read_fd


class Stream(Generic[T]):
    """A child process yielding results one by one (`start_stream`): iterate over it to take
    them as they come, while the child works on (the 5W upload's rows are checked in a child
    while the parent saves the rows already checked). Use it as a context manager: leaving it
    kills the child if it is still running and reaps it. Raises what the child raised (after
    the items it yielded before), or SandboxFailure when it died or ran out of time (counted
    from the start)."""

    def __init__(self, pid: int, read_fd: int, limits: Budget) -> None:
        self.pid = pid
        self.read_fd = read_fd
        self.deadline = time.monotonic() + limits.wall_seconds
        self.limits = limits
        self.closed = False
        self.buffer = bytearray()

    def __enter__(self) -> Stream[T]:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[T]:
        while True:
            status, value = pickle.loads(self._frame())  # noqa: S301 (our own child wrote it)
            if status == "item":
                yield cast(T, value)
            elif status == "end":
                self._reap()
                return
            elif status == MEMORY:
                self.close()
                raise SandboxFailure(MEMORY, "MemoryError")
            else:
                self.close()
                raise value

    def close(self) -> None:
        """Kill the child (when it is still running), reap it, close the pipe. Idempotent."""
        if self.closed:
            return
        self.closed = True
        _kill_and_reap(self.pid, self.read_fd)

    def _reap(self) -> None:
        """The child said it was done: wait for its exit (it exits at once)."""
        self.closed = True
        try:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
        finally:
            os.close(self.read_fd)

    def _frame(self) -> bytes:
        """The next frame: an 8-byte length, then a pickle of (status, value)."""
        if self.closed:
            raise RuntimeError("This child's stream is closed.")
        while True:
            if len(self.buffer) >= _FRAME_HEAD:
                size = int.from_bytes(self.buffer[:_FRAME_HEAD], "big")
                if len(self.buffer) >= _FRAME_HEAD + size:
                    frame = bytes(self.buffer[_FRAME_HEAD : _FRAME_HEAD + size])
                    del self.buffer[: _FRAME_HEAD + size]
                    return frame
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                self.close()
                raise SandboxFailure(TIME, f"no answer within {self.limits.wall_seconds:g} s")
            ready, _w, _x = select.select([self.read_fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(self.read_fd, 1 << 20)
            if chunk:
                self.buffer += chunk
                continue
            # The pipe closed before the child said it was done: it died.
            self.closed = True
            try:
                _pid, status = os.waitpid(self.pid, 0)
            finally:
                os.close(self.read_fd)
            if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
                raise SandboxFailure(CRASH, "the stream ended early")
            raise _death(status)


# The length of a frame of a Stream, before its bytes.
_FRAME_HEAD = 8


def start_stream(
    func: Callable[..., Iterable[T]], *args: Any, within: Budget | None = None, **kwargs: Any
) -> Stream[T]:
    """`func(*args, **kwargs)` iterated in a child process `within` a budget (default:
    `budget()`), each item sent to the parent as soon as it is made (items and exceptions must
    pickle; everything else the child reads, it has from the fork). Without fork (not Linux),
    the items are computed inline."""
    limits = within or budget()
    if not hasattr(os, "fork"):  # pragma: no cover (Tutela runs on Linux)
        return cast(Stream[T], _InlineStream(func(*args, **kwargs)))
    # A bigger pipe: the child writes a chunk without waiting for the parent to read.
    pid, read_fd = _fork(
        lambda write_fd, parent: _stream_child(write_fd, parent, limits, func, args, kwargs),
        pipe_bytes=1 << 20,
    )
    return Stream(pid, read_fd, limits)


class _InlineStream:  # pragma: no cover (Tutela runs on Linux)
    def __init__(self, items: Iterable[Any]) -> None:
        self.items = items

    def __enter__(self) -> _InlineStream:
        return self

    def __exit__(self, *_exc: object) -> None:
        return None

    def __iter__(self) -> Iterator[Any]:
        return iter(self.items)

    def close(self) -> None:
        return None


def _stream_child(
    write_fd: int,
    parent: int,
    limits: Budget,
    func: Callable[..., Iterable[Any]],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> None:  # pragma: no cover (runs in the child)
    code = 1

    def send(answer: tuple[str, Any]) -> None:
        data = _pickled(answer)
        _write_all(write_fd, len(data).to_bytes(_FRAME_HEAD, "big") + data)

    try:
        _confine(parent, limits)
        try:
            for item in func(*args, **kwargs):
                send(("item", item))
            send(("end", None))
        except MemoryError:
            send((MEMORY, None))
        except Exception as exc:  # noqa: BLE001 (handed to the parent, which raises it)
            send(("raised", exc))
        code = 0
    finally:
        os._exit(code)


def _collect(read_fd: int, pid: int, limits: Budget, deadline: float) -> bytearray:
    """The child's answer, read until it closes the pipe; SandboxFailure if it died first or
    the deadline passed. The child is always reaped (killed first when still running)."""
    payload = bytearray()
    reaped = False
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise SandboxFailure(TIME, f"no answer within {limits.wall_seconds:g} s")
            ready, _w, _x = select.select([read_fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(read_fd, 1 << 20)
            if not chunk:
                break
            payload += chunk
        _pid, status = os.waitpid(pid, 0)
        reaped = True
    finally:
        if not reaped:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
    if os.WIFSIGNALED(status) or os.WEXITSTATUS(status) != 0 or not payload:
        raise _death(status)
    return payload


def _death(status: int) -> SandboxFailure:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        logger.warning("file parser child killed by signal %s", number)
        if number == signal.SIGXCPU:
            return SandboxFailure(TIME, "CPU time limit")
        if number == signal.SIGABRT:
            # An allocation refused under RLIMIT_AS aborts Rust code (python-calamine).
            return SandboxFailure(MEMORY, "aborted")
        return SandboxFailure(CRASH, f"signal {number}")
    logger.warning("file parser child exited with status %s", os.WEXITSTATUS(status))
    return SandboxFailure(CRASH, f"exit status {os.WEXITSTATUS(status)}")


def _child(
    write_fd: int,
    parent: int,
    limits: Budget,
    func: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> None:  # pragma: no cover (runs in the child)
    code = 1
    try:
        _confine(parent, limits)
        try:
            answer: tuple[str, Any] = ("ok", func(*args, **kwargs))
        except MemoryError:
            answer = (MEMORY, None)
        except Exception as exc:  # noqa: BLE001 (handed to the parent, which raises it)
            answer = ("raised", exc)
        _write_all(write_fd, _pickled(answer))
        code = 0
    finally:
        os._exit(code)


def _pickled(answer: tuple[str, Any]) -> bytes:  # pragma: no cover (runs in the child)
    """A child's answer as bytes; out of memory, or a value that does not pickle, is said so."""
    try:
        return pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        return pickle.dumps((MEMORY, None))
    except Exception as exc:  # noqa: BLE001 (a value or exception that does not pickle)
        return pickle.dumps(("raised", RuntimeError(repr(exc)[:500])))


def _write_all(fd: int, data: bytes) -> None:  # pragma: no cover (runs in the child)
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _confine(parent: int, limits: Budget) -> None:  # pragma: no cover (runs in the child)
    """Limits of the child: its own signal dispositions (not the web server's handlers), death
    with its parent, no core dump, CPU time and address space."""
    for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1):
        signal.signal(number, signal.SIG_DFL)
    _die_with_parent(parent)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
    mapped = _mapped_bytes()
    if mapped:
        cap = mapped + limits.memory_mb * 1024 * 1024
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            cap = min(cap, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def _mapped_bytes() -> int:
    """The address space the process maps now (a forked child starts with its parent's)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            pages = int(handle.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE")


def _die_with_parent(parent: int) -> None:  # pragma: no cover (runs in the child)
    """SIGKILL this child when its parent dies (a web worker killed by its server's timeout
    must not leave its parser running)."""
    with contextlib.suppress(Exception):
        # In the forked child only, just before it parses (prctl through libc, Linux).
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)
