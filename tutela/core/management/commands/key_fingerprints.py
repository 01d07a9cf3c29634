from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from tutela.core.filecrypt import key_fingerprint


class Command(BaseCommand):
    help = (
        "Print the fingerprint of each key in TUTELA_FIELD_KEYS (a backup lists those it needs); "
        "a fingerprint reveals nothing of its key."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        for position, key in enumerate(settings.FIELD_ENCRYPTION_KEYS):
            role = "encrypts and decrypts" if position == 0 else "decrypts"
            self.stdout.write(f"{key_fingerprint(key)}  ({role})")
