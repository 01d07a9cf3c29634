"""tutela early_warning --operation SLUG [--month 2026-09] [--no-email]"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tutela.core.models import Operation
from tutela.monitoring.services.early_warning import early_warning_scan


class Command(BaseCommand):
    help = (
        "Test every area x protection risk of an operation for an unusual increase of incidents "
        "in a month (default: the last complete month), record the signals and e-mail the new "
        "ones to the coordinators."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--operation", required=True, help="operation slug")
        parser.add_argument("--month", help="month tested, YYYY-MM (default: last complete month)")
        parser.add_argument("--no-email", action="store_true", help="do not e-mail the signals")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            operation = Operation.objects.get(slug=options["operation"])
        except Operation.DoesNotExist:
            raise CommandError(f"No operation {options['operation']!r}.") from None
        month = None
        if options.get("month"):
            try:
                month = datetime.datetime.strptime(options["month"], "%Y-%m").date()  # noqa: DTZ007
            except ValueError:
                raise CommandError("--month must look like 2026-09.") from None
        result = early_warning_scan(
            operation=operation, month=month, notify=not options["no_email"]
        )
        self.stdout.write(
            f"{operation.slug} {result.month:%Y-%m}: {result.tested} area x risk pairs tested, "
            f"{len(result.signals)} signal(s), {len(result.new)} new, {result.removed} removed, "
            f"{result.notified} e-mailed"
        )
        for signal in result.signals:
            self.stdout.write(
                f"  {signal.area.pcode} {signal.risk.code}: observed {signal.observed}, "
                f"expected {signal.expected:.2f}, p = {signal.p_value:.2g}"
            )
