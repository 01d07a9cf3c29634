"""Load benchmark (issue 11, requirement 3): `tutela serve` as `make run` starts it (gunicorn with
2 sync workers, the task worker, the scheduler: real processes on loopback) under U signed-in
users of every role, driven headless by locust from this process.

The data: the demo operation (`tutela demo`) with synthetic cases, plus a second operation with
N synthetic 5W rows (bench/_load_data.py). Each user signs in, then opens the pages of their role
one after another with ~5 s of thinking between them (uniform 4-6 s): home, the operation's page,
the 5W rows (month grid and API), the 5W pivot page and API, the 5W presence map's GeoJSON,
the monitoring analysis and its hot-spot GeoJSON, meetings, action points, the case list
(caseworkers and supervisors) and the audit log (managers). Pages a role may not open (403/404,
checked once before the run) are left out of its rotation and listed.

While they browse, an M-row 5W workbook is uploaded through the upload page (queued and imported
by the task worker, as a real big upload is) and a forced summary rebuild runs
(`tutela rebuild_5w_summaries --force`, a process of its own).

Printed: per page requests, errors, p50/p95/max; the import's and the rebuild's times; the
stack's processes (pids) before and after and any restart in its log; the machine's load; then
the saturation throughput: short runs with no think time and 1, 2, 4, ... users until the
requests per second stop rising.

    cd bench && ../.venv/bin/python bench_load.py [--database sqlite|postgres] [--users 50]
        [--duration 300] [--rows 100000] [--import-rows R] [--quick] [--explain] [--profile]

--quick: 10 users, 60 s, 20,000 rows (a check). --database postgres runs itself again inside
scripts/with-postgres.sh (a throw-away server on loopback) unless DATABASE_URL already names one.
--explain: SQL query count and time of every page for one user, before the load. --profile:
py-spy samples the gunicorn workers during the run; the functions where the time goes.
The data prepared for a given size is kept under /tmp/tutela-bench (SQLite: the database file;
PostgreSQL: a pg_dump) with its secrets and files, and copied or restored for each run
(--prepare-only makes it without a run).
"""

from __future__ import annotations

# locust patches the standard library for gevent when imported: first, before any socket or ssl.
# isort: off
from locust import FastHttpUser, between, constant, task
from locust.env import Environment
from locust.exception import StopUser

# isort: on

import argparse
import collections
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gevent
from _setup import ROOT, WORK, median, p95

from tutela.core.tests.stack import (
    PYTHON,
    Browser,
    Served,
    descendants,
    free_port,
    shell_json,
    stack_env,
    static_link,
    tutela,
)
from tutela.core.tests.test_stack_kill import post_upload

THINK = (4.0, 6.0)
# Which pages each role opens ({demo}, {fivew}, {month}, {org}: filled in from the data).
PAGES: dict[str, str] = {
    "home": "/",
    "operation home": "/o/{demo}/",
    "5W rows (month grid)": "/o/{fivew}/5w/{month}/rows/{org_query}",
    "5W rows API": "/api/v1/operations/{fivew}/5w/rows/",
    "5W pivot page": "/o/{fivew}/5w/pivot/",
    "5W pivot API": "/api/v1/operations/{fivew}/5w/pivot/?rows=admin1,activity",
    "5W map GeoJSON": "/o/{fivew}/5w/presence.geojson",
    "monitoring analysis": "/o/{demo}/monitoring/analysis/",
    "hot-spots GeoJSON": "/o/{demo}/monitoring/analysis/hotspots.geojson",
    "meetings": "/o/{demo}/coordination/meetings/",
    "action points": "/o/{demo}/coordination/action-points/",
    "cases list": "/o/{demo}/cases/list/",
    "audit log": "/o/{demo}/audit/",
}
BROWSING = [p for p in PAGES if p not in {"cases list", "audit log"}]
CASEWORK = ["home", "operation home", "cases list", "meetings", "action points"]
ROLE_PAGES: dict[str, list[str]] = {
    "coordinator": [*BROWSING, "audit log"],
    "imo": [*BROWSING, "audit log"],
    "focal_point": BROWSING,
    "partner": BROWSING,
    "viewer": BROWSING,
    "caseworker": CASEWORK,
    "supervisor": CASEWORK,
}


@dataclass
class Plan:
    """Who browses what: filled in once the data is there."""

    base: str = ""
    password: str = ""
    users: list[dict[str, str]] = field(default_factory=list)
    pages: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    think: tuple[float, float] = THINK
    signed_in: int = 0
    next_user: int = 0
    times: dict[str, list[float]] = field(default_factory=lambda: collections.defaultdict(list))
    errors: collections.Counter[str] = field(default_factory=collections.Counter)
    error_samples: dict[str, str] = field(default_factory=dict)

    def reset(self) -> None:
        self.times = collections.defaultdict(list)
        self.errors = collections.Counter()
        self.error_samples = {}


PLAN = Plan()


class Person(FastHttpUser):
    """One signed-in user of the plan (the next account in turn), browsing their role's pages."""

    abstract = True
    # Long requests are measured, not abandoned (gunicorn's own timeout applies).
    network_timeout = 300.0
    connection_timeout = 60.0

    def on_start(self) -> None:
        person = PLAN.users[PLAN.next_user % len(PLAN.users)]
        PLAN.next_user += 1
        self.role = person["role"]
        self.pages = PLAN.pages[self.role]
        with self.client.get("/login/", name="sign-in", catch_response=True) as page:
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text or "")
            if token is None:
                page.failure("no sign-in form")
                raise StopUser
        with self.client.post(
            "/login/",
            data={
                "csrfmiddlewaretoken": token.group(1),
                "email": person["email"],
                "password": PLAN.password,
            },
            headers={"Referer": PLAN.base + "/login/"},
            name="sign-in",
            catch_response=True,
        ) as response:
            if "logout" not in (response.text or "").lower():
                response.failure(f"not signed in ({response.status_code})")
                raise StopUser
        PLAN.signed_in += 1

    @task
    def browse(self) -> None:
        name, path = random.choice(self.pages)  # noqa: S311 - not security
        with self.client.get(path, name=name, catch_response=True) as response:
            # A lost session ends on the sign-in form.
            html = "html" in (response.headers.get("content-type") or "")
            if response.status_code == 200 and html and 'name="password"' in (response.text or ""):
                response.failure("signed out")


class Thinking(Person):
    wait_time = between(*THINK)


class Hurried(Person):
    wait_time = constant(0)


def on_request(
    request_type: str, name: str, response_time: float, exception: Any, **kwargs: Any
) -> None:
    PLAN.times[name].append(response_time / 1000)
    if exception is not None:
        PLAN.errors[name] += 1
        PLAN.error_samples.setdefault(name, repr(exception)[:300])


def new_environment(user_class: type[Person]) -> Environment:
    environment = Environment(user_classes=[user_class], host=PLAN.base)
    environment.events.request.add_listener(on_request)
    environment.create_local_runner()
    return environment


def ramp(environment: Environment, users: int, rate: float = 5.0, timeout: float = 600) -> None:
    """Start `users` users and wait until they are all signed in."""
    assert environment.runner is not None
    wanted = PLAN.signed_in + users - environment.runner.user_count
    environment.runner.start(users, spawn_rate=rate)
    deadline = time.monotonic() + timeout
    while PLAN.signed_in < wanted and time.monotonic() < deadline:
        gevent.sleep(0.5)
    if PLAN.signed_in < wanted:
        print(f"  only {PLAN.signed_in} of {wanted} users signed in", flush=True)


# -- the data and the stack ------------------------------------------------------------------


def migrations_key() -> str:
    digest = hashlib.sha256()
    for path in sorted(ROOT.glob("tutela/*/migrations/0*.py")):
        digest.update(f"{path.relative_to(ROOT)}:{path.stat().st_size}".encode())
    return digest.hexdigest()[:10]


def prepare_code(args: argparse.Namespace, workbook: Path) -> str:
    return (
        "import sys; sys.path.insert(0, 'bench'); from _load_data import prepare; "
        f"prepare(rows={args.rows}, cases={args.cases}, users={args.users}, "
        f"import_rows={args.import_rows}, workbook={str(workbook)!r})"
    )


def sqlite_var(args: argparse.Namespace, base: Path, workbook: Path) -> tuple[Path, dict[str, Any]]:
    """The prepared var directory (database, secrets, files), copied from the cached one."""
    template = WORK / f"load-sqlite-{args.rows}-{args.cases}-{migrations_key()}"
    if not (template / "ready").exists():
        shutil.rmtree(template, ignore_errors=True)
        env = stack_env(template)
        started = time.perf_counter()
        print(f"preparing {template} (once for this size): migrate, demo, data...", flush=True)
        tutela(env, "migrate", "-v0")
        tutela(env, "demo")
        shell_json(env, prepare_code(args, workbook))
        (template / "ready").write_text("")
        print(f"  prepared in {time.perf_counter() - started:.0f} s", flush=True)
    var = base / "var"
    shutil.copytree(template, var, symlinks=True, ignore=shutil.ignore_patterns("static", "ready"))
    env = stack_env(var)
    # The users are made again for this run's --users (quick: they exist already).
    data = shell_json(env, prepare_code(args, workbook))
    return var, data


def pg_tool(name: str) -> str:
    """pg_dump / pg_restore of the newest installed PostgreSQL (as scripts/with-postgres.sh)."""
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[4]))
    return str(found[-1]) if found else name


def postgres_var(
    args: argparse.Namespace, base: Path, workbook: Path
) -> tuple[Path, str, dict[str, Any]]:
    """A new database on the throw-away server, filled from the dump kept for this size (made
    the first time: migrate, demo, data, then pg_dump with the secrets and files beside it)."""
    import urllib.parse

    import psycopg

    url = os.environ["DATABASE_URL"]
    name = f"tutela_load_{uuid.uuid4().hex[:10]}"
    parts = urllib.parse.urlsplit(url)
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    url = parts._replace(path=f"/{name}").geturl()
    template = WORK / f"load-postgres-{args.rows}-{args.cases}-{migrations_key()}"
    var = base / "var"
    started = time.perf_counter()
    if (template / "ready").exists():
        print(f"restoring {template}/dump.pgc...", flush=True)
        shutil.copytree(
            template / "var", var, symlinks=True, ignore=shutil.ignore_patterns("static")
        )
        subprocess.run(  # noqa: S603
            [
                pg_tool("pg_restore"),
                "--no-owner",
                "--jobs",
                "2",
                "--dbname",
                url,
                template / "dump.pgc",
            ],
            check=True,
        )
        env = stack_env(var, database_url=url)
        tutela(env, "migrate", "-v0")
        # As `tutela restore` does (tutela.core.planner_stats): pg_restore brings back no
        # planner statistics, and without them the 5W rows API's page took 1.3-3.5 s.
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute("ANALYZE")
    else:
        print("preparing PostgreSQL (once for this size): migrate, demo, data...", flush=True)
        env = stack_env(var, database_url=url)
        tutela(env, "migrate", "-v0")
        tutela(env, "demo")
        shell_json(env, prepare_code(args, workbook))
        shutil.rmtree(template, ignore_errors=True)
        template.mkdir(parents=True)
        subprocess.run(  # noqa: S603
            [pg_tool("pg_dump"), "--format", "custom", "--file", template / "dump.pgc", url],
            check=True,
        )
        shutil.copytree(
            var, template / "var", symlinks=True, ignore=shutil.ignore_patterns("static")
        )
        (template / "ready").write_text("")
    # The users are made again for this run's --users.
    data = shell_json(env, prepare_code(args, workbook))
    print(f"  prepared in {time.perf_counter() - started:.0f} s", flush=True)
    return var, url, data


def uptime() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def stack_processes(served: Served) -> dict[int, str]:
    assert served.process is not None
    out = {}
    for pid in [served.process.pid, *descendants(served.process.pid)]:
        try:
            words = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        text = " ".join(w.decode(errors="replace") for w in words if w)
        label = (
            "gunicorn"
            if "gunicorn" in text
            else "db_worker"
            if "db_worker" in text
            else "scheduler"
            if "scheduler" in text
            else "serve"
            if " serve" in text
            else text[:40]
        )
        out[pid] = label
    return out


# -- the background work during the load ------------------------------------------------------


@dataclass
class Background:
    upload_seconds: float = 0.0
    upload_status: Any = None
    record: str = ""
    import_done_at: float | None = None
    rebuild_started_at: float = 0.0
    rebuild_done_at: float | None = None
    rebuild_output: str = ""
    rebuild: subprocess.Popen[str] | None = None


def import_during_load(
    background: Background, started: float, base: str, data: dict[str, Any], manager: dict[str, str]
) -> None:
    browser = Browser(base)
    browser.login(manager["email"], data["password"])
    upload = f"/o/{data['fivew']}/5w/upload/"
    t = time.perf_counter()
    status, html = post_upload(browser, upload, Path(data["workbook"]), int(data["importer_id"]))
    background.upload_seconds = time.perf_counter() - t
    background.upload_status = status
    found = re.search(rf"/o/{data['fivew']}/5w/imports/(\d+)/", html)
    if status != 200 or not found:
        background.record = f"upload failed: {status} {html[:300]!r}"
        return
    background.record = found.group(1)
    progress = f"/o/{data['fivew']}/5w/imports/{found.group(1)}/progress/"
    while True:
        gevent.sleep(5)
        code = browser.get(progress, timeout=300)[0]
        if code == 204:
            background.import_done_at = time.perf_counter() - started
            return


def rebuild_during_load(
    background: Background, started: float, env: dict[str, str], delay: float, slug: str
) -> None:
    gevent.sleep(delay)
    background.rebuild_started_at = time.perf_counter() - started
    background.rebuild = subprocess.Popen(  # noqa: S603
        [PYTHON, "-m", "tutela.cli", "rebuild_5w_summaries", "--operation", slug, "--force"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    out, _ = background.rebuild.communicate()
    background.rebuild_output = out.strip().splitlines()[-1] if out.strip() else ""
    background.rebuild_done_at = time.perf_counter() - started


def import_result(env: dict[str, str], record: str) -> dict[str, Any]:
    if not record.isdigit():
        return {"status": record}
    return shell_json(
        env,
        "import json; from tutela.activities.models import ImportRecord; "
        f"r = ImportRecord.objects.get(pk={record}); "
        "print(json.dumps({'status': r.status, 'rows_read': r.rows_read, "
        "'created': r.created_count, 'errors': r.error_count, "
        "'seconds': (r.updated_at - r.created_at).total_seconds()}))",
    )


# -- profiling --------------------------------------------------------------------------------


def profile_start(pids: list[int], seconds: int, directory: Path) -> list[subprocess.Popen[bytes]]:
    spy = Path(PYTHON).parent / "py-spy"
    if not spy.exists():
        print("  (py-spy is not installed: no profile)")
        return []
    return [
        subprocess.Popen(  # noqa: S603
            [
                str(spy),
                "record",
                "--pid",
                str(pid),
                "--duration",
                str(seconds),
                "--rate",
                "50",
                "--format",
                "raw",
                "--output",
                str(directory / f"profile-{pid}.txt"),
                "--nonblocking",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for pid in pids
    ]


def _frame(frame: str) -> str:
    """ "func (path:line)" without the line number and the site-packages prefix."""
    frame = re.sub(r":\d+\)$", ")", frame)
    frame = re.sub(r" \(/.*?/site-packages/", " (", frame)
    return frame.replace(str(ROOT) + "/", "")


def profile_report(directory: Path, top: int = 20) -> None:
    """Where the web workers spent their time while serving requests (py-spy's collapsed stacks,
    "frame;frame;... count"; samples waiting for a request left out): the share of samples
    under each Tutela function (inclusive), and each sample given to the deepest Tutela function
    on its stack together with the library function it was in (what that code waits on)."""
    inclusive: collections.Counter[str] = collections.Counter()
    deepest: collections.Counter[str] = collections.Counter()
    busy = 0
    for path in directory.glob("profile-*.txt"):
        for line in path.read_text(errors="replace").splitlines():
            stack, _, count_text = line.rpartition(" ")
            if not count_text.isdigit():
                continue
            count = int(count_text)
            frames = [_frame(f) for f in stack.split(";")]
            if not any("handle_request" in f for f in frames):
                continue
            busy += count
            ours = [f for f in frames if "(tutela/" in f and "middleware" not in f]
            for label in set(ours):
                inclusive[label] += count
            leaf = frames[-1].split(" (")[0]
            deepest[f"{ours[-1] if ours else '(outside Tutela code)'}  ->  {leaf}"] += count
    if not busy:
        print("  no samples while serving requests")
        return
    print(f"  {busy} samples while serving requests; share under each Tutela function:")
    for label, count in inclusive.most_common(top):
        print(f"    {100 * count / busy:5.1f} %  {label[:150]}")
    print("  deepest Tutela function -> where the sample was:")
    for label, count in deepest.most_common(top):
        print(f"    {100 * count / busy:5.1f} %  {label[:160]}")


# -- the run ----------------------------------------------------------------------------------


def page_plan(data: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
    plans: dict[str, list[tuple[str, str]]] = {}
    roles = {u["role"]: u for u in data["users"]}
    for role, names in ROLE_PAGES.items():
        if role not in roles:
            continue
        org = roles[role]["org"] if role == "partner" else data["biggest"]
        values = {
            "demo": data["demo"],
            "fivew": data["fivew"],
            "month": data["months"].get(org) or next(iter(data["months"].values())),
            "org_query": "" if role == "partner" else f"?org={data['biggest']}",
        }
        plans[role] = [(name, PAGES[name].format(**values)) for name in names]
    return plans


def preflight(base: str, data: dict[str, Any], plans: dict[str, list[tuple[str, str]]]) -> None:
    """One request per role and page: pages the role may not open leave its rotation."""
    firsts = {}
    for person in data["users"]:
        firsts.setdefault(person["role"], person)
    for role, pages in list(plans.items()):
        browser = Browser(base)
        browser.login(firsts[role]["email"], data["password"])
        kept = []
        for name, path in pages:
            status = browser.get(path, timeout=300)[0]
            if status in (403, 404):
                print(f"  {role}: {name} answers {status}: left out of the role's pages")
                continue
            kept.append((name, path))
        plans[role] = kept


def print_pages(title: str, elapsed: float) -> dict[str, Any]:
    print(f"\n{title}")
    print(f"  {'page':26} {'requests':>8} {'errors':>6} {'p50':>8} {'p95':>8} {'max':>8}")
    rows = {}
    all_times: list[float] = []
    all_errors = 0
    for name in [*PAGES, "sign-in"]:
        times = PLAN.times.get(name, [])
        if not times:
            continue
        errors = PLAN.errors.get(name, 0)
        rows[name] = {
            "requests": len(times),
            "errors": errors,
            "p50_ms": round(1000 * median(times)),
            "p95_ms": round(1000 * p95(times)),
            "max_ms": round(1000 * max(times)),
        }
        if name != "sign-in":
            all_times += times
            all_errors += errors
        flag = "  <-- p95 > 500 ms" if name != "sign-in" and p95(times) > 0.5 else ""
        print(
            f"  {name:26} {len(times):8} {errors:6} {1000 * median(times):6.0f}ms"
            f" {1000 * p95(times):6.0f}ms {1000 * max(times):6.0f}ms{flag}"
        )
    if all_times:
        print(
            f"  {'all pages':26} {len(all_times):8} {all_errors:6}"
            f" {1000 * median(all_times):6.0f}ms"
            f" {1000 * p95(all_times):6.0f}ms {1000 * max(all_times):6.0f}ms"
            f"   ({len(all_times) / elapsed:.1f} requests/s)"
        )
    for name, sample in PLAN.error_samples.items():
        print(f"  first error on {name}: {sample}")
    return {
        "pages": rows,
        "requests": len(all_times),
        "errors": all_errors,
        "p50_ms": round(1000 * median(all_times)) if all_times else None,
        "p95_ms": round(1000 * p95(all_times)) if all_times else None,
        "rps": round(len(all_times) / elapsed, 2),
    }


def saturation(step_seconds: int, limit: int) -> list[dict[str, Any]]:
    """Users with no think time, doubled until the requests per second stop rising."""
    print(f"\nsaturation: no think time, {step_seconds} s per step")
    environment = new_environment(Hurried)
    steps: list[dict[str, Any]] = []
    users = 1
    try:
        while users <= limit:
            ramp(environment, users, rate=10)
            PLAN.reset()
            t = time.perf_counter()
            gevent.sleep(step_seconds)
            elapsed = time.perf_counter() - t
            times = [x for name, v in PLAN.times.items() if name != "sign-in" for x in v]
            errors = sum(n for name, n in PLAN.errors.items() if name != "sign-in")
            step = {
                "users": users,
                "rps": round(len(times) / elapsed, 2),
                "p50_ms": round(1000 * median(times)) if times else None,
                "p95_ms": round(1000 * p95(times)) if times else None,
                "errors": errors,
            }
            steps.append(step)
            print(
                f"  {users:3} users  {step['rps']:6.1f} requests/s  p50 {step['p50_ms']} ms"
                f"  p95 {step['p95_ms']} ms  errors {errors}  (load {uptime()})",
                flush=True,
            )
            # Stopped rising: two steps in a row without 5 % more than the best before them
            # (one step alone is noisy on a shared machine).
            if len(steps) >= 3 and all(
                s["rps"] < 1.05 * max(x["rps"] for x in steps[:-2]) for s in steps[-2:]
            ):
                break
            users *= 2
    finally:
        assert environment.runner is not None
        environment.runner.quit()
    top = max(steps, key=lambda s: s["rps"])
    print(f"  saturation throughput: {top['rps']} requests/s (at {top['users']} users)")
    return steps


def run(args: argparse.Namespace) -> dict[str, Any]:
    database = (
        "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    )
    base = Path(tempfile.mkdtemp(prefix="tutela-load-", dir=WORK))
    workbook = WORK / f"load-import-{args.import_rows}.xlsx"
    result: dict[str, Any] = {
        "database": database,
        "command": " ".join(["bench_load.py", *sys.argv[1:]]),
        "users": args.users,
        "duration_s": args.duration,
        "rows": args.rows,
        "import_rows": args.import_rows,
        "load_before": uptime(),
    }
    print(f"load benchmark on {database}: machine load {uptime()} ({os.cpu_count()} cores)")
    served: Served | None = None
    url = ""
    try:
        if database == "sqlite":
            var, data = sqlite_var(args, base, workbook)
            env = stack_env(var)
        else:
            var, url, data = postgres_var(args, base, workbook)
            env = stack_env(var, database_url=url)
        if args.prepare_only:
            print(f"data ready: {data['rows']:,} 5W rows, {data['cases']:,} cases")
            return result
        static_link(WORK / "static-build", var)
        print(
            f"data: demo operation with {data['cases']:,} cases; {data['rows']:,} 5W rows in "
            f"{data['fivew']}; {len(data['users'])} users; import of {args.import_rows:,} rows"
        )
        roles = collections.Counter(u["role"] for u in data["users"])
        print("  users by role: " + ", ".join(f"{r} {n}" for r, n in sorted(roles.items())))
        PLAN.password = data["password"]
        PLAN.users = data["users"]
        PLAN.pages = page_plan(data)

        served = Served(env=env, args=["serve", "--bind"], log=base / "serve.log")
        served.port = free_port()
        served.args.append(f"127.0.0.1:{served.port}")
        served.start()
        served.wait_healthy()
        PLAN.base = served.base
        preflight(served.base, data, PLAN.pages)
        if args.explain:
            explain(env, data)

        environment = new_environment(Thinking)
        print(f"\nsigning in {args.users} users...", flush=True)
        ramp(environment, args.users)
        gevent.sleep(5)
        before = stack_processes(served)
        PLAN.reset()
        started = time.perf_counter()
        background = Background()
        manager = next(u for u in data["users"] if u["role"] == "coordinator")
        workers = [
            gevent.spawn(import_during_load, background, started, served.base, data, manager),
            gevent.spawn(
                rebuild_during_load, background, started, env, args.duration / 4, data["fivew"]
            ),
        ]
        spies = []
        if args.profile:
            web = [pid for pid, label in before.items() if label == "gunicorn"]
            spies = profile_start(web[1:], args.duration, base)
        print(
            f"{args.users} users for {args.duration} s, think time {THINK[0]:.0f}-{THINK[1]:.0f} s,"
            " while the import and the rebuild run...",
            flush=True,
        )
        loads = []
        for _ in range(max(1, args.duration // 10)):
            gevent.sleep(args.duration / max(1, args.duration // 10))
            loads.append(os.getloadavg()[0])
        elapsed = time.perf_counter() - started
        after = stack_processes(served)
        measured = print_pages(f"{args.users} users, {elapsed:.0f} s, on {database}:", elapsed)
        assert environment.runner is not None
        environment.runner.quit()
        result.update(measured)
        result["load_during"] = f"{min(loads):.2f}-{max(loads):.2f} (1-min average)"
        print(
            f"  machine load during the run (1-min average): {min(loads):.2f} to {max(loads):.2f}"
        )

        # The import and the rebuild: how long they took (waited for, up to 15 minutes).
        deadline = time.monotonic() + 900
        while not all(w.dead for w in workers) and time.monotonic() < deadline:
            gevent.sleep(2)
        imported = import_result(env, background.record)
        print(
            f"  import of {args.import_rows:,} rows: upload answered {background.upload_status} in"
            f" {background.upload_seconds:.1f} s; finished {background.import_done_at or 0:.0f} s"
            f" after the start; {imported}"
        )
        print(
            f"  summary rebuild: started at {background.rebuild_started_at:.0f} s, finished at"
            f" {background.rebuild_done_at or 0:.0f} s: {background.rebuild_output}"
        )
        result["import"] = {**imported, "finished_at_s": background.import_done_at}
        result["rebuild"] = {
            "started_at_s": background.rebuild_started_at,
            "finished_at_s": background.rebuild_done_at,
            "output": background.rebuild_output,
        }
        for spy in spies:
            spy.wait(60)
        if spies:
            print("\nprofile of the web workers during the run (py-spy):")
            profile_report(base)
            kept = WORK / f"profiles-{database}-{time.strftime('%Y%m%dT%H%M%S')}"
            kept.mkdir()
            for profile in base.glob("profile-*.txt"):
                shutil.copy(profile, kept)
            print(f"  (raw profiles kept in {kept})")

        if not args.skip_saturation:
            PLAN.reset()
            result["saturation"] = saturation(args.step_seconds, args.max_saturation_users)
        final = stack_processes(served)
        log = served.log_text()
        restarts = [line for line in log.splitlines() if re.search(r"restart|stopped \(", line)]
        lost = sorted(set(before) - set(final))
        print(f"\nstack processes before the load: {sorted(before.items())}")
        print(f"stack processes at the end:      {sorted(final.items())}")
        print(f"  gone: {lost or 'none'}; restarts in the log: {len(restarts)}")
        for line in restarts[:10]:
            print(f"    {line[:200]}")
        tracebacks = log.count("Traceback (most recent call last)")
        kept_log = WORK / f"load-serve-{database}-{time.strftime('%Y%m%dT%H%M%S')}.log"
        kept_log.write_text(log)
        print(f"  tracebacks in the stack's log: {tracebacks} (log kept in {kept_log})")
        for line in sorted(
            {x for x in log.splitlines() if re.match(r"^\w*(Error|Exception)\b", x)}
        ):
            print(f"    {line[:200]}")
        result.update(
            {
                "processes_before": sorted(before),
                "processes_after": sorted(final),
                "processes_gone": lost,
                "restarts": len(restarts),
                "tracebacks": tracebacks,
                "load_after": uptime(),
            }
        )
        if after != before:
            print(f"  (processes changed during the measured run: {sorted(after.items())})")
        out = WORK / f"load-{database}-{time.strftime('%Y%m%dT%H%M%S')}.json"
        out.write_text(json.dumps(result, indent=1))
        print(f"\nfigures written to {out}")
        return result
    finally:
        if served is not None:
            served.stop()
        if url:
            drop_database(url)
        shutil.rmtree(base, ignore_errors=True)


def drop_database(url: str) -> None:
    import urllib.parse

    import psycopg

    parts = urllib.parse.urlsplit(url)
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')


def explain(env: dict[str, str], data: dict[str, Any]) -> None:
    firsts: dict[str, str] = {}
    for person in data["users"]:
        firsts.setdefault(person["role"], person["email"])
    code = (
        "import sys; sys.path.insert(0, 'bench'); from _load_data import page_costs; "
        f"page_costs(pages={PLAN.pages!r}, users={firsts!r})"
    )
    out = tutela(env, "shell", "-c", code)
    costs = json.loads(out.strip().splitlines()[-1])
    print("\none user, second request of each page (SQL queries, SQL time, total time):")
    for cost in costs:
        print(
            f"  {cost['role']:12} {cost['page']:24} {cost['status']}  {cost['queries']:4} queries"
            f"  {cost['sql_ms']:5} ms SQL  {cost['ms']:5} ms"
        )
        for slow in cost["slowest"][:1]:
            if slow["ms"] >= 20:
                print(f"      slowest {slow['ms']} ms: {slow['sql'][:200]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=int, default=300, help="seconds measured (300)")
    parser.add_argument("--rows", type=int, default=100_000, help="synthetic 5W rows (100,000)")
    parser.add_argument(
        "--import-rows", type=int, default=0, help="rows of the import (default: --rows)"
    )
    parser.add_argument("--cases", type=int, default=2000, help="synthetic cases (2,000)")
    parser.add_argument("--quick", action="store_true", help="10 users, 60 s, 20,000 rows")
    parser.add_argument("--skip-saturation", action="store_true")
    parser.add_argument("--step-seconds", type=int, default=20, help="per saturation step (20)")
    parser.add_argument("--max-saturation-users", type=int, default=64)
    parser.add_argument("--explain", action="store_true", help="query counts per page first")
    parser.add_argument("--profile", action="store_true", help="py-spy on the web workers")
    parser.add_argument(
        "--prepare-only", action="store_true", help="make the data for this size, no run"
    )
    args = parser.parse_args()
    if args.quick:
        args.users, args.duration, args.rows, args.step_seconds = 10, 60, 20_000, 10
    args.import_rows = args.import_rows or args.rows
    WORK.mkdir(parents=True, exist_ok=True)
    if args.database == "postgres" and not os.environ.get("DATABASE_URL", "").startswith(
        "postgres"
    ):
        script = ROOT / "scripts" / "with-postgres.sh"
        os.execv("/bin/bash", ["bash", str(script), sys.executable, *sys.argv])  # noqa: S606
    if args.database == "sqlite":
        os.environ.pop("DATABASE_URL", None)
    run(args)


if __name__ == "__main__":
    main()
