"""The storage of uploaded files: encrypted at rest, on any Django storage backend.

`EncryptedStorage` is the default storage (settings.STORAGES["default"]). It wraps another backend
(the local file system, or an S3-compatible object store through django-storages) and encrypts
every file written through it with `filecrypt` (a key per file, wrapped under the field keys);
reading decrypts a segment at a time. Code reads and writes files only through Django's storage
API (FieldFile.open/save/delete), so the same code runs on a disk or on an object store and the
app servers hold no state.

Files have no URL: `url()` refuses, and every download goes through a view that checks access
(core.views.common.download). `path()` refuses too: the bytes on disk are cipher text.

The services of `tutela.core.services.files` use the `raw_*` methods, which see the cipher text
as stored: backups copy it as it is, key rotation and the encryption of files stored before
encryption existed rewrite it in place.
"""

from __future__ import annotations

import contextlib
import io
import os
import posixpath
import re
import secrets
import tempfile
from collections.abc import Iterator
from datetime import datetime
from typing import IO, Any

from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.utils.deconstruct import deconstructible
from django.utils.module_loading import import_string

from tutela.core import filecrypt

# The extension kept on a stored name (so that a content type can be guessed): short, plain.
SAFE_EXTENSION = re.compile(r"\.[a-z0-9]{1,8}")

DEFAULT_INNER = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {}}


class EncryptedFile(File):
    """A stored file opened for reading: its plain text, a segment at a time. Opened again
    after it was closed (FieldFile.open does that), it reads the stored file afresh."""

    def __init__(self, storage: EncryptedStorage, name: str) -> None:
        self._storage = storage
        super().__init__(self._reader(name), name=name)
        self.mode = "rb"

    def _reader(self, name: str) -> io.BufferedReader:
        source = self._storage.inner.open(name, "rb")
        try:
            reader = filecrypt.DecryptingReader(source)
        except BaseException:
            source.close()
            raise
        self.size = reader.size
        return io.BufferedReader(reader, filecrypt.SEGMENT)

    def open(self, mode: str | None = None, *args: Any, **kwargs: Any) -> EncryptedFile:
        if mode and any(flag in mode for flag in "wa+"):
            raise ValueError("Stored files are written through save(), never opened to write.")
        if self.closed:
            self.file = self._reader(self.name or "")
        else:
            self.seek(0)
        return self


@deconstructible(path="tutela.core.storage.EncryptedStorage")
class EncryptedStorage(Storage):
    """Encrypts on save, decrypts on open; everything else is the inner backend's.

    OPTIONS: {"inner": {"BACKEND": "dotted.path", "OPTIONS": {...}}} (default: the file system
    under MEDIA_ROOT)."""

    def __init__(self, inner: dict[str, Any] | None = None) -> None:
        config = inner or DEFAULT_INNER
        self.inner: Storage = import_string(str(config["BACKEND"]))(**config.get("OPTIONS", {}))

    # --- what Django calls ---

    def _open(self, name: str, mode: str = "rb") -> File:
        if any(flag in mode for flag in "wa+"):
            raise ValueError("Stored files are written through save(), never opened to write.")
        return EncryptedFile(self, name)

    def _save(self, name: str, content: File) -> str:
        # From the start, as Django's own backends read what they are given (File.chunks).
        with contextlib.suppress(AttributeError, io.UnsupportedOperation):
            content.seek(0)
        encrypted = File(filecrypt.EncryptingReader(content), name=name)  # type: ignore[arg-type]
        return self.inner._save(name, encrypted)  # type: ignore[attr-defined]

    def get_valid_name(self, name: str) -> str:
        return self.inner.get_valid_name(name)

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        return self.inner.get_available_name(name, max_length=max_length)

    def generate_filename(self, filename: str | os.PathLike[str]) -> str:
        """The name a file uploaded through a model's FileField is stored under: the field's
        folder (upload_to, e.g. meetings/2026/12/) and a random name with the upload's extension.
        The name a user gave the file ("survivants-VBG-Mopti.xlsx") would otherwise sit in clear
        next to the cipher text, in the folder listing or the object store's keys; downloads are
        named from the record (its title or its file name), never from the stored name."""
        folder, base = posixpath.split(str(filename).replace("\\", "/"))
        extension = posixpath.splitext(base)[1].lower()
        if not SAFE_EXTENSION.fullmatch(extension):
            extension = ""
        return self.inner.generate_filename(
            posixpath.join(folder, secrets.token_hex(16) + extension)
        )

    def delete(self, name: str) -> None:
        self.inner.delete(name)

    def exists(self, name: str) -> bool:
        return self.inner.exists(name)

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        return self.inner.listdir(path)

    def size(self, name: str) -> int:
        with self.inner.open(name, "rb") as source:
            header, _wrapped, _prefix = filecrypt.read_header(source)
        return filecrypt.plaintext_size(self.inner.size(name), len(header))

    def url(self, name: str | None) -> str:
        raise NotImplementedError(
            "Stored files are encrypted and have no URL: serve them through a view that checks "
            "access (core.views.common.download)."
        )

    def path(self, name: str) -> str:
        raise NotImplementedError("Stored files are encrypted: read them with open(), not a path.")

    def get_accessed_time(self, name: str) -> datetime:
        return self.inner.get_accessed_time(name)

    def get_created_time(self, name: str) -> datetime:
        return self.inner.get_created_time(name)

    def get_modified_time(self, name: str) -> datetime:
        return self.inner.get_modified_time(name)

    # --- the cipher text as stored (backups, rotation, encryption of old files) ---

    def raw_open(self, name: str) -> IO[bytes]:
        return self.inner.open(name, "rb")

    def raw_names(self, path: str = "") -> Iterator[str]:
        """Every stored file's name, folder by folder."""
        try:
            directories, files = self.inner.listdir(path)
        except FileNotFoundError:
            # Nothing stored yet (the media folder is made with the first file).
            return
        for file_name in sorted(files):
            yield f"{path}/{file_name}" if path else file_name
        for directory in sorted(directories):
            yield from self.raw_names(f"{path}/{directory}" if path else directory)

    def raw_write(self, name: str, content: IO[bytes]) -> None:
        """Store `content` (cipher text) under exactly `name`, replacing what is there at once:
        a reader sees the old file or the new one, never half of one."""
        inner = self.inner
        if isinstance(inner, FileSystemStorage):
            _replace_local(inner, name, content)
        elif getattr(inner, "file_overwrite", False):
            # An object store's PUT replaces an object whole (S3: AWS_S3_FILE_OVERWRITE, on).
            inner._save(name, File(content, name=name))  # type: ignore[attr-defined]
        else:
            if inner.exists(name):
                inner.delete(name)
            saved = inner._save(name, File(content, name=name))  # type: ignore[attr-defined]
            if saved != name:
                raise RuntimeError(f"{name} was stored as {saved}")


def _replace_local(inner: FileSystemStorage, name: str, content: IO[bytes]) -> None:
    full_path = inner.path(name)
    directory = os.path.dirname(full_path)
    os.makedirs(directory, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=".tutela-")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            while block := content.read(filecrypt.SEGMENT + filecrypt.TAG):
                handle.write(block)
            handle.flush()
            os.fsync(handle.fileno())
        if inner.file_permissions_mode is not None:
            os.chmod(temporary, inner.file_permissions_mode)
        else:
            os.chmod(temporary, 0o600)
        os.replace(temporary, full_path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def encrypted_storage() -> EncryptedStorage:
    """The default storage, which must be an EncryptedStorage (see checks.py)."""

    storage = storages["default"]
    if not isinstance(storage, EncryptedStorage):
        raise RuntimeError("STORAGES['default'] must be tutela.core.storage.EncryptedStorage.")
    return storage
