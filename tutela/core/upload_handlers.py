"""Receiving uploads without writing them to disk in clear.

Django keeps an upload bigger than FILE_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) in a temporary file in
clear while the request runs, and a process killed meanwhile leaves it there. Here the temporary
file is an `EncryptedSpool`: encrypted under a key that exists only in the process's memory, and
removed when the request ends. Small uploads stay in memory, as with Django's own handlers.
"""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler

from tutela.core.filecrypt import SEGMENT, EncryptedSpool


class EncryptedTemporaryUploadedFile(UploadedFile):
    """An upload spooled encrypted to a temporary file; reads give its plain text back. It has
    no `temporary_file_path`: storages copy it (encrypting again) instead of moving the file."""

    def __init__(self, name: str, content_type: str, charset: str | None, extra: Any) -> None:
        self.spool = EncryptedSpool(settings.FILE_UPLOAD_TEMP_DIR, suffix=".upload")
        super().__init__(None, name, content_type, 0, charset, extra)

    def write(self, data: bytes) -> int:  # type: ignore[override]
        return self.spool.write(data)

    def complete(self, size: int) -> None:
        self.file = io.BufferedReader(self.spool.reader(), SEGMENT)
        self.size = size

    def close(self) -> None:
        try:
            if self.file is not None:
                self.file.close()
        finally:
            self.spool.close()


class EncryptedTemporaryFileUploadHandler(FileUploadHandler):
    """Stands in for Django's TemporaryFileUploadHandler (listed after MemoryFileUploadHandler,
    which keeps small uploads in memory)."""

    file: EncryptedTemporaryUploadedFile

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.file = EncryptedTemporaryUploadedFile(
            self.file_name or "upload",
            self.content_type or "application/octet-stream",
            self.charset,
            self.content_type_extra,
        )

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.file.write(raw_data)

    def file_complete(self, file_size: int) -> EncryptedTemporaryUploadedFile:
        self.file.complete(file_size)
        return self.file

    def upload_interrupted(self) -> None:
        if hasattr(self, "file"):
            self.file.close()
