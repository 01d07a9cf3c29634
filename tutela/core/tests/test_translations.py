"""French and English are complete; the catalogues match the source; Spanish is started."""

from pathlib import Path

import polib
import pytest
from django.core.management import call_command
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[3]
LOCALE = ROOT / "locale"


def extracted_msgids(scratch: Path) -> set[tuple[str, str]]:
    """Run makemessages over a copy of the source and read what it found.

    A copy, because makemessages writes into any `locale` folder beside the files it scans: run in
    the project itself it would rewrite the committed catalogues."""
    import os
    import shutil

    ignore = shutil.ignore_patterns("tests", "vendor", "__pycache__", "*.mo", "*.po")
    for package in ("tutela", "config"):
        shutil.copytree(ROOT / package, scratch / package, ignore=ignore)
    (scratch / "locale").mkdir()
    cwd = os.getcwd()
    os.chdir(scratch)
    try:
        with override_settings(LOCALE_PATHS=[scratch / "locale"]):
            call_command("makemessages", locale=["fr"], no_location=True, verbosity=0)
    finally:
        os.chdir(cwd)
    po = polib.pofile(str(scratch / "locale" / "fr" / "LC_MESSAGES" / "django.po"))
    return {(e.msgctxt or "", e.msgid) for e in po if not e.obsolete}


@pytest.fixture(scope="module")
def source_ids(tmp_path_factory: pytest.TempPathFactory) -> set[tuple[str, str]]:
    return extracted_msgids(tmp_path_factory.mktemp("locale"))


def catalogue(lang: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / lang / "LC_MESSAGES" / "django.po"))


def test_french_catalogue_covers_every_string_in_the_source(source_ids):
    ids = {(e.msgctxt or "", e.msgid) for e in catalogue("fr") if not e.obsolete}
    missing = sorted(m for _ctx, m in source_ids - ids)
    assert not missing, f"{len(missing)} strings missing from locale/fr: {missing[:20]}"


def test_french_translation_is_complete():
    po = catalogue("fr")
    untranslated = [e.msgid for e in po.untranslated_entries() if not e.obsolete]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert not untranslated, f"untranslated: {untranslated[:20]}"
    assert not fuzzy, f"fuzzy: {fuzzy[:20]}"


def test_french_translations_keep_placeholders():
    import re

    pattern = re.compile(r"%\((\w+)\)[sd]|\{(\w*)\}")
    for entry in catalogue("fr").translated_entries():
        if entry.msgid_plural:
            continue
        assert sorted(pattern.findall(entry.msgid)) == sorted(pattern.findall(entry.msgstr)), (
            entry.msgid
        )


def test_spanish_is_started():
    po = catalogue("es")
    assert po.percent_translated() >= 25
