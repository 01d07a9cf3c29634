"""Production settings: refuse to start without secrets; pass Django's deployment checks."""

import os
import subprocess
import sys
from pathlib import Path

from tutela.core.crypto import generate_key

ROOT = Path(__file__).resolve().parents[3]


def run_tutela(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TUTELA_", "DJANGO_"))}
    clean.update(env)
    clean["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "tutela.cli", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_mode_refuses_to_start_without_a_secret_key(tmp_path):
    result = run_tutela("check", env={"TUTELA_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "TUTELA_SECRET_KEY is not set" in result.stderr


def test_production_mode_refuses_to_start_without_an_encryption_key(tmp_path):
    result = run_tutela(
        "check", env={"TUTELA_VAR_DIR": str(tmp_path), "TUTELA_SECRET_KEY": "x" * 60}
    )
    assert result.returncode != 0
    assert "TUTELA_FIELD_KEYS is not set" in result.stderr


def test_check_deploy_passes_in_production_mode_behind_https(tmp_path):
    env = {
        "TUTELA_VAR_DIR": str(tmp_path),
        "TUTELA_SECRET_KEY": "k3y-" + generate_key() + generate_key(),
        "TUTELA_FIELD_KEYS": generate_key(),
        "TUTELA_HTTPS": "1",
        "TUTELA_ALLOWED_HOSTS": "tutela.example.org",
    }
    result = run_tutela("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
