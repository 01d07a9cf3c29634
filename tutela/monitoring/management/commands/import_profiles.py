"""`tutela import_profiles --operation SLUG [--kind incidents|community]
[--export NAME [-o FILE]] [--load FILE]`

List the import profiles an operation may use (Tutela's and its own), write one as its JSON file
(to use in another operation or another Tutela), or take a profile file into the operation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tutela.core.imports.cli import lookup_operation
from tutela.core.imports.profiles import MAX_BYTES, ProfileError
from tutela.monitoring.models import Kind
from tutela.monitoring.services.import_profiles import (
    profile_dump_named,
    profile_import,
    profiles_for,
)


class Command(BaseCommand):
    help = "List, export (JSON) or load the import profiles of an operation's monitoring files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--operation", required=True, help="operation slug, e.g. mali")
        parser.add_argument("--kind", choices=list(Kind.values), default=Kind.INCIDENTS)
        parser.add_argument("--export", metavar="NAME", help="write this profile as JSON")
        parser.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
        parser.add_argument("--load", type=Path, metavar="FILE", help="take in a profile file")

    def handle(self, *args: Any, **options: Any) -> None:
        operation = lookup_operation(options["operation"])
        kind = options["kind"]
        if options["load"]:
            path: Path = options["load"]
            try:
                with path.open("rb") as handle:
                    data = handle.read(MAX_BYTES + 1)
            except OSError as exc:
                raise CommandError(f"No file “{path}”.") from exc
            try:
                row = profile_import(operation=operation, by=None, data=data)
            except ProfileError as error:
                for problem in error.problems:
                    self.stderr.write(problem)
                raise CommandError(f"{path} is not a valid profile; nothing was saved.") from error
            self.stdout.write(f"Profile “{row.name}” loaded for {row.importer}.")
            return
        if options["export"]:
            try:
                content = profile_dump_named(operation, kind, options["export"])
            except LookupError:
                raise CommandError(f"No {kind} profile “{options['export']}”.") from None
            if options["output"]:
                options["output"].write_bytes(content)
            else:
                self.stdout.write(content.decode(), ending="")
            return
        for name, profile in profiles_for(operation, kind).items():
            self.stdout.write(f"{name}\t{profile.origin}\t{profile.label()}")
