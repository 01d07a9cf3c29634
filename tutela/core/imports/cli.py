"""What the import commands (`tutela import_5w`, `tutela import_incidents`) share: finding the
operation and the user named on the command line, printing an upload's counts and problems one a
line, and turning a missing file or a refusal into a command error (non-zero exit status)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tutela.core import sandbox
from tutela.core.models import Operation, User


def add_upload_options(parser: CommandParser) -> None:
    """The options every import command takes: --dry-run, --as, --language and --problems."""
    parser.add_argument("--dry-run", action="store_true", help="check and count, save nothing")
    parser.add_argument(
        "--as", dest="as_user", help="e-mail of the user the import is done as (audited)"
    )
    parser.add_argument("--language", default="en", help="language of the messages (en, fr, es)")
    parser.add_argument(
        "--problems", type=int, default=200, help="how many problems to print (200)"
    )


def lookup_operation(slug: str) -> Operation:
    operation = Operation.objects.filter(slug=slug).first()
    if operation is None:
        raise CommandError(f"No operation “{slug}”.")
    return operation


def lookup_user(email: str | None) -> User | None:
    if not email:
        return None
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None:
        raise CommandError(f"No active user “{email}”.")
    return user


def print_upload(
    command: BaseCommand,
    record: Any,
    *,
    limit: int,
    details: Sequence[str] = (),
    counts: Sequence[str] = ("created", "updated"),
) -> None:
    """The counts and the first `limit` problems of an upload record, one problem a line.
    `details`: lines printed after the file name; `counts`: the record's `<name>_count` fields
    printed after the rows read."""
    write = command.stdout.write
    write(f"File: {record.file_name}")
    for line in details:
        write(line)
    write(f"Status: {record.get_status_display()}")
    write(
        f"Rows read: {record.rows_read}"
        + "".join(f"  {name}: {getattr(record, f'{name}_count')}" for name in counts)
    )
    write(f"Errors: {record.error_count}  warnings: {record.warning_count}")
    for problem in record.problems[:limit]:
        where = []
        if problem.get("row"):
            where.append(f"row {problem['row']}")
        if problem.get("column"):
            where.append(f"column “{' '.join(str(problem['column']).split())}”")
        prefix = f"[{problem.get('severity', 'error')}]"
        if where:
            prefix += " " + ", ".join(where) + ":"
        write(f"{prefix} {problem.get('message', '')}")
    hidden = record.error_count + record.warning_count - min(limit, len(record.problems))
    if hidden > 0:
        write(f"… and {hidden} more problem(s).")


@contextmanager
def command_errors(file: str, *, missing: tuple[type[OSError], ...]) -> Iterator[None]:
    """A missing file (`missing`: the errors that mean so) or a refused import as a
    CommandError. Files are read with the long parse budget (no web request waits)."""
    try:
        with sandbox.patient():
            yield
    except missing as exc:
        raise CommandError(f"No file “{file}”.") from exc
    except PermissionDenied as exc:
        raise CommandError(str(exc) or "Not allowed.") from exc
