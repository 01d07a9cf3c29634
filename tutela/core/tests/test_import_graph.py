"""The import graph keeps the plan of STYLE.md: core names no domain app, the domain apps import
core and not each other (but for the arrows named in pyproject.toml), and no app has an import
cycle inside it. One test per import-linter contract (pyproject.toml [tool.importlinter]), so a
broken one says which rule and which app.

Contracts still broken on purpose are marked xfail(strict=True) with who fixes them: when they
are fixed the test passes, strict xfail turns that into a failure, and the marker must go."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

# TODO (issue 12): the contracts still broken on main, each with what breaks it.
PENDING: dict[str, str] = {}

CONTRACTS = [
    "core-names-no-domain",
    "domains-side-by-side",
    *(
        f"no-cycles-in-{app}"
        for app in (
            "core",
            "activities",
            "monitoring",
            "coordination",
            "cases",
            "planning",
            "capacity",
        )
    ),
]


def _param(contract: str) -> object:
    if contract in PENDING:
        return pytest.param(
            contract, marks=pytest.mark.xfail(strict=True, reason=f"TODO: {PENDING[contract]}")
        )
    return contract


@pytest.mark.parametrize("contract", [_param(contract) for contract in CONTRACTS])
def test_import_contract_is_kept(contract: str) -> None:
    result = subprocess.run(  # noqa: S603 (our own tool, fixed arguments)
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", "--contract", contract],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_contract_is_tested() -> None:
    """A contract added to pyproject.toml without a test here would never run in the suite."""
    configured = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    assert sorted(c["id"] for c in configured["contracts"]) == sorted(CONTRACTS)
