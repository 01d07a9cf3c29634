"""A referral between two real Tutela instances on loopback (issue 15, "Between instances"): two
`tutela serve` processes (web server, task worker, scheduler) on free ports, each with its own
SQLite file and its own keys.

A (operation "herat", AMSS) refers a case to IRC, which works in B (operation "kabul"): B is down
at first, so the referral waits to be delivered and A's scheduler retries it once B is up; only
the consented fields travel (a referral asking for the phone and the ID is refused, and neither is
anywhere in B's database file); B accepts and completes with feedback, and A's referral follows.
A withdraws a second referral: B is told and removes what it shared. Forged, tampered, replayed
and oversized packages posted to B's inbox are refused with nothing written; past 4 packages a
minute from A's key, B answers 429 with Retry-After. Both instances allow 127.0.0.1 as a peer's
address through TUTELA_PEER_ALLOWED_HOSTS (refused otherwise: not a public address)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from tutela.cases.peer_packages import MAX_BYTES, KeyPair
from tutela.core.tests.stack import (
    Served,
    free_port,
    migrated_template,
    request,
    shell_json,
    sqlite_query,
    stack_env,
)

pytestmark = [
    pytest.mark.processes,
    pytest.mark.skipif(
        os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="runs on its own SQLite files (the PostgreSQL run skips it)",
    ),
]


@pytest.fixture(scope="module")
def peers_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the run's migrated SQLite file (stack.migrated_template; no static files: this
    test renders no page)."""
    var = tmp_path_factory.mktemp("peers-template-var")
    shutil.copy(migrated_template(), var / "tutela.sqlite3")
    return var / "tutela.sqlite3"


def instance_var(template: Path, var_dir: Path) -> Path:
    var_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(template, var_dir / "tutela.sqlite3")
    return var_dir


DATA = "from tutela.cases.tests import peers_stack_data as d; d."


def call(env: dict[str, str], function: str, **arguments: Any) -> dict[str, Any]:
    text = ", ".join(f"{name}={value!r}" for name, value in arguments.items())
    return shell_json(env, f"{DATA}{function}({text})")


def wait_for(check: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(2)
    raise AssertionError(f"{what}: {value!r}")


def post_package(base: str, body: bytes) -> tuple[int, dict[str, Any]]:
    import urllib.error
    import urllib.request

    req = urllib.request.Request(  # noqa: S310 - loopback
        f"{base}/api/v1/peers/inbox/",
        data=body,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(req, timeout=60) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def post_package_headers(base: str, body: bytes) -> tuple[int, dict[str, Any], Any]:
    import urllib.error
    import urllib.request

    req = urllib.request.Request(  # noqa: S310 - loopback
        f"{base}/api/v1/peers/inbox/",
        data=body,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(req, timeout=60) as response:  # noqa: S310
            return response.status, json.loads(response.read()), response.headers
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}"), error.headers


def test_a_referral_goes_to_another_tutela_and_its_answers_come_back(
    peers_sqlite: Path,
    tmp_path: Path,
) -> None:
    var_a = instance_var(peers_sqlite, tmp_path / "a")
    var_b = instance_var(peers_sqlite, tmp_path / "b")
    # Both on 127.0.0.1: refused as a peer's address unless the setting allows it (an
    # administrator's explicit choice); B takes at most 4 packages a minute from a peer.
    env_a = stack_env(var_a, TUTELA_PEER_ALLOWED_HOSTS="127.0.0.1")
    env_b = stack_env(
        var_b, TUTELA_PEER_ALLOWED_HOSTS="127.0.0.1", TUTELA_PEER_INBOX_PER_MINUTE="4"
    )
    port_a, port_b = free_port(), free_port()
    base_a, base_b = f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}"
    keys_a = call(env_a, "build", slug="herat", own="AMSS", remote="IRC")
    keys_b = call(env_b, "build", slug="kabul", own="IRC", remote="AMSS")
    assert keys_a["signing_key"] != keys_b["signing_key"]
    call(
        env_a,
        "register_peer",
        slug="herat",
        base_url=base_b,
        remote_operation="kabul",
        keys={k: keys_b[k] for k in ("signing_key", "encryption_key")},
        hosts=["IRC"],
    )
    call(
        env_b,
        "register_peer",
        slug="kabul",
        base_url=base_a,
        remote_operation="herat",
        keys={k: keys_a[k] for k in ("signing_key", "encryption_key")},
        hosts=["AMSS"],
    )
    server_a = Served(
        env=env_a,
        args=["serve", "--web-workers", "1", "--bind", f"127.0.0.1:{port_a}"],
        log=tmp_path / "a.log",
        port=port_a,
    )
    server_b = Served(
        env=env_b,
        args=["serve", "--web-workers", "1", "--bind", f"127.0.0.1:{port_b}"],
        log=tmp_path / "b.log",
        port=port_b,
    )
    try:
        server_a.start().wait_healthy(timeout=900)

        # B is down: the referral is saved and waits to be delivered.
        sent = call(env_a, "refer", slug="herat", to="IRC")
        assert "phone" in sent["refused"].lower() or "consent" in sent["refused"].lower()
        state = wait_for(
            lambda: (s := call(env_a, "referral_state", pk=sent["referral"]))["attempts"] and s,
            400,
            "no delivery attempt",
        )
        assert state["delivery"] == "queued", state
        assert state["status"] == "sent"

        # B comes up: A's scheduler tries again and the referral is delivered.
        server_b.start().wait_healthy(timeout=900)
        state = wait_for(
            lambda: (
                (s := call(env_a, "referral_state", pk=sent["referral"]))["delivery"] == "delivered"
                and s
            ),
            600,
            "not delivered after the peer came back",
        )
        assert state["attempts"] >= 2
        inbound = call(env_b, "inbound_state", slug="kabul")["inbound"]
        assert len(inbound) == 1
        received = inbound[0]
        assert received["code"] == sent["code"]
        assert received["organisation"] == "IRC"
        assert set(received["shared"]) == {"code", "names", "sex"}
        assert received["shared"]["names"]["family_name"] == "Haidari"
        # What the consent did not allow never left A; what did is encrypted at rest in B.
        database_b = (var_b / "tutela.sqlite3").read_bytes()
        wal = var_b / "tutela.sqlite3-wal"
        raw_b = database_b + (wal.read_bytes() if wal.exists() else b"")
        for secret in (b"AF-TZK-7741-0093", b"70 555 0199", b"Haidari", b"Zarmina"):
            assert secret not in raw_b, secret

        # B accepts, then completes with feedback: each answer comes back to A.
        call(env_b, "answer", slug="kabul", pk=received["pk"], status="accepted")
        wait_for(
            lambda: call(env_a, "referral_state", pk=sent["referral"])["status"] == "accepted",
            400,
            "acceptance not received",
        )
        feedback = "Legal aid given; family in a safe house since Monday"
        call(env_b, "answer", slug="kabul", pk=received["pk"], status="completed", text=feedback)
        state = wait_for(
            lambda: (
                (s := call(env_a, "referral_state", pk=sent["referral"]))["status"] == "completed"
                and s
            ),
            400,
            "feedback not received",
        )
        assert state["feedback"] == feedback
        assert call(env_b, "inbound_state", slug="kabul")["inbound"][0]["answer_delivery"] == (
            "delivered"
        )

        # A withdraws a second referral once B has it: B is told and removes what it shared,
        # audited on both sides.
        second = call(env_a, "refer", slug="herat", to="IRC")
        wait_for(
            lambda: call(env_a, "referral_state", pk=second["referral"])["delivery"] == "delivered",
            600,
            "second referral not delivered",
        )
        call(env_a, "withdraw", pk=second["referral"], reason="The family moved to Kabul")
        withdrawn = wait_for(
            lambda: [
                i
                for i in call(env_b, "inbound_state", slug="kabul")["inbound"]
                if i["code"] == second["code"] and i["status"] == "withdrawn"
            ],
            600,
            "withdrawal not received",
        )[0]
        assert withdrawn["shared"] == {}
        assert withdrawn["withdrawal_reason"] == "The family moved to Kabul"
        assert withdrawn["audited_updates"] >= 1
        assert call(env_a, "referral_state", pk=second["referral"])["withdrawal"] == "delivered"
        database_a = var_a / "tutela.sqlite3"
        assert sqlite_query(
            database_a,
            "SELECT COUNT(*) FROM core_auditentry WHERE entity_type = 'cases.referral' "
            "AND entity_id = ? AND after LIKE '%peer_told%'",
            (str(second["referral"]),),
        ) == [(1,)]

        # The inbox: a package A sealed is taken once; replayed, tampered, forged, from an
        # unknown key or oversized, it is refused and nothing is written. The deliveries above
        # count against A's allowance at B for a minute; start this part from an empty window
        # (on a fast machine they fell in the same minute and the replay was refused as 429).
        with sqlite3.connect(var_b / "tutela.sqlite3", timeout=60) as connection:
            connection.execute(
                "UPDATE cases_peer SET inbox_window_start = NULL, inbox_window_count = 0"
            )
        package = call(env_a, "seal_referral", slug="herat", code="REF-TEST-1", to="IRC")[
            "package"
        ].encode()
        status, answer = post_package(base_b, package)
        assert status == 200, answer
        status, answer = post_package(base_b, package)
        assert (status, answer["code"]) == (409, "replay")
        fields = json.loads(package)
        fields["id"] = "f" * 32
        status, answer = post_package(base_b, json.dumps(fields).encode())
        assert (status, answer["code"]) == (403, "bad_signature")
        from tutela.cases import peer_packages

        stranger = KeyPair.generate()
        forged = peer_packages.seal(
            {"kind": "referral", "referral": {}},
            keys=stranger,
            recipient=keys_b["encryption_key"],
            operation="kabul",
        )
        status, answer = post_package(base_b, forged)
        assert (status, answer["code"]) == (403, "unknown_peer")
        impostor = json.loads(forged)
        impostor["sender"] = keys_a["signing_key"]
        status, answer = post_package(base_b, json.dumps(impostor).encode())
        assert (status, answer["code"]) == (403, "bad_signature")
        status, answer = post_package(base_b, b" " * (MAX_BYTES + 10))
        assert (status, answer["code"]) == (413, "too_large")
        # Rate limit: A's key may post 4 packages a minute to B; past that, 429 and Retry-After.
        packages = [
            call(env_a, "seal_referral", slug="herat", code=f"REF-LIMIT-{n}", to="IRC")[
                "package"
            ].encode()
            for n in range(6)
        ]
        taken, limited = 0, None
        for body in packages:
            status, answer, headers = post_package_headers(base_b, body)
            if status == 429:
                limited = (answer, headers)
                break
            assert status == 200, answer
            taken += 1
        assert limited is not None, "never rate limited"
        assert limited[0]["code"] == "rate_limited"
        assert 1 <= int(limited[1]["Retry-After"]) <= 60
        status, _, _ = request(f"{base_b}/healthz")
        assert status == 200
        database = var_b / "tutela.sqlite3"
        assert sqlite_query(database, "SELECT COUNT(*) FROM cases_inboundreferral") == [
            (3 + taken,)
        ]
    finally:
        server_b.stop()
        server_a.stop()
