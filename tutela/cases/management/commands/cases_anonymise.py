"""tutela cases_anonymise --operation S [--dry-run]: anonymise the closed cases past the
operation's retention period now (it also runs each night) and print what was removed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tutela.cases.services.retention import retention_apply
from tutela.core.models import Operation


class Command(BaseCommand):
    help = "Anonymise closed cases past the operation's retention period, with a report."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--operation", required=True, help="operation short name (slug)")
        parser.add_argument("--dry-run", action="store_true", help="only list the cases")

    def handle(self, *args: Any, **options: Any) -> None:
        operation = Operation.objects.filter(slug=options["operation"]).first()
        if operation is None:
            raise CommandError(f"No operation {options['operation']!r}.")
        run = retention_apply(operation=operation, dry_run=options["dry_run"])
        verb = "would be anonymised" if run.dry_run else "anonymised"
        self.stdout.write(
            f"{len(run.report)} closed case(s) {verb} (closed before {run.closed_before}):"
        )
        for entry in run.report:
            removed = ", ".join(f"{k} {v}" for k, v in (entry.get("removed") or {}).items())
            self.stdout.write(
                f"  {entry['code']} closed {entry['closed_on']}"
                + (f": {removed}" if removed else "")
            )
