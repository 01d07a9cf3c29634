"""ODK submission encryption: the operation's RSA key pair and the decryption of what ODK Collect
(or Enketo in KoboToolbox) sends when the form's settings carry a `public_key`.

Follows the ODK XForms encryption specification (https://getodk.github.io/xforms-spec/encryption)
as ODK Central implements it (getodk/central-backend, lib/util/crypto.js: getSubmissionKey,
getSubmissionIvs, getSubmissionCleartext) and as ODK Collect writes it (EncryptionUtils.java):

- a random AES-256 key per submission, wrapped with the public key by RSA/OAEP. The OAEP hash is
  SHA-256; the mask function is MGF1-SHA-256 for Collect (BouncyCastle, and Central's unpadding)
  and MGF1-SHA-1 for Enketo (Kobo's web forms, node-forge): both are tried;
- each file (media files first, in the manifest's order, then submission.xml) encrypted with
  AES/CFB (128-bit segments) and PKCS#5/7 padding; the IVs come from the MD5 of the instanceID
  and the AES key, one byte incremented per file (byte i % 16 for the i-th file);
- the element signature: the MD5 of "formId\\nversion\\nbase64EncryptedKey\\ninstanceID\\n" then
  "name::md5hex\\n" for each clear file (media, then submission.xml), wrapped with the public key.

Nothing here touches the database: decrypt_submission(...) takes bytes and returns bytes, or
raises OdkError with a message for people.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.decrepit.ciphers.modes import CFB  # ODK's spec: AES/CFB
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms
from defusedxml import ElementTree
from django.utils.translation import gettext as _

KEY_BITS = 2048
SUBMISSIONS_NS = "http://opendatakit.org/submissions"
MAX_FILE_BYTES = 20 * 1024 * 1024


class OdkError(ValueError):
    """A submission that cannot be read; the message says why, for people."""


def generate_private_key() -> str:
    """A new RSA key pair, its private key as unencrypted PKCS#8 PEM (stored encrypted at rest by
    the caller)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def private_key(pem: str) -> rsa.RSAPrivateKey:
    """The key object (loading checks the key, which takes tens of milliseconds: load it once
    per upload)."""
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def public_key_base64(private_pem: str) -> str:
    """The public key as the XLSForm's `public_key` wants it: base64 DER SubjectPublicKeyInfo on
    one line (the PEM body without its armour)."""
    der = (
        private_key(private_pem)
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return base64.b64encode(der).decode()


def public_key_pem(private_pem: str) -> str:
    return (
        private_key(private_pem)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def _oaep(mgf_hash: hashes.HashAlgorithm) -> padding.OAEP:
    return padding.OAEP(mgf=padding.MGF1(algorithm=mgf_hash), algorithm=hashes.SHA256(), label=None)


# Collect (BouncyCastle), then Enketo (MGF1-SHA-1).
OAEP_VARIANTS = (_oaep(hashes.SHA256()), _oaep(hashes.SHA1()))  # noqa: S303


def rsa_unwrap(key: rsa.RSAPrivateKey, data: bytes) -> bytes:
    for variant in OAEP_VARIANTS:
        try:
            return key.decrypt(data, variant)
        except (ValueError, UnsupportedAlgorithm):
            continue
    raise OdkError(
        _(
            "The submission's key cannot be opened with this operation's private key: it was "
            "encrypted for another key (another form or another operation)."
        )
    )


def ivs(instance_id: str, key: bytes, count: int) -> list[bytes]:
    """The IV of each file, as Collect's EncryptedFormInformation.getCipher and Central's
    getSubmissionIvs make them."""
    seed = bytearray(hashlib.md5(instance_id.encode() + key).digest())  # noqa: S324 (ODK's spec)
    result = []
    for index in range(count):
        seed[index % 16] = (seed[index % 16] + 1) % 256
        result.append(bytes(seed))
    return result


def aes_decrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    if not data or len(data) % 16:
        raise OdkError(_("An encrypted file is truncated or damaged."))
    decryptor = Cipher(algorithms.AES(key), CFB(iv)).decryptor()
    padded = decryptor.update(data) + decryptor.finalize()
    pad = padded[-1]
    if not 1 <= pad <= 16 or padded[-pad:] != bytes([pad]) * pad:
        raise OdkError(_("An encrypted file is damaged or was not encrypted with this key."))
    return padded[:-pad]


@dataclass
class Manifest:
    form_id: str
    version: str | None
    encrypted_key: str
    instance_id: str
    xml_file: str
    media: list[str] = field(default_factory=list)
    signature: str = ""


def _text(root: object, name: str) -> str:
    element = root.find(f"{{{SUBMISSIONS_NS}}}{name}")  # type: ignore[attr-defined]
    if element is None:
        element = root.find(name)  # type: ignore[attr-defined]
    return (element.text or "").strip() if element is not None else ""


def parse_manifest(content: bytes) -> Manifest:
    """The submission manifest (submission.xml of an encrypted submission)."""
    try:
        root = ElementTree.fromstring(content)
    except Exception as error:  # defusedxml raises its own errors for entities and DTDs
        raise OdkError(_("The submission manifest is not readable XML.")) from error
    if root.get("encrypted") != "yes":
        raise OdkError(
            _(
                "This submission is not encrypted. Tutela only imports submissions of its own "
                "encrypted forms."
            )
        )
    instance_id = ""
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] == "instanceID":
            instance_id = (element.text or "").strip()
    media = []
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] == "media":
            for child in element:
                if child.tag.rsplit("}", 1)[-1] == "file" and (child.text or "").strip():
                    media.append((child.text or "").strip())
    manifest = Manifest(
        form_id=root.get("id") or "",
        version=root.get("version"),
        encrypted_key=_text(root, "base64EncryptedKey"),
        instance_id=instance_id,
        xml_file=_text(root, "encryptedXmlFile"),
        media=media,
        signature=_text(root, "base64EncryptedElementSignature"),
    )
    if not (manifest.form_id and manifest.encrypted_key and manifest.instance_id):
        raise OdkError(_("The submission manifest lacks its form, key or instance ID."))
    if not manifest.xml_file:
        raise OdkError(_("The submission manifest does not name its encrypted file."))
    if not manifest.signature:
        raise OdkError(_("The submission has no signature: it cannot be checked."))
    return manifest


def _b64(value: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as error:
        raise OdkError(_("The submission's key or signature is not valid base64.")) from error


@dataclass
class Decrypted:
    manifest: Manifest
    xml: bytes
    media: dict[str, bytes]


def _clear_name(name: str) -> str:
    return name[: -len(".enc")] if name.endswith(".enc") else name


def decrypt_submission(
    key: rsa.RSAPrivateKey | str, manifest_xml: bytes, files: dict[str, bytes]
) -> Decrypted:
    """Decrypt one submission: its manifest and its encrypted files by name (submission.xml.enc
    and the media). Raises OdkError when anything is missing, tampered with or for another key."""
    manifest = parse_manifest(manifest_xml)
    if isinstance(key, str):
        key = private_key(key)
    aes_key = rsa_unwrap(key, _b64(manifest.encrypted_key))
    if len(aes_key) != 32:
        raise OdkError(_("The submission's key is not an AES-256 key."))
    names = [*manifest.media, manifest.xml_file]
    for name in names:
        if name not in files:
            raise OdkError(_("The file %(name)s of the submission is missing.") % {"name": name})
        if len(files[name]) > MAX_FILE_BYTES:
            raise OdkError(_("The file %(name)s is too large.") % {"name": name})
    clear: dict[str, bytes] = {}
    for name, iv in zip(names, ivs(manifest.instance_id, aes_key, len(names)), strict=True):
        clear[name] = aes_decrypt(aes_key, iv, files[name])
    source = [manifest.form_id]
    if manifest.version is not None:
        source.append(manifest.version)
    source += [manifest.encrypted_key, manifest.instance_id]
    for name in names:
        digest = hashlib.md5(clear[name]).hexdigest()  # noqa: S324 (ODK's spec)
        source.append(f"{_clear_name(name)}::{digest}")
    expected = hashlib.md5(("\n".join(source) + "\n").encode()).digest()  # noqa: S324
    try:
        signed = rsa_unwrap(key, _b64(manifest.signature))
    except OdkError as error:
        raise OdkError(_("The submission's signature is not valid: it was altered.")) from error
    if signed != expected:
        raise OdkError(_("The submission's signature does not match its content: it was altered."))
    xml = clear.pop(manifest.xml_file)
    return Decrypted(
        manifest=manifest, xml=xml, media={_clear_name(k): v for k, v in clear.items()}
    )


def decrypt_submission_any(
    keys: Sequence[rsa.RSAPrivateKey], manifest_xml: bytes, files: dict[str, bytes]
) -> tuple[int, Decrypted]:
    """Decrypt with whichever of `keys` the submission was encrypted for (after a key rotation, a
    phone may still hold a form with an older key): (its index in `keys`, the submission). The
    AES key is wrapped with RSA-OAEP, which refuses any other private key, so the first key that
    unwraps it is the one. Raises OdkError (as decrypt_submission) when none does."""
    manifest = parse_manifest(manifest_xml)
    wrapped = _b64(manifest.encrypted_key)
    for index, key in enumerate(keys):
        try:
            rsa_unwrap(key, wrapped)
        except OdkError:
            continue
        return index, decrypt_submission(key, manifest_xml, files)
    return 0, decrypt_submission(keys[0], manifest_xml, files)  # raises the usual error
