from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404

from tutela.activities.services.exports import round_for_month
from tutela.activities.services.xlsx_template import template_workbook
from tutela.core.models import Operation, Organisation


class Command(BaseCommand):
    help = (
        "Write the 5W Excel template of one organisation (dropdowns, cascading places, HXL row, "
        "instructions in the chosen language), e.g. "
        "tutela export_5w_template --operation mali --org AMSS -o amss-5w.xlsx"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--operation", required=True, metavar="SLUG")
        parser.add_argument("--org", required=True, metavar="ACRONYM")
        parser.add_argument(
            "--lang",
            default="",
            help="language of the instructions and messages (default: the operation's)",
        )
        parser.add_argument(
            "--month",
            default="",
            metavar="YYYY-MM",
            help="reporting round the template is for (default: every open round)",
        )
        parser.add_argument("-o", "--output", required=True, metavar="FILE.xlsx")

    def handle(self, *args: Any, **options: Any) -> None:
        operation = Operation.objects.filter(slug=options["operation"].strip()).first()
        if operation is None:
            known = ", ".join(Operation.objects.values_list("slug", flat=True)) or "none"
            raise CommandError(f"Unknown operation “{options['operation']}” (existing: {known}).")
        acronym = options["org"].strip()
        organisation = Organisation.objects.filter(
            operations=operation, acronym__iexact=acronym
        ).first()
        if organisation is None:
            known = ", ".join(
                Organisation.objects.filter(operations=operation)
                .order_by("acronym")
                .values_list("acronym", flat=True)
            )
            raise CommandError(
                f"No organisation “{acronym}” in {operation.slug} "
                f"(organisations: {known or 'none'})."
            )
        codes = [code for code, _label in settings.LANGUAGES]
        language = (options["lang"] or operation.default_language or "en").strip().lower()
        if language not in codes:
            raise CommandError(f"Unknown language “{language}” (choose one of {', '.join(codes)}).")
        try:
            round_ = round_for_month(operation, options["month"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        except Http404:
            raise CommandError(
                f"No reporting round for {options['month']} in {operation.slug}."
            ) from None
        content = template_workbook(
            operation=operation, organisation=organisation, language=language, round=round_
        )
        output = Path(options["output"])
        try:
            output.write_bytes(content)
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error}") from error
        self.stdout.write(
            f"Wrote the 5W template of {organisation.acronym} ({operation.slug}, {language}) "
            f"to {output} ({len(content) // 1024} KB)."
        )
