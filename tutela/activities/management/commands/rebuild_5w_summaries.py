from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tutela.activities.services.summaries import summaries_rebuild
from tutela.core.models import Operation


class Command(BaseCommand):
    help = (
        "Rebuild the 5W summary tables that pivots and maps read (normally done in the background "
        "after each change). --force rebuilds even when they are up to date."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--operation", required=True, help="operation short name (slug)")
        parser.add_argument("--force", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        operation = Operation.objects.filter(slug=options["operation"]).first()
        if operation is None:
            raise CommandError(f"No operation “{options['operation']}”.")
        state = summaries_rebuild(operation=operation, force=options["force"])
        self.stdout.write(
            f"Summaries of {operation.slug} at version {state.built_version} "
            f"({state.build_seconds or 0:.1f} s)."
        )
