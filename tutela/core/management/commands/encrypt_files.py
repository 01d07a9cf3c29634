from typing import Any

from django.core.management.base import BaseCommand

from tutela.core.services.files import stored_files_encrypt


class Command(BaseCommand):
    help = (
        "Encrypt in place the stored files kept in clear (uploaded before files were encrypted). "
        "Safe to run again: encrypted files are left as they are."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = stored_files_encrypt()
        self.stdout.write(f"{result.changed} of {result.files} stored files encrypted.")
