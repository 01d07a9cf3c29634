"""`tutela import_incidents FILE --operation SLUG --org ACRONYM [--mapping NAME | --profile NAME]
[--dry-run] [--kind incidents|community] [--as EMAIL]`

Import a file of protection incidents (or of community monitoring rows) for an organisation from
the command line. Prints what was (or would be) created and updated and every problem by row and
column; exits with a non-zero status when the file is rejected. Nothing is saved when any row has
an error.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import F
from django.utils import translation

from tutela.core.imports.cli import (
    add_upload_options,
    command_errors,
    lookup_operation,
    lookup_user,
    print_upload,
)
from tutela.core.models import Organisation
from tutela.monitoring.models import Kind, MonitoringImport
from tutela.monitoring.services.import_mappings import mappings_for
from tutela.monitoring.services.import_profiles import profiles_for
from tutela.monitoring.services.imports import import_monitoring_file


def print_record(command: BaseCommand, record: MonitoringImport, *, limit: int) -> None:
    details = [f"Kind: {record.get_kind_display()}  organisation: {record.organisation.acronym}"]
    if record.profile:
        details.append(f"Profile: {record.profile}")
    print_upload(command, record, limit=limit, details=details)
    if record.skipped_count:
        command.stdout.write(f"Left out by rule: {record.skipped_count} row(s)")
        for rule in record.left_out:
            command.stdout.write(f"  {rule['field']} “{rule['value']}”: {rule['rows']}")


class Command(BaseCommand):
    help = (
        "Import a file of protection incidents or community monitoring rows (xlsx, xls, ods, csv, "
        "KoboToolbox/ODK export) for an organisation. Nothing is saved when any row has an "
        "error; re-importing updates the records with the same identifier."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the file to import")
        parser.add_argument("--operation", required=True, help="operation slug, e.g. mali")
        parser.add_argument("--org", required=True, help="acronym of the reporting organisation")
        parser.add_argument("--mapping", help="name of a saved column and value mapping")
        parser.add_argument(
            "--profile",
            help="name of an import profile, e.g. acled (tutela import_profiles --list shows them)",
        )
        parser.add_argument(
            "--kind", choices=list(Kind.values), default=Kind.INCIDENTS, help="kind of rows"
        )
        add_upload_options(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        operation = lookup_operation(options["operation"])
        user = lookup_user(options["as_user"])
        organisation = Organisation.objects.filter(acronym__iexact=options["org"].strip()).first()
        if organisation is None:
            raise CommandError(f"No organisation “{options['org']}”.")
        mapping = None
        if options["mapping"] and options["profile"]:
            raise CommandError("Give --mapping or --profile, not both.")
        profile = (options["profile"] or "").strip()
        if profile and profile not in profiles_for(operation, options["kind"]):
            known = ", ".join(profiles_for(operation, options["kind"])) or "none"
            raise CommandError(f"No {options['kind']} profile “{profile}” (known: {known}).")
        if options["mapping"]:
            candidates = mappings_for(operation, organisation, options["kind"]).filter(
                name=options["mapping"]
            )
            mapping = candidates.order_by(F("organisation_id").desc(nulls_last=True)).first()
            if mapping is None:
                raise CommandError(f"No {options['kind']} mapping “{options['mapping']}”.")
        with (
            command_errors(options["file"], missing=(FileNotFoundError, IsADirectoryError)),
            translation.override(options["language"]),
        ):
            record = import_monitoring_file(
                by=user,
                operation=operation,
                organisation=organisation,
                kind=options["kind"],
                path=options["file"],
                mapping=mapping,
                profile=profile,
                dry_run=options["dry_run"],
            )
            print_record(self, record, limit=options["problems"])
        if record.status == MonitoringImport.Status.REJECTED:
            raise CommandError(
                f"The file was rejected ({record.error_count} error(s)); nothing was saved."
            )
