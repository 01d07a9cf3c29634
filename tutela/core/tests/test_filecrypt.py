"""The format of encrypted files: a round trip for every size around segment boundaries, random
access, and refusal of anything changed, truncated, reordered or under a key no longer held."""

from __future__ import annotations

import io
import os

import pytest
from django.test import override_settings

from tutela.core import filecrypt
from tutela.core.filecrypt import SEGMENT, TAG, FileDecryptionError

KEY_A = "dGVzdC1rZXktb25lLXRlc3Qta2V5LW9uZS10ZXN0LWs="
KEY_B = "dGVzdC1rZXktdHdvLXRlc3Qta2V5LXR3by10ZXN0LWs="


@pytest.mark.parametrize("size", [0, 1, SEGMENT - 1, SEGMENT, SEGMENT + 1, 3 * SEGMENT + 7])
def test_round_trip_of_every_size_around_segment_boundaries(size: int) -> None:
    plain = os.urandom(size)
    sealed = filecrypt.encrypt_bytes(plain)
    assert filecrypt.decrypt_bytes(sealed) == plain
    header = filecrypt.read_header(io.BytesIO(sealed))[0]
    assert len(sealed) == filecrypt.ciphertext_size(size, len(header))
    assert filecrypt.plaintext_size(len(sealed), len(header)) == size


def test_cipher_text_holds_nothing_of_the_plain_text() -> None:
    plain = b"Aminata Traore +223 76 12 34 56\n" * 5000
    sealed = filecrypt.encrypt_bytes(plain)
    assert b"Aminata" not in sealed
    assert b"76 12 34" not in sealed
    # Each file has its own key and nonces: the same content never looks the same twice.
    assert filecrypt.encrypt_bytes(plain) != sealed


def test_random_access_reads_only_what_is_asked() -> None:
    plain = os.urandom(5 * SEGMENT + 123)
    reader = filecrypt.DecryptingReader(io.BytesIO(filecrypt.encrypt_bytes(plain)))
    assert reader.size == len(plain)
    reader.seek(2 * SEGMENT - 10)
    assert reader.read(20) == plain[2 * SEGMENT - 10 : 2 * SEGMENT + 10]
    reader.seek(-5, io.SEEK_END)
    assert reader.read() == plain[-5:]


def test_a_flipped_bit_is_refused() -> None:
    sealed = bytearray(filecrypt.encrypt_bytes(b"x" * 1000))
    sealed[-100] ^= 1
    with pytest.raises(FileDecryptionError, match="damaged"):
        filecrypt.decrypt_bytes(bytes(sealed))


def test_a_file_cut_at_a_segment_boundary_is_refused() -> None:
    sealed = filecrypt.encrypt_bytes(os.urandom(2 * SEGMENT + 10))
    # Dropping the last segment leaves a file of whole segments: the "last" flag betrays it.
    with pytest.raises(FileDecryptionError):
        filecrypt.decrypt_bytes(sealed[: -(10 + TAG)])


def test_segments_swapped_are_refused() -> None:
    plain = b"a" * SEGMENT + b"b" * SEGMENT + b"c"
    sealed = filecrypt.encrypt_bytes(plain)
    header = len(filecrypt.read_header(io.BytesIO(sealed))[0])
    one = sealed[header : header + SEGMENT + TAG]
    two = sealed[header + SEGMENT + TAG : header + 2 * (SEGMENT + TAG)]
    swapped = sealed[:header] + two + one + sealed[header + 2 * (SEGMENT + TAG) :]
    with pytest.raises(FileDecryptionError):
        filecrypt.decrypt_bytes(swapped)


def test_a_file_in_clear_is_not_taken_for_an_encrypted_one() -> None:
    with pytest.raises(FileDecryptionError, match="not encrypted"):
        filecrypt.decrypt_bytes(b"name,phone\nAminata,76123456\n")


def test_files_open_with_any_configured_key_and_not_without_it() -> None:
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_A]):
        sealed = filecrypt.encrypt_bytes(b"minutes")
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_B, KEY_A]):
        assert filecrypt.decrypt_bytes(sealed) == b"minutes"
        wrapped = filecrypt.read_header(io.BytesIO(sealed))[1]
        assert not filecrypt.wrapped_by_primary(wrapped)
    with (
        override_settings(FIELD_ENCRYPTION_KEYS=[KEY_B]),
        pytest.raises(FileDecryptionError, match="TUTELA_FIELD_KEYS"),
    ):
        filecrypt.decrypt_bytes(sealed)


def test_a_spool_is_unreadable_on_disk_and_removed_on_close(tmp_path: os.PathLike[str]) -> None:
    spool = filecrypt.EncryptedSpool(tmp_path)
    for _ in range(100):
        spool.write(b"Fatoumata Diallo, 2 children, Sevare camp\n")
    reader = spool.reader()
    on_disk = open(spool.name, "rb").read()  # noqa: SIM115
    assert b"Fatoumata" not in on_disk
    assert reader.read().count(b"Fatoumata") == 100
    reader.close()
    spool.close()
    assert not os.path.exists(spool.name)


def test_key_fingerprints_name_keys_without_revealing_them() -> None:
    assert filecrypt.key_fingerprint(KEY_A) != filecrypt.key_fingerprint(KEY_B)
    assert filecrypt.key_fingerprint(KEY_A) == filecrypt.key_fingerprint(f" {KEY_A} ")
    assert len(filecrypt.key_fingerprint(KEY_A)) == 16
    assert filecrypt.key_fingerprint(KEY_A) not in KEY_A
