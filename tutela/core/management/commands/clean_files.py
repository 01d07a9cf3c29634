from typing import Any

from django.core.management.base import BaseCommand

from tutela.core.services.files import stored_files_clean


class Command(BaseCommand):
    help = (
        "Delete the files of uploads kept longer than TUTELA_UPLOAD_RETENTION_HOURS and stored "
        "files no record refers to (the scheduler does this every hour)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = stored_files_clean()
        self.stdout.write(
            f"{result.expired} upload files past their retention and {result.orphans} files no "
            "record refers to deleted."
        )
