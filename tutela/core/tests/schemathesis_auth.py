"""Schemathesis hooks for test_api_schemathesis.py (loaded by the `st run` it starts, through
SCHEMATHESIS_HOOKS): every request carries a real API token, obtained by signing in through the
API as TUTELA_ST_EMAIL / TUTELA_ST_PASSWORD, and obtained again after a 401 (the run itself
revokes tokens: DELETE /api/v1/auth/token/ and the token list endpoints are tested too)."""

from __future__ import annotations

import os
from typing import Any

import requests
import schemathesis


@schemathesis.auth(refresh_interval=60, retry_on=[401])
class SignedIn:
    def get(self, case: Any, context: Any) -> str:
        response = requests.post(
            f"{os.environ['TUTELA_ST_BASE_URL']}/api/v1/auth/token/",
            json={
                "email": os.environ["TUTELA_ST_EMAIL"],
                "password": os.environ["TUTELA_ST_PASSWORD"],
            },
            timeout=30,
        )
        response.raise_for_status()
        return str(response.json()["token"])

    def set(self, case: Any, data: str, context: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Token {data}"}
