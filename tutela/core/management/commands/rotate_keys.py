from typing import Any

from django.core.management.base import BaseCommand

from tutela.core.services.keys import keys_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt all personal data with the first key of TUTELA_FIELD_KEYS. Run after putting "
        "a new key first; remove the old key only after this succeeds."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = keys_rotate()
        self.stdout.write(f"{result.values} values re-encrypted in {result.columns} columns.")
