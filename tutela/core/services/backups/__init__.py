"""Backups: one encrypted archive holding the database and every stored file, and its restore.

The archive is a tar stream encrypted in the age format (age-encryption.org/v1, through pyrage)
to one or more age public keys (TUTELA_BACKUP_RECIPIENTS). The server that makes backups holds
only public keys: it cannot read its own backups, and neither can whoever takes them from it.
The private key (an age identity) is kept apart, offline, and is needed only to restore; the
standard `age` tool opens an archive too (`age -d -i key.txt backup.tar.age | tar x`).

Members, in this order:
    manifest.json        format, date, database engine, applied migrations, and the
                         fingerprints of the field keys the data needs (restore checks them
                         before touching anything)
    database.sqlite3     SQLite's online backup API: a consistent copy while the app runs; or
    database.pgdump      pg_dump's custom format (one consistent snapshot)
    files/<name>         every stored file, as stored: still encrypted under the field keys

Stored files and encrypted columns stay encrypted under the field keys inside the archive, so a
restore needs those keys as well as the backup key: keep both, apart from each other and from
the backups (README "Backups").

Nothing in clear is written to disk on the way: the PostgreSQL dump and the decrypted archive are
spooled encrypted under a key held in memory (filecrypt.EncryptedSpool); the SQLite copy is made
next to the database (same protection as the database itself) and removed.
"""

from tutela.core.services.backups.common import (
    BackupError,
    BackupResult,
    RestoreResult,
    backup_identities,
    backup_recipients,
    keys_needed,
)
from tutela.core.services.backups.create import backup_create
from tutela.core.services.backups.restore import backup_restore, database_is_empty

__all__ = [
    "BackupError",
    "BackupResult",
    "RestoreResult",
    "backup_create",
    "backup_identities",
    "backup_recipients",
    "backup_restore",
    "database_is_empty",
    "keys_needed",
]
