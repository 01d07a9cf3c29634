import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tutela.core.services.backups import BackupError, backup_identities, backup_restore


class Command(BaseCommand):
    help = (
        "Bring back the database and stored files of a `tutela backup` archive. Refuses a "
        "database that is not empty unless --force, and an instance that lacks the field keys "
        "the backup needs. Stop the web server, worker and scheduler first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", help="the .tar.age file")
        parser.add_argument(
            "-i",
            "--identity",
            default=os.environ.get("TUTELA_BACKUP_IDENTITY_FILE", ""),
            help="file holding the age private key (default: $TUTELA_BACKUP_IDENTITY_FILE)",
        )
        parser.add_argument(
            "--force", action="store_true", help="replace the content of a database in use"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["identity"]:
            raise CommandError("Give the backup's private key: --identity FILE.")
        try:
            identities = backup_identities(options["identity"])
            with open(options["archive"], "rb") as archive:
                result = backup_restore(
                    archive=archive, identities=identities, force=options["force"]
                )
        except OSError as error:
            raise CommandError(f"Cannot read {options['archive']}: {error.strerror}.") from error
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Restored the backup made at {result.created_at}: {result.database} database and "
            f"{result.files} stored files. Run `tutela migrate` if this version of Tutela is "
            "newer than the backup."
        )
