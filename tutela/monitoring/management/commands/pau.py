"""tutela pau --operation SLUG --period 2026Q3 --lang fr [--scope PCODE] -o pau.docx|pau.pdf"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tutela.core.models import Operation
from tutela.monitoring.pau.rendering import render
from tutela.monitoring.services.pau import pau_for_cli


class Command(BaseCommand):
    help = (
        "Create (or refresh, while it is a draft) the Protection Analysis Update of a period and "
        "write it as Word or PDF (by the output's extension), e.g. "
        "tutela pau --operation mali --period 2026Q3 --lang fr -o pau.docx"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--operation", required=True, metavar="SLUG")
        parser.add_argument(
            "--period", required=True, help="a quarter (2026Q3) or a month (2026-07)"
        )
        parser.add_argument("--lang", default="", help="fr or en (default: the operation's)")
        parser.add_argument(
            "--scope", default="", metavar="PCODE", help="a region (admin 1 P-code)"
        )
        parser.add_argument("-o", "--output", required=True, metavar="FILE.docx|FILE.pdf")

    def handle(self, *args: Any, **options: Any) -> None:
        operation = Operation.objects.filter(slug=options["operation"].strip()).first()
        if operation is None:
            known = ", ".join(Operation.objects.values_list("slug", flat=True)) or "none"
            raise CommandError(f"Unknown operation “{options['operation']}” (existing: {known}).")
        language = (options["lang"] or operation.default_language or "en").strip().lower()
        if language not in {code for code, _name in settings.LANGUAGES}:
            raise CommandError(f"Unknown language “{language}”.")
        output = Path(options["output"])
        fmt = output.suffix.lower().lstrip(".")
        if fmt not in {"docx", "pdf"}:
            raise CommandError("The output file must end in .docx or .pdf.")
        try:
            update, created = pau_for_cli(
                operation=operation,
                by=None,
                period=options["period"],
                scope=options["scope"] or None,
                language=language,
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        content, _mime, _name = render(update, fmt, language=language)
        output.write_bytes(content)
        self.stdout.write(
            f"{'Created' if created else 'Updated'} “{update.title}” "
            f"({update.get_status_display()}, version {update.versions.count()}); "
            f"wrote {output} ({len(content):,} bytes)."
        )
