"""tutela cases_odk_key_rotate --operation S --as EMAIL: replace an operation's ODK encryption key.
The forms made afterwards carry the new public key; the retired private key is kept (encrypted at
rest) to read the submissions of the forms made before. Only for a manager of the operation;
audited."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tutela.cases.services import odk_forms
from tutela.core.models import Operation, User


class Command(BaseCommand):
    help = "Replace an operation's ODK submission encryption key (the old one kept to read)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--operation", required=True, help="the operation's slug")
        parser.add_argument("--as", dest="email", required=True, help="a manager's e-mail")

    def handle(self, *args: Any, **options: Any) -> None:
        operation = Operation.objects.filter(slug=options["operation"]).first()
        user = User.objects.filter(email__iexact=options["email"]).first()
        if operation is None or user is None:
            raise CommandError("Unknown operation or user.")
        try:
            key = odk_forms.odk_key_rotate(operation=operation, by=user)
        except PermissionDenied:
            raise CommandError("Only a manager of the operation replaces its key.") from None
        self.stdout.write(
            f"New key {key.pk} for {operation.slug}: the forms made from now on have versions "
            f"ending with -{key.version_suffix}. Download them again (cases_odk_form) and replace "
            "them on the server and the phones; submissions of older forms still import."
        )
