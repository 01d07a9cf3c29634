"""tutela cases_odk_form --operation S --form registration|follow_up --as EMAIL [-o FILE]
[--public-key] [--submission-url URL]: write the operation's encrypted case XLSForm (or its
public key, PEM) for KoboToolbox / ODK Collect. Only for a manager of the operation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tutela.cases import access
from tutela.cases.odk_crypto import public_key_pem
from tutela.cases.services import odk_forms
from tutela.core.models import Operation, User


class Command(BaseCommand):
    help = "Write an operation's encrypted case registration or follow-up XLSForm."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--operation", required=True, help="the operation's slug")
        parser.add_argument("--form", choices=odk_forms.FORMS, default="registration")
        parser.add_argument("--as", dest="email", required=True, help="a manager's e-mail")
        parser.add_argument("--public-key", action="store_true", help="write the public key")
        parser.add_argument(
            "--submission-url",
            default="",
            help="the server's submission address, e.g. https://kc.kobotoolbox.org/submission",
        )
        parser.add_argument("-o", "--output", help="file to write (default: <form id>.xlsx)")

    def handle(self, *args: Any, **options: Any) -> None:
        operation = Operation.objects.filter(slug=options["operation"]).first()
        user = User.objects.filter(email__iexact=options["email"]).first()
        if operation is None or user is None:
            raise CommandError("Unknown operation or user.")
        try:
            access.require_form_manager(user, operation)
        except PermissionDenied:
            raise CommandError("Only a manager of the operation downloads its forms.") from None
        key = odk_forms.odk_key_get_or_create(operation=operation, by=user)
        if options["public_key"]:
            content = public_key_pem(key.private_key).encode()
            default = f"{operation.slug}-odk-public-key.pem"
        else:
            try:
                content = odk_forms.xlsform_cases(
                    operation, options["form"], submission_url=options["submission_url"]
                )
            except ValidationError as refused:
                raise CommandError(" ".join(refused.messages)) from None
            default = f"{odk_forms.form_id(operation, options['form'])}.xlsx"
        path = Path(options.get("output") or default)
        path.write_bytes(content)
        self.stdout.write(f"Written {path} ({len(content)} bytes).")
