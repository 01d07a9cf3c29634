"""The `tutela` console script: Django's management commands with Tutela's settings.

It reads `var/secrets.env` itself (tutela.core.startup), so that `.venv/bin/tutela ...` after
`make run` uses the same settings as the server, and reports a configuration error (a missing
key, an unknown database URL, a database it cannot reach) as one line, not a traceback.
`--traceback` shows the traceback anyway.
"""

from __future__ import annotations

import os
import sys


def _error_line(exc: BaseException) -> str | None:
    """The one line for a configuration error, or None when `exc` is not one."""
    from django.core.exceptions import ImproperlyConfigured
    from django.db import InterfaceError, OperationalError

    if isinstance(exc, ImproperlyConfigured):
        return f"tutela: configuration error: {exc}"
    if isinstance(exc, OperationalError | InterfaceError):
        first = " ".join(str(exc).split("\n")[0].split())
        return f"tutela: database error: {first or exc.__class__.__name__}"
    return None


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from tutela.core.startup import process_prepare

    process_prepare()
    from django.core.management import execute_from_command_line

    arguments = ["tutela", *sys.argv[1:]]
    try:
        execute_from_command_line(arguments)
    except Exception as exc:
        line = _error_line(exc)
        if line is None or "--traceback" in arguments:
            raise
        print(line, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
