"""Tutela's ODK decryption against a submission that ODK Collect encrypted on a real phone (kept by
ODK Briefcase as a test resource, see data/odk_collect_2018/PROVENANCE.md), not one made by our own
test encryptor (tests/odk_collect.py): the RSA-OAEP key, the IVs, AES-CFB with PKCS#7 padding and
the element signature are read as the reference implementation wrote them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutela.cases import odk_crypto
from tutela.cases.models import Case, OdkKey, OdkSubmission
from tutela.cases.services import odk_import
from tutela.cases.tests.odk_collect import briefcase_zip
from tutela.core.models import AuditEntry

DATA = Path(__file__).parent / "data" / "odk_collect_2018"
INSTANCE_ID = "uuid:494cd080-3bf4-47be-b40f-c706a950d58a"


def _files() -> tuple[str, bytes, dict[str, bytes]]:
    key = (DATA / "key.pem").read_text()
    manifest = (DATA / "submission.xml").read_bytes()
    return key, manifest, {"submission.xml.enc": (DATA / "submission.xml.enc").read_bytes()}


def test_a_submission_encrypted_by_odk_collect_is_decrypted_and_its_signature_holds():
    key, manifest, files = _files()
    decrypted = odk_crypto.decrypt_submission(key, manifest, files)
    assert decrypted.manifest.form_id == "encrypted-form"
    assert decrypted.manifest.version is None  # a form without version: not in the signature
    assert decrypted.manifest.instance_id == INSTANCE_ID
    assert b"<name>Guillermo</name>" in decrypted.xml
    assert f"<orx:instanceID>{INSTANCE_ID}</orx:instanceID>".encode() in decrypted.xml
    assert decrypted.media == {}


@pytest.mark.parametrize("byte", [0, 100, 255])
def test_one_changed_bit_of_the_collect_file_is_refused(byte):
    key, manifest, files = _files()
    damaged = bytearray(files["submission.xml.enc"])
    damaged[byte] ^= 0x01
    with pytest.raises(odk_crypto.OdkError):
        odk_crypto.decrypt_submission(key, manifest, {"submission.xml.enc": bytes(damaged)})


def test_the_collect_manifest_with_another_key_is_refused():
    _key, manifest, files = _files()
    with pytest.raises(odk_crypto.OdkError, match="another key"):
        odk_crypto.decrypt_submission(odk_crypto.generate_private_key(), manifest, files)


@pytest.mark.django_db
def test_the_upload_of_a_collect_submission_decrypts_it_then_refuses_a_foreign_form(cw):
    """Through the import engine, in ODK Briefcase's folder layout: with the key among the
    operation's keys, the submission opens and its signature holds; it is then refused because it
    is not one of the operation's case forms, and nothing is saved."""
    key, manifest, files = _files()
    OdkKey.objects.create(
        operation=cw.operation, private_key=key, public_key=odk_crypto.public_key_base64(key)
    )
    submissions = odk_import.submissions_from_files(
        {"briefcase.zip": briefcase_zip({INSTANCE_ID: {"submission.xml": manifest, **files}})}
    )
    result = odk_import.odk_import(
        operation=cw.operation, by=cw.caseworker, submissions=submissions
    )
    assert len(result.errors) == 1
    assert "encrypted-form" in result.errors[0].error
    assert "case forms" in result.errors[0].error
    assert Case.objects.count() == 0
    assert OdkSubmission.objects.count() == 0
    assert AuditEntry.objects.filter(entity_type="odk_import").exists()
