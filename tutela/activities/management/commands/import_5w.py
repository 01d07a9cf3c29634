"""`tutela import_5w FILE --operation SLUG [--org ACRONYM] [--mapping NAME] [--dry-run]
[--as EMAIL]`

Import a 5W file from the command line (for the information management officer on the server).
Prints what was (or would be) created, updated and left unchanged, and every problem by row and
column; exits with a non-zero status when the file is rejected.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import F
from django.utils import translation

from tutela.activities.models import ImportRecord
from tutela.activities.services.imports import import_5w_file, mappings_for
from tutela.core.models import Operation, Organisation, User


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


def print_record(command: BaseCommand, record: ImportRecord, *, limit: int) -> None:
    """The counts and the problems of an import, one problem a line."""
    write = command.stdout.write
    write(f"File: {record.file_name}")
    write(f"Status: {record.get_status_display()}")
    write(
        f"Rows read: {record.rows_read}  created: {record.created_count}  "
        f"updated: {record.updated_count}  unchanged: {record.unchanged_count}"
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


class Command(BaseCommand):
    help = (
        "Import a 5W file (xlsx, xls, ods or csv) into an operation. Nothing is saved when any "
        "row has an error; re-importing updates rows instead of duplicating them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the file to import")
        parser.add_argument("--operation", required=True, help="operation slug, e.g. mali")
        parser.add_argument("--org", help="acronym of the reporting organisation")
        parser.add_argument("--mapping", help="name of a saved column mapping")
        parser.add_argument("--sheet", help="sheet name (default: found automatically)")
        parser.add_argument("--header-row", type=int, help="row of the column headers")
        parser.add_argument("--dry-run", action="store_true", help="check and count, save nothing")
        parser.add_argument(
            "--as", dest="as_user", help="e-mail of the user the import is done as (audited)"
        )
        parser.add_argument(
            "--language", default="en", help="language of the messages (en, fr, es)"
        )
        parser.add_argument(
            "--problems", type=int, default=200, help="how many problems to print (200)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        operation = lookup_operation(options["operation"])
        user = lookup_user(options["as_user"])
        organisation = None
        if options["org"]:
            organisation = Organisation.objects.filter(acronym__iexact=options["org"]).first()
            if organisation is None:
                raise CommandError(f"No organisation “{options['org']}”.")
        mapping = None
        if options["mapping"]:
            candidates = mappings_for(operation, organisation).filter(name=options["mapping"])
            # The organisation's own mapping before a shared one of the same name.
            mapping = candidates.order_by(F("organisation_id").desc(nulls_last=True)).first()
            if mapping is None:
                raise CommandError(f"No column mapping “{options['mapping']}”.")
        try:
            with translation.override(options["language"]):
                record = import_5w_file(
                    by=user,
                    operation=operation,
                    path=options["file"],
                    organisation=organisation,
                    mapping=mapping,
                    dry_run=options["dry_run"],
                    sheet=options["sheet"],
                    header_row=options["header_row"],
                )
                print_record(self, record, limit=options["problems"])
        except FileNotFoundError as exc:
            raise CommandError(f"No file “{options['file']}”.") from exc
        except PermissionDenied as exc:
            raise CommandError(str(exc) or "Not allowed.") from exc
        if record.status == ImportRecord.Status.REJECTED:
            raise CommandError("The file was rejected; nothing was saved.")
