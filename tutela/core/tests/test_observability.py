"""Structured logs and optional error reporting (issue 11, requirement 7), in real processes:
JSON lines with TUTELA_LOG_FORMAT=json; Sentry only when SENTRY_DSN is set, and then without
personal data (checked on what a Sentry-compatible server on loopback receives)."""

from __future__ import annotations

import gzip
import json
import threading
import zlib
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

from tutela.core.tests.test_cli_settings import run_tutela, secrets_file


def test_json_log_lines(tmp_path: Path) -> None:
    secrets_file(tmp_path)
    result = run_tutela(
        "shell",
        "-c",
        "import logging; logging.getLogger('tutela.test').warning('import %s failed', 7, "
        "extra={'job': 7})",
        env={"TUTELA_VAR_DIR": str(tmp_path), "TUTELA_LOG_FORMAT": "json"},
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    line = next(x for x in lines if x.get("logger") == "tutela.test")
    assert line["level"] == "WARNING"
    assert line["message"] == "import 7 failed"
    assert line["job"] == 7
    assert "time" in line


class Collector(BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self) -> None:  # noqa: N802
        data = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            data = gzip.decompress(data)
        elif encoding == "deflate":
            data = zlib.decompress(data)
        elif encoding == "br":
            import brotli

            data = brotli.decompress(data)
        Collector.received.append(data)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: Any) -> None:
        pass


REPORT = (
    "import sentry_sdk\n"
    "def import_row(narrative):\n"
    "    return 1 / 0\n"
    "try:\n"
    # Built at run time, so that it is in the frame's variables and not in the source lines.
    "    import_row(''.join(['Ami', 'nata T., 14, Bandiagara, +223 70 00 00 00']))\n"
    "except ZeroDivisionError:\n"
    "    sentry_sdk.capture_exception()\n"
    "sentry_sdk.flush(10)\n"
)


def test_errors_go_to_sentry_when_a_dsn_is_set_without_personal_data(tmp_path: Path) -> None:
    secrets = secrets_file(tmp_path).read_text()
    server = HTTPServer(("127.0.0.1", 0), Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Collector.received = []
    try:
        dsn = f"http://public@127.0.0.1:{server.server_port}/1"
        result = run_tutela(
            "shell", "-c", REPORT, env={"TUTELA_VAR_DIR": str(tmp_path), "SENTRY_DSN": dsn}
        )
    finally:
        server.shutdown()
    assert result.returncode == 0, result.stderr
    sent = b"".join(Collector.received).decode(errors="replace")
    assert "ZeroDivisionError" in sent
    assert "Aminata" not in sent  # local variables are not sent
    for line in secrets.splitlines():
        assert line.split("=", 1)[1] not in sent


def test_sentry_is_not_even_imported_without_a_dsn(tmp_path: Path) -> None:
    secrets_file(tmp_path)
    result = run_tutela(
        "shell",
        "-c",
        "import sys; print('sentry_sdk' in sys.modules)",
        env={"TUTELA_VAR_DIR": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"
