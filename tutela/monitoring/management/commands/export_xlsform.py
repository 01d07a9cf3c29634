"""`tutela export_xlsform --operation SLUG --form incidents|community -o FILE`

Write the operation's XLSForm (for KoboToolbox / ODK Collect) of the incident form or of the
community monitoring form. The form is checked with pyxform before it is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tutela.core.imports.cli import lookup_operation
from tutela.monitoring.imports.xlsforms import FORMS, xlsform, xlsform_convert


class Command(BaseCommand):
    help = "Write the XLSForm of the incident or community monitoring form of an operation."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--operation", required=True, help="operation slug, e.g. mali")
        parser.add_argument("--form", choices=FORMS, default="incidents")
        parser.add_argument("-o", "--output", required=True, help="the .xlsx file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        operation = lookup_operation(options["operation"])
        content = xlsform(operation, options["form"])
        warnings: list[str] = []
        try:
            xlsform_convert(content, warnings)
        except Exception as exc:  # noqa: BLE001 (pyxform raises several error types)
            raise CommandError(f"The form does not convert: {exc}") from exc
        try:
            Path(options["output"]).write_bytes(content)
        except OSError as exc:
            raise CommandError(f"Cannot write {options['output']}: {exc}") from exc
        self.stdout.write(f"Wrote {options['output']} ({len(content)} bytes).")
        for warning in warnings:
            self.stdout.write(f"[warning] {warning}")
