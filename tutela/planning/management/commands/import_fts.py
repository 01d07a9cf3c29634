"""`tutela import_fts FILE --operation SLUG --year YEAR [--dry-run] [--as EMAIL]
[--language fr]`

Import an FTS flows export (as downloaded from fts.unocha.org, or its HXL version from HDX) from
the command line: the same service as Planning → Funding → Import from FTS. Prints what was (or
would be) created, updated, left unchanged and skipped (parked flows, outgoing flows, pledges of
other years...) and every problem by row; exits with a non-zero status when the file is rejected.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone, translation

from tutela.core.imports.cli import (
    add_upload_options,
    command_errors,
    lookup_operation,
    lookup_user,
    print_upload,
)
from tutela.planning.models import FundingImport
from tutela.planning.services.fts_import import funding_import_file


class Command(BaseCommand):
    help = (
        "Import an FTS flows export (xlsx or csv, or its HXL version) into an operation's funding "
        "for one year. Nothing is saved when any row has an error; flows are matched by their "
        "FTS id, so importing again updates them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the file to import")
        parser.add_argument("--operation", required=True, help="operation slug, e.g. mali")
        parser.add_argument(
            "--year", type=int, required=True, help="the plan year the flows count for"
        )
        add_upload_options(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        operation = lookup_operation(options["operation"])
        user = lookup_user(options["as_user"])
        year = options["year"]
        if not 2000 <= year <= timezone.localdate().year + 1:
            raise CommandError(f"--year {year}: give a plan year between 2000 and next year.")
        with (
            command_errors(options["file"], missing=(FileNotFoundError,)),
            translation.override(options["language"]),
        ):
            record = funding_import_file(
                by=user,
                operation=operation,
                year=year,
                path=options["file"],
                dry_run=options["dry_run"],
            )
            print_upload(
                self,
                record,
                limit=options["problems"],
                details=[f"Year: {record.year}"],
                counts=("created", "updated", "unchanged", "skipped"),
            )
        if record.status == FundingImport.Status.REJECTED:
            raise CommandError("The file was rejected; nothing was saved.")
