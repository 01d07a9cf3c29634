"""Running Tutela as real processes in tests: `tutela serve` (gunicorn, the task worker, the
scheduler) or single commands, on a temporary SQLite file or a PostgreSQL database, with a
signed-in HTTP client. Used by the tests of the running system (test_stack_*.py).

A migrated SQLite database is made once for the whole test run (`migrated_template`, shared by
the parallel workers) and copied for each test (migrating takes minutes on a busy machine).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tutela.core.crypto import generate_key

ROOT = Path(__file__).resolve().parents[3]
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stack_env(var_dir: Path, *, database_url: str = "", **extra: str) -> dict[str, str]:
    """The environment of a production-mode Tutela in `var_dir` (secrets in var/secrets.env, as
    `make run` leaves them; the processes read the file themselves)."""
    var_dir.mkdir(parents=True, exist_ok=True)
    secrets = var_dir / "secrets.env"
    if not secrets.exists():
        secrets.write_text(
            f"TUTELA_SECRET_KEY=stack-{uuid.uuid4().hex}{uuid.uuid4().hex}\n"
            f"TUTELA_FIELD_KEYS={generate_key()}\n"
        )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TUTELA_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    env.update(
        {
            "TUTELA_VAR_DIR": str(var_dir),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "TUTELA_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PYTHONUNBUFFERED": "1",
        }
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    env.update(extra)
    return env


def tutela(env: dict[str, str], *args: str, timeout: float = 600) -> str:
    """Run one `tutela` command; its standard output (fails the test on a non-zero status)."""
    result = subprocess.run(  # noqa: S603
        [PYTHON, "-m", "tutela.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, f"tutela {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def shell_json(env: dict[str, str], code: str) -> dict[str, Any]:
    """Run Python in `tutela shell`; the last line it prints, read as JSON."""
    out = tutela(env, "shell", "-c", code)
    return dict(json.loads(out.strip().splitlines()[-1]))


def migrated_template(timeout: float = 2400) -> Path:
    """A migrated (empty) SQLite database file, made once for every worker of the test run and
    for later runs while the code stays the same (copy it, never use it). Migrating costs
    one to three minutes of CPU (Django renders the model states of about a hundred
    migrations), over ten minutes on a busy machine: paid once, not by every test module."""
    # Keyed by every application module (migrations import fields, functions and SQL from the
    # code), so a changed module makes a new template; tests do not count.
    digest = hashlib.sha256()
    for path in sorted((ROOT / "tutela").rglob("*.py")):
        if "tests" not in path.relative_to(ROOT).parts:
            digest.update(path.relative_to(ROOT).as_posix().encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    shared = Path(f"/tmp/tutela-test-db-{digest.hexdigest()[:16]}.sqlite3")  # noqa: S108
    with open(f"{shared}.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not shared.exists():
            var = Path(f"{shared}.var")
            shutil.rmtree(var, ignore_errors=True)
            tutela(stack_env(var), "migrate", "-v0", timeout=timeout)
            # Written under another name first: a run killed half-way leaves no template.
            shutil.copy(var / "tutela.sqlite3", f"{shared}.part")
            os.replace(f"{shared}.part", shared)
            shutil.rmtree(var, ignore_errors=True)
    return shared


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database file and the collected static files (hashed names, as in
    production), made once per session (copy them, never use them)."""
    var = tmp_path_factory.mktemp("template-var")
    stack_env(var)
    shutil.copy(migrated_template(), var / "tutela.sqlite3")
    collected_static(var)
    return var / "tutela.sqlite3"


def collected_static(var_dir: Path) -> Path:
    """The static files collected once for every test of the session (collectstatic compresses
    every file with brotli: minutes on a busy machine)."""
    # One copy per state of the static sources (a changed file is collected again).
    # Every app's static directory counts (tutela/static and tutela/<app>/static), not only the
    # project's: a copy made before an app brought its own files lacks them (a 500 on its pages).
    digest = hashlib.sha256()
    for path in sorted((ROOT / "tutela").rglob("*")):
        if "static" in path.relative_to(ROOT).parts and path.is_file():
            digest.update(f"{path}:{path.stat().st_size}:{path.stat().st_mtime_ns}".encode())
    shared = Path(f"/tmp/tutela-test-static-{digest.hexdigest()[:16]}")  # noqa: S108
    marker = shared / "staticfiles.json"
    # Parallel test workers collect once between them.
    with open(f"{shared}.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not marker.exists():
            env = stack_env(var_dir)
            tutela(env, "collectstatic", "--noinput", "-v0")
            if shared.exists():
                shutil.rmtree(shared)
            shutil.copytree(var_dir / "static", shared, symlinks=True)
    return shared


def sqlite_var(template: Path, var_dir: Path) -> Path:
    var_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(template, var_dir / "tutela.sqlite3")
    static_link(template.parent, var_dir)
    return var_dir


def static_link(template_var: Path, var_dir: Path) -> None:
    target = var_dir / "static"
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)
    if not target.exists():
        target.symlink_to(collected_static(template_var))


def sqlite_query(path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    connection = sqlite3.connect(path, timeout=60)
    try:
        return list(connection.execute(sql, params).fetchall())
    finally:
        connection.close()


@dataclass
class Served:
    """`tutela serve` (or another long-running command) started by a test."""

    env: dict[str, str]
    args: list[str]
    log: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    handle: Any = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Served:
        self.handle = self.log.open("ab")
        self.process = subprocess.Popen(  # noqa: S603
            [PYTHON, "-m", "tutela.cli", *self.args],
            cwd=ROOT,
            env=self.env,
            stdout=self.handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_healthy(
        self, timeout: float = 180, until: Callable[[dict[str, Any]], bool] | None = None
    ) -> dict[str, Any]:
        """Until /healthz says ok (the web server, a worker and a scheduler are up), and `until`
        holds of what it says (e.g. both stacks' workers have sent their first heartbeat)."""
        deadline = time.monotonic() + timeout
        last: Any = None
        while time.monotonic() < deadline:
            assert self.process is not None
            assert self.process.poll() is None, self.log_text()
            try:
                status, body, _ = request(f"{self.base}/healthz", timeout=10)
                last = body
                if status == 200:
                    health = dict(json.loads(body))
                    if until is None or until(health):
                        return health
            except OSError as exc:
                last = exc
            time.sleep(0.5)
        raise AssertionError(f"not healthy: {last!r}\n{self.log_text()[-4000:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        for child in descendants(self.process.pid if self.process else 0):
            with_suppressed_kill(child)
        if self.handle is not None:
            self.handle.close()


def with_suppressed_kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def children_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...
        after = text[text.rindex(")") + 2 :].split()
        if int(after[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def descendants(pid: int) -> list[int]:
    if not pid:
        return []
    out: list[int] = []
    todo = [pid]
    while todo:
        for child in children_of(todo.pop()):
            out.append(child)
            todo.append(child)
    return out


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def find_child(served: Served, words: str) -> int:
    assert served.process is not None
    for pid in descendants(served.process.pid):
        if words in cmdline(pid):
            return pid
    raise AssertionError(f"no process running {words!r}")


@pytest.fixture
def serve_factory(tmp_path: Path) -> Iterator[Any]:
    started: list[Served] = []

    def start(env: dict[str, str], *args: str, name: str = "serve") -> Served:
        served = Served(env=env, args=list(args), log=tmp_path / f"{name}.log")
        if args and args[0] == "serve":
            served.port = free_port()
            served.args += ["--bind", f"127.0.0.1:{served.port}"]
        started.append(served.start())
        return served

    yield start
    for served in started:
        served.stop()


def request(
    url: str,
    *,
    data: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    opener: urllib.request.OpenerDirector | None = None,
    timeout: float = 60,
) -> tuple[int, str, Any]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, headers=headers or {})  # noqa: S310
    open_ = opener.open if opener is not None else urllib.request.urlopen
    try:
        with open_(req, timeout=timeout) as response:
            raw = response.read()
            if response.headers.get("Content-Encoding") == "gzip":
                import gzip

                raw = gzip.decompress(raw)
            return response.status, raw.decode(errors="replace"), response.headers
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace"), exc.headers


@dataclass
class Browser:
    """A signed-in user's browser: cookies kept, the CSRF token sent with posts."""

    base: str
    jar: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)

    def __post_init__(self) -> None:
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str, **kwargs: Any) -> tuple[int, str, Any]:
        return request(self.base + path, opener=self.opener, **kwargs)

    def csrf(self, html: str) -> str:
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert match, html[:2000]
        return match.group(1)

    def post(self, path: str, data: dict[str, str], **kwargs: Any) -> tuple[int, str, Any]:
        return request(
            self.base + path,
            data=data,
            opener=self.opener,
            headers={"Referer": self.base + path},
            **kwargs,
        )

    def login(self, email: str, password: str) -> None:
        status, html, _ = self.get("/login/")
        assert status == 200
        status, html, _ = self.post(
            "/login/",
            {"csrfmiddlewaretoken": self.csrf(html), "email": email, "password": password},
        )
        assert status == 200
        assert "logout" in html.lower(), html[:3000]
