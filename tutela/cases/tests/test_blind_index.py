"""The blind index: normalisation, the sound key on real spelling variants, keyed digests."""

from __future__ import annotations

import pytest
from django.test import override_settings

from tutela.cases import blind_index

# Spellings met in registration lists of the Sahel, Afghanistan and Latin America.
SAME_SOUND = [
    ("Mohammad", "Muhammad", "Mohamed", "Mohammed", "Mouhamadou", "Mamadou", "محمد"),
    ("Hussein", "Husayn", "Hossein", "Houssein"),
    ("Abdoulaye", "Abdullahi", "Abdallah"),
    ("Aïcha", "Aisha", "Ayesha", "Aichatou"[:5]),
    ("Youssouf", "Yusuf", "Yousouf"),
    ("Fatoumata", "Fatimata"),
    ("Ousmane", "Usman"),
    ("Khadija", "Khadidja"),
    ("Rodríguez", "Rodrigues"),
    ("González", "Gonzales"),
]
DIFFERENT = [("Traoré", "Touré"), ("Mariam", "Mohamed"), ("Diallo", "Diarra")]


def sound(name: str) -> str:
    (token,) = blind_index.name_tokens(name)
    return blind_index.sound_key(token)


@pytest.mark.parametrize("names", SAME_SOUND)
def test_spellings_of_one_name_share_a_sound_key(names: tuple[str, ...]) -> None:
    assert len({sound(name) for name in names}) == 1, [sound(n) for n in names]


@pytest.mark.parametrize("pair", DIFFERENT)
def test_different_names_keep_different_sound_keys(pair: tuple[str, str]) -> None:
    assert sound(pair[0]) != sound(pair[1])


def test_names_are_ascii_lower_case_without_particles() -> None:
    assert blind_index.name_tokens("Al-Hassan  AG Moussa ould Sidi") == ["hassan", "moussa", "sidi"]
    assert blind_index.name_tokens("Ségou DIARRA") == ["segou", "diarra"]


def test_phone_numbers_meet_whatever_the_prefix() -> None:
    keys = {blind_index.phone_key(p) for p in ("+223 76 12 34 56", "0022376123456", "76123456")}
    assert keys == {"76123456"}
    assert blind_index.phone_key("12") == ""


def test_id_numbers_keep_letters_and_digits_only() -> None:
    assert blind_index.id_key(" ml-0457 88213 ") == "ML045788213"


def test_digests_depend_on_the_key_and_the_operation() -> None:
    key = blind_index.index_keys()[0]
    base = blind_index.digest(key, 1, "name", "aicha")
    assert base == blind_index.digest(key, 1, "name", "aicha")
    assert base != blind_index.digest(key, 2, "name", "aicha")
    assert "aicha" not in base
    assert len(base) == 32
    with override_settings(FIELD_ENCRYPTION_KEYS=["ZGV2LW9ubHktZmllbGQta2V5LWRvLW5vdC11c2UtISE="]):
        other = blind_index.index_keys()[0]
        assert blind_index.digest(other, 1, "name", "aicha") != base


def test_search_tries_every_key_so_rotation_needs_no_reindex() -> None:
    keys = blind_index.index_keys()
    assert len(keys) == 2  # the test settings hold two field keys
    digests = blind_index.search_digests(7, "phone", "76123456")
    assert digests == [blind_index.digest(k, 7, "phone", "76123456") for k in keys]
    written = blind_index.write_digests(7, [blind_index.Token("phone", "76123456")])
    assert written == [("phone", digests[0], keys[0].key_id)]
