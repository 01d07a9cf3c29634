"""Packages between Tutela instances: signed by the sender, encrypted to the receiver.

Threat: a referral crosses the internet between two servers that do not share a database. Anyone
on the way may read, change, replay or forge what goes through; a registered peer may try to pass
off another peer's package as its own. So a package is

    header (clear): format, version, id, created_at, operation (the receiver's), sender (Ed25519
                    public key), recipient (X25519 public key), ephemeral (X25519 public key),
                    nonce
    ciphertext:     AES-256-GCM of the payload (JSON) under a key derived (HKDF-SHA256) from an
                    X25519 exchange between a fresh ephemeral key and the recipient's key; the
                    header is its associated data, so no byte of it can be changed or moved to
                    another package
    signature:      Ed25519 by the sender over the header and the ciphertext.

The receiver checks, in this order and before it decrypts anything: the size, the format and
version, that the sender is an active peer of the operation, the signature, the time window and
that the id was never seen (replay), then decrypts. Primitives from `cryptography` (already used for
the field encryption); the construction is the ECIES pattern of libsodium's sealed box and HPKE's
base mode, with the sender's identity bound by the signature and the associated data.
"""

from __future__ import annotations

import base64
import datetime
import json
import os
import uuid
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

FORMAT = "tutela-peer-package"
VERSION = 1
# A package bigger than this is refused unread (a referral is a few kilobytes).
MAX_BYTES = 256 * 1024
# A package older or newer than this (clock skew) is refused; ids are remembered at least as long.
WINDOW = datetime.timedelta(minutes=10)
HEADER_FIELDS = (
    "format",
    "version",
    "id",
    "created_at",
    "operation",
    "sender",
    "recipient",
    "ephemeral",
    "nonce",
)
_INFO = b"tutela-peer-package v1"


class PackageError(Exception):
    """A package that cannot be accepted; `code` says why (for the 4xx answer)."""

    def __init__(self, code: str, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        # Seconds before trying again (the 429 of the inbox's rate limit).
        self.retry_after = retry_after


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode()


def unb64(text: Any, *, length: int | None = None) -> bytes:
    if not isinstance(text, str) or len(text) > 200_000:
        raise PackageError("malformed", "A field is not base64 text.")
    try:
        data = base64.urlsafe_b64decode(text.encode())
    except (ValueError, TypeError) as exc:
        raise PackageError("malformed", "A field is not base64 text.") from exc
    if length is not None and len(data) != length:
        raise PackageError("malformed", "A key or nonce has the wrong length.")
    return data


@dataclass(frozen=True)
class KeyPair:
    """An instance's keys: Ed25519 to sign, X25519 to receive (raw 32-byte private keys)."""

    signing_private: bytes
    encryption_private: bytes

    @classmethod
    def generate(cls) -> KeyPair:
        raw = serialization.Encoding.Raw, serialization.PrivateFormat.Raw
        none = serialization.NoEncryption()
        return cls(
            signing_private=Ed25519PrivateKey.generate().private_bytes(*raw, none),
            encryption_private=X25519PrivateKey.generate().private_bytes(*raw, none),
        )

    @property
    def signing_public(self) -> str:
        key = Ed25519PrivateKey.from_private_bytes(self.signing_private).public_key()
        return b64(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))

    @property
    def encryption_public(self) -> str:
        key = X25519PrivateKey.from_private_bytes(self.encryption_private).public_key()
        return b64(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def check_public_key(text: str) -> bytes:
    """A public key as the peers page shows it (url-safe base64 of 32 bytes); ValueError if not."""
    try:
        return unb64(text.strip(), length=32)
    except PackageError as exc:
        raise ValueError(exc.message) from exc


def _canonical(data: dict[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def _key(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO + ephemeral + recipient
    ).derive(shared)


def seal(
    payload: dict[str, Any],
    *,
    keys: KeyPair,
    recipient: str,
    operation: str,
    package_id: str = "",
    now: datetime.datetime | None = None,
) -> bytes:
    """The package (JSON bytes) carrying `payload` to the instance whose encryption key is
    `recipient`, for its operation `operation`."""
    recipient_raw = unb64(recipient, length=32)
    ephemeral = X25519PrivateKey.generate()
    ephemeral_raw = ephemeral.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    nonce = os.urandom(12)
    header = {
        "format": FORMAT,
        "version": VERSION,
        "id": package_id or uuid.uuid4().hex,
        "created_at": (now or datetime.datetime.now(datetime.UTC)).isoformat(),
        "operation": operation,
        "sender": keys.signing_public,
        "recipient": recipient,
        "ephemeral": b64(ephemeral_raw),
        "nonce": b64(nonce),
    }
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient_raw))
    ciphertext = AESGCM(_key(shared, ephemeral_raw, recipient_raw)).encrypt(
        nonce, _canonical(payload), _canonical(header)
    )
    package = {**header, "ciphertext": b64(ciphertext)}
    signer = Ed25519PrivateKey.from_private_bytes(keys.signing_private)
    package["signature"] = b64(signer.sign(_canonical(package)))
    return _canonical(package)


def read_header(body: bytes) -> dict[str, Any]:
    """The package's fields, checked for size, shape, format and version (nothing verified)."""
    if len(body) > MAX_BYTES:
        raise PackageError("too_large", f"A package is at most {MAX_BYTES} bytes.")
    try:
        package = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PackageError("malformed", "The package is not JSON.") from exc
    expected = {*HEADER_FIELDS, "ciphertext", "signature"}
    if not isinstance(package, dict) or set(package) != expected:
        raise PackageError("malformed", "The package does not have the expected fields.")
    if package["format"] != FORMAT:
        raise PackageError("malformed", "Not a Tutela peer package.")
    if package["version"] != VERSION:
        raise PackageError("unsupported_version", f"Only version {VERSION} is understood.")
    for name in ("id", "created_at", "operation"):
        if not isinstance(package[name], str) or not 0 < len(package[name]) <= 100:
            raise PackageError("malformed", f"Bad {name}.")
    return package


def verify(package: dict[str, Any], *, signing_key: str) -> None:
    """The signature is the sender's (`signing_key`) over everything but itself."""
    signature = unb64(package["signature"], length=64)
    signed = {k: v for k, v in package.items() if k != "signature"}
    try:
        Ed25519PublicKey.from_public_bytes(unb64(signing_key, length=32)).verify(
            signature, _canonical(signed)
        )
    except InvalidSignature as exc:
        raise PackageError("bad_signature", "The signature does not verify.") from exc


def check_time(package: dict[str, Any], now: datetime.datetime) -> datetime.datetime:
    try:
        created = datetime.datetime.fromisoformat(package["created_at"])
    except ValueError as exc:
        raise PackageError("malformed", "Bad created_at.") from exc
    if created.tzinfo is None:
        raise PackageError("malformed", "created_at needs a time zone.")
    if abs(now - created) > WINDOW:
        raise PackageError("expired", "The package is outside the accepted time window.")
    return created


def open_payload(package: dict[str, Any], *, keys: KeyPair) -> dict[str, Any]:
    """Decrypt (after `verify`): the payload, a JSON object."""
    if package["recipient"] != keys.encryption_public:
        raise PackageError("wrong_recipient", "The package is encrypted to another instance.")
    ephemeral_raw = unb64(package["ephemeral"], length=32)
    nonce = unb64(package["nonce"], length=12)
    recipient_raw = unb64(package["recipient"], length=32)
    private = X25519PrivateKey.from_private_bytes(keys.encryption_private)
    try:
        shared = private.exchange(X25519PublicKey.from_public_bytes(ephemeral_raw))
        header = {name: package[name] for name in HEADER_FIELDS}
        plain = AESGCM(_key(shared, ephemeral_raw, recipient_raw)).decrypt(
            nonce, unb64(package["ciphertext"]), _canonical(header)
        )
    except (InvalidTag, ValueError) as exc:
        raise PackageError("undecryptable", "The package cannot be decrypted.") from exc
    try:
        payload = json.loads(plain)
    except ValueError as exc:
        raise PackageError("malformed", "The payload is not JSON.") from exc
    if not isinstance(payload, dict):
        raise PackageError("malformed", "The payload is not an object.")
    return payload
