"""`tutela import_planning FILE --operation SLUG --year 2026 [--dry-run] [--as EMAIL]`

Import planning figures (people in need, targeted, severity per admin area × cluster/AoR ×
population group). Prints the counts and problems; exits non-zero when the file is rejected.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from tutela.activities.management.commands.import_5w import (
    lookup_operation,
    lookup_user,
    print_record,
)
from tutela.activities.models import ImportRecord
from tutela.activities.services.planning_import import planning_import_file
from tutela.core import sandbox
from tutela.core.imports.cli import add_upload_options


class Command(BaseCommand):
    help = (
        "Import planning figures (HNO/HRP: people in need, targeted, severity) for a year. "
        "Nothing is saved when any row has an error; re-importing updates figures."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the file to import (xlsx, xls, ods or csv)")
        parser.add_argument("--operation", required=True, help="operation slug, e.g. mali")
        parser.add_argument("--year", required=True, type=int, help="year of the figures")
        parser.add_argument("--sheet", help="sheet name (default: the first)")
        add_upload_options(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        operation = lookup_operation(options["operation"])
        user = lookup_user(options["as_user"])
        try:
            with translation.override(options["language"]), sandbox.patient():
                record = planning_import_file(
                    by=user,
                    operation=operation,
                    year=options["year"],
                    path=options["file"],
                    dry_run=options["dry_run"],
                    sheet=options["sheet"],
                )
                print_record(self, record, limit=options["problems"])
        except FileNotFoundError as exc:
            raise CommandError(f"No file “{options['file']}”.") from exc
        except PermissionDenied as exc:
            raise CommandError(str(exc) or "Not allowed.") from exc
        if record.status == ImportRecord.Status.REJECTED:
            raise CommandError("The file was rejected; nothing was saved.")
