"""Logs and error reporting of the running system.

- `logging_config()`: Django's LOGGING. Text lines by default; with `TUTELA_LOG_FORMAT=json` one
  JSON object per line (python-json-logger: time, level, logger, message, and the record's extra
  fields such as `job` or `worker`), for a log collector. Tutela's own loggers at
  `TUTELA_LOG_LEVEL` (INFO), everything else at WARNING.
- `sentry_init()`: error reporting to Sentry when `SENTRY_DSN` is set, and only then (sentry-sdk is
  imported at that point). No personal data is sent: `send_default_pii` stays off (no user, no
  cookies, no IP address), request bodies are never sent, and Tutela's own events leave out local
  variables (which can hold a narrative or a key).
"""

from __future__ import annotations

import logging
from typing import Any

JSON_FORMAT = "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s"


def logging_config(*, json_lines: bool, level: str = "INFO") -> dict[str, Any]:
    if level not in logging.getLevelNamesMapping():
        level = "INFO"
    formatter: dict[str, Any]
    if json_lines:
        formatter = {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": JSON_FORMAT,
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "timestamp": False,
        }
    else:
        formatter = {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"tutela": formatter},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "tutela"}},
        "root": {"handlers": ["console"], "level": "WARNING"},
        "loggers": {
            "tutela": {"level": level},
            # The task worker's own lines (task started, finished, failed).
            "django_tasks": {"level": "INFO"},
            "django_tasks_db": {"level": "INFO"},
        },
    }


def _scrub(event: Any, hint: Any) -> Any:
    """Drop what could carry personal data or secrets from an event before it is sent."""
    request = event.get("request")
    if isinstance(request, dict):
        for key in ("data", "cookies", "query_string"):
            request.pop(key, None)
        headers = request.get("headers")
        if isinstance(headers, dict):
            request["headers"] = {
                name: value
                for name, value in headers.items()
                if name.lower() not in {"cookie", "authorization", "x-csrftoken"}
            }
    event.pop("user", None)
    return event


def sentry_init(dsn: str, *, debug: bool = False) -> bool:
    """Start error reporting when a DSN is given. Returns True when it did."""
    if not dsn:
        return False
    # Optional: loaded only when an error-reporting DSN is configured.
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        before_send=_scrub,
        traces_sample_rate=0.0,
        environment="development" if debug else "production",
    )
    return True
