"""tutela cases_reindex [--operation S]: rewrite every case's blind-index tokens under the first
field key (after `tutela rotate_keys`; search keeps finding old tokens until then)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from tutela.cases.models import Case
from tutela.cases.services.cases import case_reindex


class Command(BaseCommand):
    help = "Rewrite the blind index of cases under the first field key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--operation", help="only this operation (slug)")

    def handle(self, *args: Any, **options: Any) -> None:
        cases = Case.objects.filter(anonymised_at__isnull=True).prefetch_related("people")
        if options.get("operation"):
            cases = cases.filter(operation__slug=options["operation"])
        count = tokens = 0
        with transaction.atomic():
            for case in cases.iterator(chunk_size=500):
                tokens += case_reindex(case)
                count += 1
        self.stdout.write(f"{count} case(s) reindexed, {tokens} token(s) written.")
