"""Keyed blind indexes for finding cases by name, phone or ID number without decrypting them.

Names, phones and ID numbers are encrypted at rest, so the database cannot compare them. For each
case the services store, beside the cipher text, short keyed digests (HMAC-SHA256, truncated to
128 bits) of:

- every **name token**, normalised: transliterated to ASCII (Unidecode: "Aïcha" -> "aicha",
  "محمد" -> "mhmd"), lower-cased, particles dropped ("al", "ould", "ag", "de", "bin"...);
- a **sound key** of every name token (below), so that spellings of one name meet;
- the **phone number's last 8 digits** ("+223 70 00 00 01" and "70000001" meet);
- the **ID number**, upper-case letters and digits only.

Search computes the same digests from what the user typed and looks them up; the table is never
decrypted, and a search reads only digests of the user's own organisation.

The sound key is written for names transliterated from Arabic, Bambara, Fulfulde, Tamasheq, French
and Spanish, which vary in vowels, doubled letters, a silent or guttural "h", and French against
English digraphs: "ou"/"u", "dj"/"j", "ch"/"sh", "kh"/"k", "y"/"i", "z"/"s", "c"/"k"/"q". It
keeps the first letter (any vowel as "a") and then only consonants, after those equivalences:
Mohammad, Muhammad, Mohamed, Mouhamadou and Mamadou all give "mmd"; Hussein, Husayn and Hossein
"asn"; Abdoulaye, Abdullahi and Abdallah "abdl"; Aïcha, Aisha and Ayesha "ax".
Soundex and Metaphone were designed for English names and treat neither French digraphs
("ou", "dj", "ch") nor the silent "h" of transliterated Arabic this way; the rules here are few
and tested on real name variants (tests/test_blind_index.py).

Trade-offs, stated:
- Fuzzy means **more false matches**: a sound key is shared by many names ("mmd" is also
  "Mamadi"); results are ranked (exact tokens first) and a person still looks at them. It also
  **misses** spellings that differ in a consonant (Othmane / Ousmane: "th" is kept as "t"), and
  typos: edit distance cannot be computed on digests.
- Digests **reveal equality** to someone who reads the database: two cases with the same name
  token share a digest, so frequencies of common names can be observed. The key is derived from
  the field-encryption keys (HKDF) and the operation's id enters every digest, so without the keys
  a digest cannot be tested against a guessed name, and digests of two operations cannot be linked.
- After a key rotation, digests written under an older key are still found (search tries every
  key, `key_id` tells which one wrote a token); `tutela cases_reindex` rewrites them all under the
  first key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from unidecode import unidecode

NAME, SOUND, PHONE, ID = "name", "sound", "phone", "id"

# Particles of Arabic, Tamasheq, Fulfulde, French and Spanish names: too common to find anyone.
PARTICLES = frozenset(
    {
        "al",
        "el",
        "ul",
        "ag",
        "ould",
        "wuld",
        "bin",
        "ben",
        "ibn",
        "bint",
        "abu",
        "abou",
        "de",
        "del",
        "la",
        "le",
        "da",
        "das",
        "do",
        "dos",
        "du",
        "di",
        "van",
        "von",
        "y",
        "e",
    }
)

_NOT_LETTER = re.compile(r"[^a-z]+")
_NOT_ALNUM = re.compile(r"[^A-Z0-9]")
_NOT_DIGIT = re.compile(r"\D")
_VOWELS = frozenset("aeiou")

# Applied in this order to a normalised token (see the module docstring).
_EQUIVALENCES: tuple[tuple[str, str], ...] = (
    ("x", "ks"),
    ("sch", "x"),
    ("tch", "x"),
    ("sh", "x"),
    ("ch", "x"),
    ("dj", "j"),
    ("kh", "k"),
    ("gh", "g"),
    ("ph", "f"),
    ("th", "t"),
    ("dh", "d"),
    ("ck", "k"),
    ("qu", "k"),
    ("q", "k"),
    ("gue", "ge"),
    ("gui", "gi"),
    ("ce", "se"),
    ("ci", "si"),
    ("c", "k"),
    ("z", "s"),
    ("v", "b"),
    ("w", "u"),
    ("y", "i"),
    ("ou", "u"),
    ("oo", "u"),
)

PHONE_DIGITS = 8


def name_tokens(text: str) -> list[str]:
    """'Al-Hassan  Ag Moussa' -> ['hassan', 'moussa'] (ASCII, lower case, no particles)."""
    ascii_text = unidecode(text or "").lower()
    tokens = [t for t in _NOT_LETTER.split(ascii_text) if t]
    return [t for t in dict.fromkeys(tokens) if t not in PARTICLES and len(t) > 1]


def sound_key(token: str) -> str:
    """The sound key of one normalised name token (see the module docstring)."""
    word = token
    for before, after in _EQUIVALENCES:
        word = word.replace(before, after)
    collapsed: list[str] = []
    for letter in word:
        if not collapsed or collapsed[-1] != letter:
            collapsed.append(letter)
    # The "h" goes after doubled letters are folded, so that the Arabic script's "mhmd" keeps
    # both m's like "Mohammad" does.
    collapsed = [letter for letter in collapsed if letter != "h"]
    if not collapsed:
        return ""
    first = "a" if collapsed[0] in _VOWELS else collapsed[0]
    return first + "".join(letter for letter in collapsed[1:] if letter not in _VOWELS)


def phone_key(phone: str) -> str:
    digits = _NOT_DIGIT.sub("", phone or "")
    return digits[-PHONE_DIGITS:] if len(digits) >= 6 else ""


def id_key(number: str) -> str:
    return _NOT_ALNUM.sub("", unidecode(number or "").upper())


@dataclass(frozen=True)
class IndexKey:
    key_id: str
    secret: bytes


def _derive(fernet_key: str) -> IndexKey:
    raw = base64.urlsafe_b64decode(fernet_key.encode())
    secret = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"tutela.cases.blind-index"
    ).derive(raw)
    return IndexKey(key_id=hashlib.sha256(secret).hexdigest()[:8], secret=secret)


@lru_cache(maxsize=4)
def _keys(fernet_keys: tuple[str, ...]) -> tuple[IndexKey, ...]:
    return tuple(_derive(key) for key in fernet_keys)


def index_keys() -> tuple[IndexKey, ...]:
    """One index key per field key; the first writes, all are searched."""
    return _keys(tuple(settings.FIELD_ENCRYPTION_KEYS))


def digest(key: IndexKey, operation_id: int, kind: str, value: str) -> str:
    message = f"{operation_id}|{kind}|{value}".encode()
    return hmac.new(key.secret, message, hashlib.sha256).hexdigest()[:32]


@dataclass(frozen=True)
class Token:
    kind: str
    value: str


def person_tokens(*, names: Iterable[str] = (), phone: str = "", id_number: str = "") -> set[Token]:
    """The clear values to index for one person (never stored: only their digests are)."""
    tokens: set[Token] = set()
    for text in names:
        for token in name_tokens(text):
            tokens.add(Token(NAME, token))
            key = sound_key(token)
            if len(key) >= 2:
                tokens.add(Token(SOUND, key))
    if phone_key(phone):
        tokens.add(Token(PHONE, phone_key(phone)))
    if len(id_key(id_number)) >= 3:
        tokens.add(Token(ID, id_key(id_number)))
    return tokens


def write_digests(operation_id: int, tokens: Iterable[Token]) -> list[tuple[str, str, str]]:
    """(kind, digest, key_id) under the first key, to store."""
    key = index_keys()[0]
    return [(t.kind, digest(key, operation_id, t.kind, t.value), key.key_id) for t in tokens]


def search_digests(operation_id: int, kind: str, value: str) -> list[str]:
    """The digests of one value under every key (search finds tokens of older keys too)."""
    return [digest(key, operation_id, kind, value) for key in index_keys()]
