from typing import Any

from django.core.management.base import BaseCommand

from tutela.core.services.files import stored_files_rotate
from tutela.core.services.keys import keys_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt all personal data (encrypted columns and stored files) with the first key of "
        "TUTELA_FIELD_KEYS. Run after putting a new key first; remove the old key only after "
        "this succeeds."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = keys_rotate()
        self.stdout.write(f"{result.values} values re-encrypted in {result.columns} columns.")
        stored = stored_files_rotate()
        self.stdout.write(f"{stored.changed} of {stored.files} stored files re-encrypted.")
        if stored.unreadable:
            self.stderr.write(
                f"{len(stored.unreadable)} stored files cannot be opened with any key in "
                "TUTELA_FIELD_KEYS (listed in the log): restore them from a backup or delete them."
            )
