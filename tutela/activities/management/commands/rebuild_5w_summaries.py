from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tutela.activities.services.summaries import summaries_rebuild, summary_differences
from tutela.core.models import Operation


class Command(BaseCommand):
    help = (
        "Rebuild the 5W summary tables that pivots and maps read (a repair: every write keeps "
        "them in step). --force rebuilds even when they are up to date; --check only compares "
        "them with a rebuild from the rows."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--operation", required=True, help="operation short name (slug)")
        parser.add_argument("--force", action="store_true")
        parser.add_argument("--check", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        operation = Operation.objects.filter(slug=options["operation"]).first()
        if operation is None:
            raise CommandError(f"No operation “{options['operation']}”.")
        if options["check"]:
            found = summary_differences(operation=operation)
            if found["extra"] or found["missing"]:
                raise CommandError(
                    f"Summaries of {operation.slug} differ from the rows: "
                    f"{len(found['extra'])} rows extra, {len(found['missing'])} missing."
                )
            self.stdout.write(f"Summaries of {operation.slug} are in step with the rows.")
            return
        state = summaries_rebuild(operation=operation, force=options["force"])
        self.stdout.write(
            f"Summaries of {operation.slug} at version {state.built_version} "
            f"({state.build_seconds or 0:.1f} s)."
        )
