"""Encryption of files at rest, in segments, so that no file is ever held whole in memory.

Uploaded files (5W and monitoring uploads, attendance sheets, evidence, meeting documents, Word
drafts) hold personal data. Each file gets its own random 256-bit key; the file key is wrapped
with Fernet under the field keys (`settings.FIELD_ENCRYPTION_KEYS`, see crypto.py), so rotating
the field keys works as it does for encrypted columns (`tutela rotate_keys`).

Format, version 1 (the STREAM construction of Hoang, Reyhanitabar, Rogaway and Vizár, which age
and Tink's streaming AEAD also use):

    magic          8 bytes   b"TUTELAF1"
    wrapped length 2 bytes   big-endian n
    wrapped key    n bytes   Fernet token of the file key (empty for an ephemeral spool, whose
                             key lives only in memory)
    nonce prefix   7 bytes   random
    segments       AES-256-GCM of SEGMENT bytes of plain text each (the last one shorter, and
                   empty only for an empty file), nonce = prefix | segment number (4 bytes) |
                   1 for the last segment else 0, associated data = the header above

The segment number and the "last" flag in the nonce mean segments cannot be reordered, dropped or
the file truncated without decryption failing; the header as associated data means the key and
prefix cannot be swapped. A wrong key, a flipped bit, a truncated file: `FileDecryptionError`.

`EncryptingReader` turns a plain-text stream into cipher text as it is read (what a storage
backend consumes); `DecryptingReader` reads plain text out of a seekable cipher-text file, one
segment at a time, with random access (what a download or a reader consumes).
"""

from __future__ import annotations

import hashlib
import io
import os
import struct
import tempfile
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from tutela.core import crypto

MAGIC = b"TUTELAF1"
SEGMENT = 64 * 1024
TAG = 16
PREFIX_BYTES = 7
KEY_BYTES = 32
# The largest segment number the 4-byte counter holds: files up to 256 TiB.
MAX_SEGMENTS = 2**32 - 1


class FileDecryptionError(Exception):
    """A stored file cannot be decrypted: not encrypted, damaged, or no key opens it."""


# --- keys ----------------------------------------------------------------------------------------


def wrap_key(key: bytes) -> bytes:
    """The file key encrypted under the primary field key."""
    return crypto.fernet().encrypt(key)


def unwrap_key(wrapped: bytes) -> bytes:
    try:
        return crypto.fernet().decrypt(wrapped)
    except InvalidToken as exc:
        raise FileDecryptionError(
            "No key in TUTELA_FIELD_KEYS opens this file: was a key removed before "
            "`tutela rotate_keys` finished?"
        ) from exc


def wrapped_by_primary(wrapped: bytes) -> bool:
    """The file key is wrapped under the first field key (nothing to rotate)."""
    try:
        Fernet(settings.FIELD_ENCRYPTION_KEYS[0].encode()).decrypt(wrapped)
    except InvalidToken:
        return False
    return True


def key_fingerprint(key: str) -> str:
    """A short public name of a field key (backups record which keys they need): the first 16
    hex digits of SHA-256 over a label and the key. It reveals nothing of the key."""
    return hashlib.sha256(b"tutela field key fingerprint\0" + key.strip().encode()).hexdigest()[:16]


# --- the header ----------------------------------------------------------------------------------


def _header(wrapped: bytes, prefix: bytes) -> bytes:
    return MAGIC + struct.pack(">H", len(wrapped)) + wrapped + prefix


def is_encrypted(head: bytes) -> bool:
    """`head` (the first bytes of a stored file) starts an encrypted file."""
    return head[: len(MAGIC)] == MAGIC


def read_header(source: IO[bytes]) -> tuple[bytes, bytes, bytes]:
    """(header, wrapped key, nonce prefix) read from the start of `source`."""
    start = source.read(len(MAGIC) + 2)
    if len(start) < len(MAGIC) + 2 or not is_encrypted(start):
        raise FileDecryptionError("The stored file is not encrypted (or not a Tutela file).")
    (length,) = struct.unpack(">H", start[len(MAGIC) :])
    rest = source.read(length + PREFIX_BYTES)
    if len(rest) != length + PREFIX_BYTES:
        raise FileDecryptionError("The stored file is truncated.")
    return start + rest, rest[:length], rest[length:]


def _nonce(prefix: bytes, number: int, last: bool) -> bytes:
    if number > MAX_SEGMENTS:
        raise ValueError("file too large to encrypt")
    return prefix + struct.pack(">IB", number, 1 if last else 0)


def ciphertext_size(plain_size: int, header_size: int) -> int:
    segments = max(1, -(-plain_size // SEGMENT))
    return header_size + plain_size + segments * TAG


def plaintext_size(cipher_size: int, header_size: int) -> int:
    body = cipher_size - header_size
    if body < TAG:
        raise FileDecryptionError("The stored file is truncated.")
    segments = -(-body // (SEGMENT + TAG))
    return body - segments * TAG


# --- writing -------------------------------------------------------------------------------------


def _read_full(source: IO[bytes], size: int) -> bytes:
    """Up to `size` bytes, fewer only at the end of `source` (a read may return less)."""
    parts: list[bytes] = []
    wanted = size
    while wanted > 0:
        chunk = source.read(wanted)
        if not chunk:
            break
        # A file opened in text mode reads str, whatever its type says.
        if isinstance(chunk, str):  # type: ignore[unreachable]
            chunk = chunk.encode("utf-8")  # type: ignore[unreachable]
        parts.append(chunk)
        wanted -= len(chunk)
    return b"".join(parts)


class EncryptingReader(io.RawIOBase):
    """The cipher text of `source` (plain text, read once, SEGMENT bytes at a time), read as a
    stream. `key`: the file key (random when not given); `wrapped`: what the header carries
    (by default the key wrapped under the field keys). Only a rewind to the start is possible,
    and only when `source` can seek."""

    def __init__(
        self, source: IO[bytes], *, key: bytes | None = None, wrapped: bytes | None = None
    ) -> None:
        super().__init__()
        self._source = source
        self._key = key or AESGCM.generate_key(bit_length=256)
        self._wrapped = wrap_key(self._key) if wrapped is None else wrapped
        self._start()

    def _start(self) -> None:
        prefix = os.urandom(PREFIX_BYTES)
        self.header = _header(self._wrapped, prefix)
        self._aead = AESGCM(self._key)
        self._prefix = prefix
        self._buffer = memoryview(self.header)
        self._number = 0
        self._current: bytes | None = _read_full(self._source, SEGMENT)
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        # Storage backends rewind what they are given before reading it: allowed at the start,
        # or by starting over (a new nonce prefix) when the plain text can be read again.
        if whence == io.SEEK_SET and offset == 0:
            if self._position == 0:
                return 0
            if hasattr(self._source, "seek"):
                self._source.seek(0)
                self._start()
                return 0
        if whence == io.SEEK_CUR and offset == 0:
            return self._position
        raise io.UnsupportedOperation("an encrypting stream can only be rewound")

    def _next_segment(self) -> bool:
        if self._current is None:
            return False
        following = _read_full(self._source, SEGMENT)
        last = not following
        sealed = self._aead.encrypt(
            _nonce(self._prefix, self._number, last), self._current, self.header
        )
        self._number += 1
        self._buffer = memoryview(sealed)
        self._current = None if last else following
        return True

    def readinto(self, buffer: Any) -> int:
        target = memoryview(buffer).cast("B")
        while not self._buffer:
            if not self._next_segment():
                return 0
        count = min(len(target), len(self._buffer))
        target[:count] = self._buffer[:count]
        self._buffer = self._buffer[count:]
        self._position += count
        return count


def encrypt_stream(source: IO[bytes], destination: IO[bytes], **keys: Any) -> int:
    """Write the cipher text of `source` to `destination`; the number of bytes written."""
    reader = EncryptingReader(source, **keys)
    written = 0
    while chunk := reader.read(SEGMENT + TAG):
        destination.write(chunk)
        written += len(chunk)
    return written


def encrypt_bytes(data: bytes) -> bytes:
    out = io.BytesIO()
    encrypt_stream(io.BytesIO(data), out)
    return out.getvalue()


# --- reading -------------------------------------------------------------------------------------


def _stream_size(source: IO[bytes]) -> int:
    size = getattr(source, "size", None)
    if isinstance(size, int):
        return size
    position = source.tell()
    end = source.seek(0, io.SEEK_END)
    source.seek(position)
    return end


class DecryptingReader(io.RawIOBase):
    """The plain text of an encrypted file, read (and sought) one segment at a time from
    `source`, a seekable cipher-text file. `key`: the file key, for a spool whose header holds
    no wrapped key; otherwise the field keys unwrap it."""

    def __init__(self, source: IO[bytes], *, key: bytes | None = None) -> None:
        super().__init__()
        self._source = source
        source.seek(0)
        self._header, wrapped, self._prefix = read_header(source)
        if key is None:
            if not wrapped:
                raise FileDecryptionError("This file's key is not stored with it.")
            key = unwrap_key(wrapped)
        self._aead = AESGCM(key)
        self._cipher_size = _stream_size(source)
        self.size = plaintext_size(self._cipher_size, len(self._header))
        self._segments = max(1, -(-self.size // SEGMENT))
        self._position = 0
        self._cached: tuple[int, bytes] | None = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            position = offset
        elif whence == io.SEEK_CUR:
            position = self._position + offset
        elif whence == io.SEEK_END:
            position = self.size + offset
        else:
            raise ValueError(f"invalid whence {whence}")
        if position < 0:
            raise ValueError("negative seek position")
        self._position = position
        return position

    def _segment(self, number: int) -> bytes:
        if self._cached is not None and self._cached[0] == number:
            return self._cached[1]
        last = number == self._segments - 1
        self._source.seek(len(self._header) + number * (SEGMENT + TAG))
        sealed = _read_full(self._source, SEGMENT + TAG)
        try:
            plain = self._aead.decrypt(_nonce(self._prefix, number, last), sealed, self._header)
        except InvalidTag as exc:
            raise FileDecryptionError(
                f"The stored file is damaged or was changed (segment {number})."
            ) from exc
        self._cached = (number, plain)
        return plain

    def readinto(self, buffer: Any) -> int:
        target = memoryview(buffer).cast("B")
        filled = 0
        while filled < len(target) and self._position < self.size:
            number, offset = divmod(self._position, SEGMENT)
            plain = self._segment(number)
            count = min(len(target) - filled, len(plain) - offset)
            target[filled : filled + count] = plain[offset : offset + count]
            self._position += count
            filled += count
        return filled

    def close(self) -> None:
        try:
            self._source.close()
        finally:
            super().close()


def decrypt_bytes(data: bytes) -> bytes:
    return DecryptingReader(io.BytesIO(data)).read()


def decrypt_stream(source: IO[bytes], destination: IO[bytes]) -> int:
    reader = DecryptingReader(source)
    written = 0
    while chunk := reader.read(SEGMENT):
        destination.write(chunk)
        written += len(chunk)
    return written


# --- spools: temporary files whose key never leaves memory ---------------------------------------


class EncryptedSpool:
    """A temporary file for data that must not touch the disk in clear (an upload being
    received, a database dump being archived): written once, then read back, encrypted under a
    random key held only by this object. The file is removed on close; if the process dies, what
    remains on disk cannot be read by anyone.

        spool = EncryptedSpool(directory)
        spool.write(b"...")  # any number of times
        reader = spool.reader()  # plain text again, seekable
    """

    def __init__(self, directory: str | os.PathLike[str] | None = None, suffix: str = "") -> None:
        self._key = AESGCM.generate_key(bit_length=256)
        self._file = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed by close()
            dir=directory, suffix=suffix, prefix="tutela-spool-"
        )
        self.name = self._file.name
        self._prefix = os.urandom(PREFIX_BYTES)
        self._header = _header(b"", self._prefix)
        self._aead = AESGCM(self._key)
        self._file.write(self._header)
        self._pending = bytearray()
        self._number = 0
        self.size = 0
        self._sealed = False

    def write(self, data: bytes) -> int:
        if self._sealed:
            raise ValueError("the spool was already read")
        self._pending += data
        self.size += len(data)
        # Keep one full segment back: only at the end is it known which segment is the last.
        while len(self._pending) > SEGMENT:
            self._seal(bytes(self._pending[:SEGMENT]), last=False)
            del self._pending[:SEGMENT]
        return len(data)

    def flush(self) -> None:
        """Nothing to do: a segment is written once full, the last one by reader()."""

    def _seal(self, plain: bytes, *, last: bool) -> None:
        nonce = _nonce(self._prefix, self._number, last)
        self._file.write(self._aead.encrypt(nonce, plain, self._header))
        self._number += 1

    def reader(self) -> DecryptingReader:
        """The plain text written, as a seekable stream (closing it does not remove the file)."""
        if not self._sealed:
            self._seal(bytes(self._pending), last=True)
            self._pending = bytearray()
            self._file.flush()
            self._sealed = True
        handle = open(self.name, "rb")  # noqa: SIM115 - closed with the reader
        return DecryptingReader(handle, key=self._key)

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> EncryptedSpool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
