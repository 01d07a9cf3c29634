"""`tutela import_5w FILE --operation SLUG [--org ACRONYM] [--mapping NAME] [--dry-run]
[--as EMAIL]`

Import a 5W file from the command line (for the information management officer on the server).
Prints what was (or would be) created, updated and left unchanged, and every problem by row and
column; exits with a non-zero status when the file is rejected.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import F
from django.utils import translation

from tutela.activities.models import ImportRecord
from tutela.activities.services.imports import import_5w_file, mappings_for
from tutela.core.imports.cli import command_errors, lookup_operation, lookup_user, print_upload
from tutela.core.models import Organisation


def print_record(command: BaseCommand, record: ImportRecord, *, limit: int) -> None:
    """The counts and the problems of an import, one problem a line."""
    print_upload(command, record, limit=limit, counts=("created", "updated", "unchanged"))


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
        with (
            command_errors(options["file"], missing=(FileNotFoundError,)),
            translation.override(options["language"]),
        ):
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
        if record.status == ImportRecord.Status.REJECTED:
            raise CommandError("The file was rejected; nothing was saved.")
