"""The shared checks of uploaded documents (tutela.core.upload_checks): accepted extension,
size limit, empty file, and content matching the extension."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from tutela.core.upload_checks import (
    SIGNATURES,
    TEXT,
    ZIP,
    upload_check,
    upload_extension,
    upload_types,
)

TYPES = {"pdf": (b"%PDF",), "docx": ZIP, "txt": TEXT, "mp3": None}


# Which check refused a file, by its message (the codes given with a dict of messages are not
# kept by Django's ValidationError, as they were not before the checks were shared).
REFUSALS = {
    "not accepted": "file_type",
    "too large": "too_large",
    "empty": "empty",
    "does not match": "file_content",
}


def code_of(name: str, content: bytes, **options: object) -> str:
    upload = SimpleUploadedFile(name, content)
    field = str(options.get("field", "file"))
    try:
        upload_check(upload, types=TYPES, max_bytes=1024, **options)  # type: ignore[arg-type]
    except ValidationError as error:
        [message] = error.message_dict[field]
        [code] = [code for words, code in REFUSALS.items() if words in message]
        return code
    return "ok"


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("minutes.pdf", b"%PDF-1.7 ...", "ok"),
        ("MINUTES.PDF", b"%PDF-1.7 ...", "ok"),
        ("report.docx", b"PK\x03\x04...", "ok"),
        ("notes.txt", "Réunion du cluster".encode(), "ok"),
        ("song.mp3", b"\x00\x01anything", "ok"),
        ("virus.exe", b"MZ\x90\x00", "file_type"),
        ("no-extension", b"%PDF", "file_type"),
        ("renamed.pdf", b"MZ\x90\x00", "file_content"),
        ("renamed.docx", b"%PDF-1.7", "file_content"),
        ("binary.txt", b"abc\x00def", "file_content"),
        ("big.pdf", b"%PDF" + b"0" * 1024, "too_large"),
        ("empty.pdf", b"", "empty"),
        ("empty.txt", b"", "empty"),
    ],
)
def test_each_refusal_has_its_code(name: str, content: bytes, code: str) -> None:
    assert code_of(name, content) == code


def test_an_empty_file_passes_where_the_caller_allows_it_but_not_a_bad_signature() -> None:
    assert code_of("empty.txt", b"", allow_empty=True, field="evidence") == "ok"
    assert code_of("empty.pdf", b"", allow_empty=True, field="evidence") == "file_content"


def test_the_file_is_left_at_its_start_for_saving() -> None:
    upload = SimpleUploadedFile("minutes.pdf", b"%PDF-1.7 body")
    assert upload_check(upload, types=TYPES, max_bytes=1024) == "pdf"
    assert upload.read() == b"%PDF-1.7 body"


def test_the_message_names_the_accepted_types_and_the_limit() -> None:
    with pytest.raises(ValidationError) as refused:
        upload_check(SimpleUploadedFile("a.exe", b"MZ"), types=TYPES, max_bytes=2**20)
    assert "docx, mp3, pdf, txt" in refused.value.message_dict["file"][0]
    with pytest.raises(ValidationError) as large:
        upload_check(
            SimpleUploadedFile("a.pdf", b"%PDF" + b"0" * 2**21), types=TYPES, max_bytes=2**21
        )
    assert "2 MB" in large.value.message_dict["file"][0]


@pytest.mark.parametrize(
    ("name", "extension"),
    [("a.PDF", "pdf"), ("dir/x.tar.gz", "gz"), ("dir.v2/file", ""), ("plain", "")],
)
def test_extension(name: str, extension: str) -> None:
    assert upload_extension(name) == extension


def test_types_give_known_formats_their_signature_and_text_what_the_caller_asks() -> None:
    assert upload_types("pdf", "txt", "mp4") == {"pdf": SIGNATURES["pdf"], "txt": None, "mp4": None}
    assert upload_types("csv", text=TEXT) == {"csv": TEXT}
    # A PNG is recognised by its whole eight-byte header.
    png = SimpleUploadedFile("map.png", b"\x89PNG\r\n\x1a\n....")
    assert upload_check(png, types=upload_types("png"), max_bytes=1024) == "png"
