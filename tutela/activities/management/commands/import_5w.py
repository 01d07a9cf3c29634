"""`tutela import_5w FILE --operation SLUG [--org ACRONYM] [--mapping NAME | --profile NAME]
[--dry-run] [--as EMAIL] [--column "HEADER=FIELD" ...] [--set FIELD=VALUE ...]
[--save-mapping NAME]`

Import a 5W file from the command line (for the information management officer on the server).
Prints what was (or would be) created, updated and left unchanged, and every problem by row and
column; exits with a non-zero status when the file is rejected.

`--column` says which field a column holds ("HEADER=" ignores it; the same count field for
several columns adds them up), `--set` gives every row a value for a field the file lacks
("--set status=ongoing"), `--value "FIELD:WORD=VALUE"` what a word of the file means; they are
saved, on top of `--mapping` if given, as the mapping `--save-mapping` names, and the file is
imported with it. Next month `--mapping NAME` alone does the same.

`--profile NAME` reads the file with an import profile instead (`--profile hxl-3w`: an HDX HXL
3W/5W as downloaded, its columns found by their hashtags).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import F
from django.utils import translation

from tutela.activities.models import ColumnMapping, ImportRecord
from tutela.activities.services.import_profiles import profiles_for
from tutela.activities.services.imports import import_5w_file, mapping_save, mappings_for
from tutela.core.imports.cli import (
    add_upload_options,
    command_errors,
    lookup_operation,
    lookup_user,
    print_upload,
)
from tutela.core.models import Operation, Organisation, User


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
        parser.add_argument(
            "--profile", help="name of an import profile (e.g. hxl-3w: an HDX HXL 3W as it is)"
        )
        parser.add_argument("--sheet", help="sheet name (default: found automatically)")
        parser.add_argument("--header-row", type=int, help="row of the column headers")
        add_upload_options(parser)
        parser.add_argument(
            "--column",
            action="append",
            default=[],
            metavar="HEADER=FIELD",
            help="the field a column holds (HEADER= to ignore it; a count field given for "
            "several columns adds them up)",
        )
        parser.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="FIELD=VALUE",
            help="every row gets VALUE for FIELD (a field the file has no column for)",
        )
        parser.add_argument(
            "--value",
            action="append",
            default=[],
            metavar="FIELD:WORD=VALUE",
            help="what a word of the file means for FIELD (e.g. population_group:Desplazados=IDP)",
        )
        parser.add_argument(
            "--save-mapping",
            metavar="NAME",
            help="save --column, --set and --value (on top of --mapping) as this mapping",
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
        profile_name = (options["profile"] or "").strip()
        profile = None
        if profile_name:
            if options["mapping"] or options["column"] or options["set"] or options["value"]:
                raise CommandError("Give --profile alone, without --mapping, --column or --set.")
            profile = profiles_for(operation).get(profile_name)
            if profile is None:
                known = ", ".join(profiles_for(operation)) or "none"
                raise CommandError(f"No 5W profile “{profile_name}” (known: {known}).")
        if options["mapping"]:
            candidates = mappings_for(operation, organisation).filter(name=options["mapping"])
            # The organisation's own mapping before a shared one of the same name.
            mapping = candidates.order_by(F("organisation_id").desc(nulls_last=True)).first()
            if mapping is None:
                raise CommandError(f"No column mapping “{options['mapping']}”.")
        if options["column"] or options["set"] or options["value"] or options["save_mapping"]:
            mapping = self._save_mapping(options, operation, organisation, user, mapping)
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
                profile=profile,
            )
            print_record(self, record, limit=options["problems"])
        if record.status == ImportRecord.Status.REJECTED:
            raise CommandError("The file was rejected; nothing was saved.")

    def _save_mapping(
        self,
        options: dict[str, Any],
        operation: Operation,
        organisation: Organisation | None,
        user: User | None,
        base: ColumnMapping | None,
    ) -> ColumnMapping:
        """The mapping of --column, --set and --value on top of `base`, saved under
        --save-mapping (for `organisation`, or shared by the operation without --org)."""
        name = (options["save_mapping"] or "").strip()
        if not name:
            raise CommandError("--column, --set and --value need --save-mapping NAME.")
        columns: dict[str, str] = dict(base.columns) if base is not None else {}
        values: dict[str, dict[str, Any]] = {
            k: dict(v) for k, v in (base.values if base is not None else {}).items()
        }
        # "Header=field": the header may hold "=" itself, the field never does.
        for item in options["column"]:
            header, equals, target = item.rpartition("=")
            if not equals or not header.strip():
                raise CommandError(f"--column “{item}”: write HEADER=FIELD.")
            columns[header.strip()] = target.strip()
        for item in options["set"]:
            target, equals, value = item.partition("=")
            if not equals or not target.strip():
                raise CommandError(f"--set “{item}”: write FIELD=VALUE.")
            values.setdefault(target.strip(), {})[""] = value.strip()
        for item in options["value"]:
            target, colon, rest = item.partition(":")
            word, equals, value = rest.rpartition("=")
            if not colon or not equals or not word.strip():
                raise CommandError(f"--value “{item}”: write FIELD:WORD=VALUE.")
            values.setdefault(target.strip(), {})[word.strip()] = value.strip()
        try:
            return mapping_save(
                by=user,
                operation=operation,
                organisation=organisation,
                name=name,
                columns=columns,
                values=values,
                sheet=options["sheet"] or (base.sheet if base is not None else ""),
                header_row=options["header_row"] or (base.header_row if base is not None else 0),
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        except PermissionDenied as exc:
            raise CommandError(str(exc) or "Not allowed.") from exc
