"""Files at rest: the cost of encryption, and of a backup and restore.

    .venv/bin/python bench/bench_files.py [--megabytes 200] [--files 200]

1. Write a MB-sized file through the encrypting storage on the local disk and read it back
   (`tutela.core.storage.EncryptedStorage`), against the plain FileSystemStorage doing the same;
   peak memory of the process (the file is never held whole).
2. `tutela backup` of the database and N stored files of 200 KB, then `tutela restore --force`.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import shutil
import time

from _setup import WORK, django_setup


def timed(label: str, function, megabytes: float | None = None):  # noqa: ANN001, ANN201
    start = time.perf_counter()
    result = function()
    elapsed = time.perf_counter() - start
    rate = f", {megabytes / elapsed:.0f} MB/s" if megabytes else ""
    print(f"{label:<48} {elapsed * 1000:8.0f} ms{rate}")
    return result


class Zeros(io.RawIOBase):
    """`size` bytes of pseudo-random text, made as they are read (nothing held in memory)."""

    def __init__(self, size: int) -> None:
        self.left = size
        self.block = os.urandom(1024 * 1024)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # noqa: ANN001
        count = min(len(buffer), self.left, len(self.block))
        buffer[:count] = self.block[:count]
        self.left -= count
        return count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--megabytes", type=int, default=200)
    parser.add_argument("--files", type=int, default=200)
    arguments = parser.parse_args()
    vendor = django_setup("files.sqlite3", fresh=True)
    from django.core.files import File
    from django.core.files.base import ContentFile
    from django.core.files.storage import FileSystemStorage

    from tutela.core.services.backups import backup_create, backup_identities, backup_restore
    from tutela.core.storage import EncryptedStorage

    media = WORK / "bench-media"
    shutil.rmtree(media, ignore_errors=True)
    size = arguments.megabytes * 1024 * 1024
    plain = FileSystemStorage(location=str(media / "plain"))
    encrypted = EncryptedStorage(
        inner={
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(media / "encrypted")},
        }
    )
    print(f"{vendor}; one file of {arguments.megabytes} MB")
    for label, storage in (("plain FileSystemStorage", plain), ("EncryptedStorage", encrypted)):
        name = timed(
            f"write, {label}",
            lambda s=storage: s.save("big.bin", File(io.BufferedReader(Zeros(size)))),
            arguments.megabytes,
        )

        def read(s=storage, n=name) -> None:  # noqa: ANN001
            with s.open(n) as handle:
                while handle.read(1024 * 1024):
                    pass

        timed(f"read, {label}", read, arguments.megabytes)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of the process: {peak:.0f} MB")

    from django.core.files.storage import default_storage

    for index in range(arguments.files):
        default_storage.save(f"bench/{index}.pdf", ContentFile(os.urandom(200 * 1024)))
    from pyrage import x25519

    identity = x25519.Identity.generate()
    key_file = WORK / "bench-backup-key.txt"
    key_file.write_text(str(identity))
    archive = WORK / "bench-backup.tar.age"
    with archive.open("wb") as output:
        result = timed(
            f"backup: database + {arguments.files} files of 200 KB",
            lambda: backup_create(output=output, recipients=[str(identity.to_public())]),
        )
    print(f"archive: {archive.stat().st_size / 1024 / 1024:.1f} MB, {result.files} files")
    with archive.open("rb") as source:
        timed(
            "restore --force",
            lambda: backup_restore(
                archive=source, identities=backup_identities(key_file), force=True
            ),
        )
    shutil.rmtree(media, ignore_errors=True)
    archive.unlink()


if __name__ == "__main__":
    main()
