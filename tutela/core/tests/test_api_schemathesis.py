"""The API against its own OpenAPI schema, with schemathesis, on a live server (issue 10, "API
contract"): `st run` generates requests from the schema, valid and invalid, for every operation
(coverage, fuzzing and stateful phases, the examples of each operation bounded so that the run
takes a few minutes), and checks every answer: no server error, every status code and body as
documented, invalid requests refused, authentication never ignored.

Left out, with the reason:
- the check that every schema-valid request is accepted (positive_data_acceptance): the schema
  cannot say which ids exist or which state a record is in (a meeting already held cannot be
  cancelled), so a valid-looking request is refused with 400 or 404 as it should be.

Bounded: MAX_EXAMPLES per operation in the fuzzing phase, MAX_STEPS per stateful scenario, the
coverage phase's own finite set (about 4,300 requests in all); about two and a half minutes on a
busy two-core machine. Not run by `make test-postgres` (the SQLite run covers the contract; the
marker lets it run there on demand:
`bash scripts/with-postgres.sh .venv/bin/pytest -m schemathesis -q`).

Lifted for the run: the request rate limit (the test settings have none) and
the sign-in lockout (the run signs in with wrong passwords on purpose, from one address).
"""

from __future__ import annotations

import datetime
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from tutela.conftest import PASSWORD, World, client_for
from tutela.coordination.services.actions import action_point_create
from tutela.coordination.services.alerts import alert_create
from tutela.coordination.services.documents import document_create
from tutela.coordination.services.recommendations import recommendation_create
from tutela.coordination.tests.meeting_helpers import make_meeting
from tutela.core.models import Contact
from tutela.monitoring.services.incidents import incident_record
from tutela.monitoring.services.reference import monitoring_seed
from tutela.monitoring.tests.incident_fixtures import data as incident_data

pytestmark = [pytest.mark.schemathesis, pytest.mark.django_db(transaction=True)]

# Examples per operation in each phase, and steps of the stateful scenarios: enough for the
# checks to reach every operation with valid and invalid input, few enough for a few minutes.
MAX_EXAMPLES = int(os.environ.get("TUTELA_ST_EXAMPLES", "6"))
MAX_STEPS = 6
CONFIG = f"""
[parameters]
"path.slug" = "mali"

[generation]
max-examples = {MAX_EXAMPLES}
database = "none"

[phases.coverage]
generate-duplicate-query-parameters = false
unexpected-methods = ["PATCH", "DELETE"]

[phases.stateful]
max-steps = {MAX_STEPS}
"""


def records(world: World) -> None:
    """A little of everything, so that ids found in answers lead somewhere."""
    monitoring_seed(operation=world.operation)
    incident_record(
        operation=world.operation, organisation=world.amss, by=world.partner, data=incident_data()
    )
    Contact.objects.create(operation=world.operation, organisation=world.amss, name="Fatou K.")
    make_meeting(world)
    action_point_create(operation=world.operation, by=world.coordinator, title="Relancer l'ONG")
    alert_create(
        operation=world.operation,
        by=world.coordinator,
        kind="displacement",
        title="Déplacement à Bandiagara",
        occurred_on=datetime.date(2026, 3, 1),
        area=world.operation.countries.get().children.get(pcode="ML05"),
    )
    recommendation_create(
        operation=world.operation,
        by=world.coordinator,
        text="Lever le blocus.",
        addressee_kind="authority",
        addressee="Ministère",
        issued_in="other",
        issued_on=datetime.date(2026, 1, 15),
    )
    document_create(
        operation=world.operation,
        by=world.coordinator,
        kind="briefing_note",
        title="Note Ségou",
        language="fr",
        text="# Ségou",
    )


@override_settings(AXES_ENABLED=False)
def test_api_keeps_to_its_openapi_schema(
    world: World, live_server: Any, audit_log_flushable: None, tmp_path: Path
) -> None:
    records(world)
    # Django's test server writes a response's headers and body in separate packets; with Nagle's
    # algorithm each answer then waits for the client's delayed acknowledgement (about 40 ms on
    # loopback), which made the run four times longer. Accepted connections inherit the option.
    live_server.thread.httpd.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG)
    # The schema the server serves to a signed-in caller, read once; the run is pointed at the
    # live server with --url.
    served = client_for(world.coordinator).get("/api/schema/?format=json")
    assert served.status_code == 200
    schema = tmp_path / "openapi.json"
    schema.write_bytes(served.content)
    environment = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tutela.core.tests.schemathesis_auth",
        "TUTELA_ST_BASE_URL": live_server.url,
        "TUTELA_ST_EMAIL": world.coordinator.email,
        "TUTELA_ST_PASSWORD": PASSWORD,
        "PYTHONPATH": str(Path(__file__).resolve().parents[3]),
    }
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(config),
        "run",
        str(schema),
        "--url",
        live_server.url,
        "--checks",
        "all",
        "--exclude-checks",
        "positive_data_acceptance",
        "--workers",
        "1",
        # The same requests on every run: the coverage phase is deterministic by design, the
        # fuzzing and stateful phases are derandomised (Hypothesis' fixed seed).
        "--generation-deterministic",
        "--no-color",
        "--request-timeout",
        "60",
    ]
    if os.environ.get("TUTELA_ST_REPORT"):
        command += ["--report", "ndjson", "--report-dir", os.environ["TUTELA_ST_REPORT"]]

    run = subprocess.run(  # noqa: S603 (our own interpreter and arguments)
        command,
        env=environment,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        cwd=tmp_path,  # its cache (.schemathesis/) goes there, not into the checkout
    )

    output = run.stdout + run.stderr
    if os.environ.get("TUTELA_ST_OUTPUT"):
        # The full report of the run, for whoever tunes it.
        Path(os.environ["TUTELA_ST_OUTPUT"]).write_text(output)
    assert run.returncode == 0, output[-20000:]
    assert "Tested:" in output
