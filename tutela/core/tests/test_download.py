"""core.views.common.download: the one way views hand a file to the user."""

from __future__ import annotations

from tutela.core.views.common import download


def test_attachment_keeps_a_plain_name_and_is_never_cached() -> None:
    response = download(b"x", "mali-5w.xlsx", "application/octet-stream")
    assert response["Content-Disposition"] == 'attachment; filename="mali-5w.xlsx"'
    assert response["Cache-Control"] == "private, no-store"
    assert response.content == b"x"
    assert response["Content-Type"] == "application/octet-stream"


def test_a_name_with_accents_or_quotes_cannot_break_the_header() -> None:
    accented = download(b"x", "PAU Ségou 2026Q3.docx", "application/octet-stream")
    assert accented["Content-Disposition"] == (
        "attachment; filename*=utf-8''PAU%20S%C3%A9gou%202026Q3.docx"
    )
    quoted = download(b"x", 'a"; filename="evil.exe', "text/plain")
    assert quoted["Content-Disposition"] == 'attachment; filename="a\\"; filename=\\"evil.exe"'


def test_inline_for_images() -> None:
    response = download(b"\x89PNG", "map.png", "image/png", inline=True)
    assert response["Content-Disposition"] == 'inline; filename="map.png"'
