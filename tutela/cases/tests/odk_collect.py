"""An encryptor that does what ODK Collect does when it finalises a submission of an encrypted form,
written from the reference code, not from Tutela's decryptor:

- getodk/central-backend, test/util/crypto-odk.js (encryptInstance: OAEP with SHA-256 and
  MGF1-SHA-256 over a 256-byte RSA block, AES-256-CFB with PKCS#7 padding, IVs from
  lib/util/crypto.js getSubmissionIvs: MD5(instanceID + key), byte n % 16 incremented for file n,
  media first and submission.xml last);
- getodk/collect, EncryptionUtils.java (EncryptedFormInformation: the element signature, the MD5
  of "formId\\nversion\\nbase64Key\\ninstanceID\\n" and "name::md5hex\\n" per clear file, encrypted
  with the same RSA cipher; the manifest's elements);
- enketo (KoboToolbox's web forms), encryptor.js: the same, but OAEP's MGF1 with SHA-1
  (`mgf1=True` below).

Used only by the tests.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import zipfile

from cryptography.hazmat.decrepit.ciphers.modes import CFB  # ODK's spec: AES/CFB
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms


def _pkcs7(data: bytes) -> bytes:
    pad = 16 - len(data) % 16
    return data + bytes([pad]) * pad


def _rsa(public_b64: str, data: bytes, *, enketo: bool) -> str:
    key = serialization.load_der_public_key(base64.b64decode(public_b64))
    assert isinstance(key, rsa.RSAPublicKey)
    mgf = hashes.SHA1() if enketo else hashes.SHA256()  # noqa: S303 (Enketo's choice)
    oaep = padding.OAEP(mgf=padding.MGF1(mgf), algorithm=hashes.SHA256(), label=None)
    return base64.b64encode(key.encrypt(data, oaep)).decode()


def encrypt_submission(
    public_b64: str,
    instance_xml: str,
    *,
    form_id: str,
    version: str,
    instance_id: str,
    media: dict[str, bytes] | None = None,
    enketo: bool = False,
) -> dict[str, bytes]:
    """The files ODK Collect leaves in the instance folder: submission.xml (the manifest),
    submission.xml.enc and <media>.enc."""
    media = media or {}
    key = os.urandom(32)
    encrypted_key = _rsa(public_b64, key, enketo=enketo)
    seed = bytearray(hashlib.md5(instance_id.encode() + key).digest())  # noqa: S324
    counter = 0
    signature = [form_id, version, encrypted_key, instance_id]
    files: dict[str, bytes] = {}

    def encrypt(data: bytes) -> bytes:
        nonlocal counter
        seed[counter % 16] = (seed[counter % 16] + 1) % 256
        counter += 1
        encryptor = Cipher(algorithms.AES(key), CFB(bytes(seed))).encryptor()
        return encryptor.update(_pkcs7(data)) + encryptor.finalize()

    media_xml = ""
    for name, content in media.items():
        files[f"{name}.enc"] = encrypt(content)
        signature.append(f"{name}::{hashlib.md5(content).hexdigest()}")  # noqa: S324
        media_xml += f"<media><file>{name}.enc</file></media>"
    clear = instance_xml.encode()
    files["submission.xml.enc"] = encrypt(clear)
    signature.append(f"submission.xml::{hashlib.md5(clear).hexdigest()}")  # noqa: S324
    digest = hashlib.md5(("\n".join(signature) + "\n").encode()).digest()  # noqa: S324
    files["submission.xml"] = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<data xmlns="http://opendatakit.org/submissions" id="{form_id}" encrypted="yes" '
        f'version="{version}">'
        f"<base64EncryptedKey>{encrypted_key}</base64EncryptedKey>"
        f"<encryptedXmlFile>submission.xml.enc</encryptedXmlFile>{media_xml}"
        f"<base64EncryptedElementSignature>{_rsa(public_b64, digest, enketo=enketo)}"
        "</base64EncryptedElementSignature>"
        '<meta xmlns="http://openrosa.org/xforms">'
        f"<instanceID>{instance_id}</instanceID></meta></data>"
    ).encode()
    return files


def briefcase_zip(submissions: dict[str, dict[str, bytes]]) -> bytes:
    """Instance folders as ODK Briefcase stores them: <form>/instances/<uuid>/files."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for folder, files in submissions.items():
            for name, content in files.items():
                archive.writestr(f"forms/instances/{folder}/{name}", content)
    return buffer.getvalue()
