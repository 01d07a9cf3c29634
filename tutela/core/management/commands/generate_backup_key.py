from typing import Any

import pyrage
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Print a new age key pair for backups: the private key (keep it OFF this server, apart "
        "from the field keys) and the public key (put it in TUTELA_BACKUP_RECIPIENTS)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        identity = pyrage.x25519.Identity.generate()
        public = identity.to_public()
        self.stdout.write(f"# public key: {public}\n{identity}")
        self.stderr.write(
            f"TUTELA_BACKUP_RECIPIENTS={public}\nSave the two lines above (the private key) in a "
            "file kept away from this server; `tutela restore --identity FILE` needs it."
        )
