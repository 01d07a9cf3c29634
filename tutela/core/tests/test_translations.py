"""French and English are complete; the catalogues match the source; Spanish is started."""

from pathlib import Path

import polib
import pytest
from django.core.management import call_command
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[3]
LOCALE = ROOT / "locale"


def extracted_msgids(tmp_path: Path) -> set[tuple[str, str]]:
    """Run makemessages over the source into a scratch folder and read what it found."""
    with override_settings(LOCALE_PATHS=[tmp_path]):
        import os

        cwd = os.getcwd()
        os.chdir(ROOT)
        try:
            call_command(
                "makemessages",
                locale=["fr"],
                ignore_patterns=[".venv/*", "var/*", "bench/*", "*/tests/*", "node_modules/*"],
                no_location=True,
                verbosity=0,
            )
        finally:
            os.chdir(cwd)
    po = polib.pofile(str(tmp_path / "fr" / "LC_MESSAGES" / "django.po"))
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
