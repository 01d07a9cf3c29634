from typing import Any

from django.core.management.base import BaseCommand

from tutela.core.crypto import generate_key


class Command(BaseCommand):
    help = "Print a new key for TUTELA_FIELD_KEYS (encryption of personal data at rest)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(generate_key())
