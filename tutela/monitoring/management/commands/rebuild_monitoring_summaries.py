"""tutela rebuild_monitoring_summaries [--operation SLUG] [--check] [--chunk-incidents N]"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tutela.core.models import Operation
from tutela.monitoring.services.atoms import atom_differences
from tutela.monitoring.services.summaries import summaries_rebuild, summary_differences


class Command(BaseCommand):
    help = (
        "Rebuild the incident summary and counted atoms (the pre-aggregated counts the "
        "monitoring analysis reads) of an operation, or of every operation, from its incidents. "
        "With --check, only compare them with the incidents and list the differences (exit "
        "status 1 if any)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--operation", help="operation slug (default: every operation)")
        parser.add_argument("--check", action="store_true", help="compare only; change nothing")
        parser.add_argument(
            "--chunk-incidents",
            type=int,
            default=None,
            help="incidents summed per transaction (default: MONITORING_SUMMARY_CHUNK_INCIDENTS, "
            "50,000); the database's write lock is released between chunks",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("chunk_incidents") is not None and options["chunk_incidents"] < 1:
            raise CommandError("--chunk-incidents must be at least 1.")
        operations = Operation.objects.order_by("slug")
        if options.get("operation"):
            operations = operations.filter(slug=options["operation"])
            if not operations.exists():
                raise CommandError(f"No operation {options['operation']!r}.")
        differences = 0
        for operation in operations:
            if options["check"]:
                found = summary_differences(operation)
                differences += len(found)
                self.stdout.write(f"{operation.slug}: {len(found)} difference(s)")
                for key, (stored, fresh) in sorted(found.items(), key=str)[:20]:
                    self.stdout.write(f"  {key}: summary {stored}, incidents {fresh}")
                atoms = atom_differences(operation)
                differences += len(atoms)
                self.stdout.write(f"{operation.slug}: {len(atoms)} atom difference(s)")
                for atom, (in_atoms, in_summary) in sorted(atoms.items(), key=str)[:20]:
                    self.stdout.write(f"  {atom}: atoms {in_atoms}, summary {in_summary}")
            else:
                rows = summaries_rebuild(operation=operation, chunk=options.get("chunk_incidents"))
                self.stdout.write(f"{operation.slug}: {rows} summary row(s)")
        if differences:
            raise CommandError(f"{differences} difference(s) between summary and incidents.")
