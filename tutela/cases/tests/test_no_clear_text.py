"""The demo cases' names, phone numbers and ID numbers are nowhere in clear: not in the SQLite
database file (with its write-ahead log), not in a `pg_dump` of a PostgreSQL database. Each runs
`tutela migrate` and `tutela demo` in a process of its own against a fresh database, as an
operator would, then reads the raw bytes.

The SQLite check runs in the SQLite pass of the suite; the pg_dump check in the PostgreSQL pass
(`scripts/with-postgres.sh`), in a database of its own on that server, dropped afterwards."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from unidecode import unidecode

from tutela.cases import blind_index
from tutela.cases.services.demo_data import CASES
from tutela.core.tests.stack import migrated_template

ROOT = Path(__file__).resolve().parents[3]
TUTELA = Path(sys.executable).parent / "tutela"
PG_BIN = sorted(Path("/usr/lib/postgresql").glob("*/bin"))


def needles() -> list[bytes]:
    """Every way a demo identity could be stored in clear."""
    found: set[str] = set()
    for demo in CASES:
        for person in (demo.principal, *demo.members):
            found |= {
                person.given,
                person.family,
                f"{person.given} {person.family}",
                unidecode(f"{person.given} {person.family}").lower(),
            }
            if person.phone:
                found |= {person.phone, blind_index.phone_key(person.phone)}
            if person.id_number:
                found |= {person.id_number, blind_index.id_key(person.id_number)}
    return sorted(value.encode() for value in found)


def environment(tmp_path: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DATABASE_URL=database_url,
        TUTELA_VAR_DIR=str(tmp_path / "var"),
        TUTELA_SECRET_KEY="clear-text-test-secret-key-0123456789abcdef",
        TUTELA_FIELD_KEYS="dGVzdC1rZXktb25lLXRlc3Qta2V5LW9uZS10ZXN0LWs=",
    )
    env.pop("TUTELA_DEBUG", None)
    return env


def leaks(content: bytes) -> list[bytes]:
    return [needle for needle in needles() if needle in content]


def test_the_needles_are_found_where_they_are_in_clear() -> None:
    # The check can fail: a plain copy of the demo identities is caught.
    sample = " ".join(n.decode() for n in needles()).encode()
    assert leaks(sample) == needles()
    assert len(needles()) > 30


ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


@pytest.mark.skipif(ON_POSTGRES, reason="checked in the SQLite pass")
def test_the_sqlite_file_holds_no_demo_identity_in_clear(tmp_path: Path) -> None:
    database = tmp_path / "tutela.sqlite3"
    env = environment(tmp_path, f"sqlite:///{database}")
    shutil.copy(migrated_template(), database)
    for command in (["demo"],):
        subprocess.run(  # noqa: S603 - the project's own command, fixed arguments
            [str(TUTELA), *command],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            timeout=1200,
        )
    files = sorted(tmp_path.glob("tutela.sqlite3*"))
    content = b"".join(path.read_bytes() for path in files)
    assert b"ADP-" in content  # the demo case codes: the file holds the cases
    assert leaks(content) == []


@pytest.mark.skipif(not ON_POSTGRES or not PG_BIN, reason="checked in the PostgreSQL pass")
def test_a_pg_dump_holds_no_demo_identity_in_clear(tmp_path: Path) -> None:
    import psycopg
    from psycopg import sql

    server = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    name = f"clear_text_{os.getpid()}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        env = environment(tmp_path, f"{server}/{name}")
        for command in (["migrate", "-v0"], ["demo"]):
            subprocess.run(  # noqa: S603 - the project's own command, fixed arguments
                [str(TUTELA), *command],
                env=env,
                cwd=ROOT,
                check=True,
                capture_output=True,
                timeout=1800,
            )
        dump = tmp_path / "dump.sql"
        subprocess.run(  # noqa: S603 - PostgreSQL's own tool, arguments built here
            [str(PG_BIN[-1] / "pg_dump"), "--no-owner", f"{server}/{name}", "-f", str(dump)],
            check=True,
            capture_output=True,
            timeout=600,
        )
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
    content = dump.read_bytes()
    assert b"COPY public.cases_caseperson" in content
    assert b"ADP-" in content
    assert leaks(content) == []
