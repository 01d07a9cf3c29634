import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from tutela.core.services.backups import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Write one encrypted archive of the database and every stored file (age format, to the "
        "public keys of TUTELA_BACKUP_RECIPIENTS or --recipient). `-o -` writes to standard "
        "output."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "-o",
            "--output",
            default="",
            help="file or folder to write (default: tutela-<date>.tar.age here); - for stdout",
        )
        parser.add_argument(
            "--recipient",
            action="append",
            default=[],
            help="an age public key (age1...) to encrypt to; may be repeated",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        name = f"tutela-{timezone.now():%Y%m%d-%H%M%S}.tar.age"
        output = options["output"] or name
        try:
            if output == "-":
                result = backup_create(output=sys.stdout.buffer, recipients=options["recipient"])
                self.stderr.write(self._summary(result, "standard output"))
                return
            target = Path(output)
            if target.is_dir():
                target = target / name
            # Written under a temporary name and renamed once whole: a file with the final name
            # is always a complete archive.
            descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tutela-backup-")
            try:
                with os.fdopen(descriptor, "wb") as handle:
                    result = backup_create(output=handle, recipients=options["recipient"])
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(temporary, target)
            finally:
                if os.path.exists(temporary):
                    os.remove(temporary)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self._summary(result, str(target)))

    def _summary(self, result: Any, where: str) -> str:
        text = (
            f"Backup written to {where}: {result.database} database, {result.files} stored files, "
            f"{result.bytes_written} bytes. Field keys needed to restore it: "
            f"{', '.join(result.keys)}."
        )
        if result.missing:
            text += f" {len(result.missing)} files were deleted while the backup ran."
        return text
