"""HXL (Humanitarian Exchange Language) hashtags for Tutela's exports.

Every export that carries data has a hashtag row under its header row, so that HXL tools (libhxl,
HDX, the HXL Proxy) read it without a mapping. This module holds what a valid tag is here:

- the hashtag is one of the HXL 1.1 core hashtags (https://hxlstandard.org/standard/1-1final/
  dictionary/); attributes are free but written as HXL requires (a letter, then letters, digits or
  "_");
- the number hashtags (#population, #affected, #inneed, #targeted, #reached, #value) and any tag
  with "+num" hold numbers only. So a population *group* is never "#population+type": it is an
  attribute of the number (`#affected+idps`, `#reached+refugees`) or, as a label column, `#group`
  (HXL's hashtag for a group of people) with "+population";
- dynamic columns (one per month, per sex, per population group) get their attribute from
  `attribute()`, so a label such as "2026-01" or "IDP" becomes "+m2026_01" or "+idps".
"""

from __future__ import annotations

import re
import unicodedata

# HXL 1.1 core hashtags (the dictionary's list, without the leading "#").
CORE_HASHTAGS: frozenset[str] = frozenset(
    {
        "access",
        "activity",
        "adm1",
        "adm2",
        "adm3",
        "adm4",
        "adm5",
        "affected",
        "beneficiary",
        "capacity",
        "cause",
        "channel",
        "contact",
        "country",
        "crisis",
        "currency",
        "date",
        "description",
        "event",
        "financial",
        "frequency",
        "geo",
        "group",
        "impact",
        "indicator",
        "inneed",
        "item",
        "loc",
        "meta",
        "modality",
        "need",
        "operations",
        "org",
        "output",
        "population",
        "reached",
        "region",
        "respondee",
        "sector",
        "service",
        "severity",
        "status",
        "subsector",
        "targeted",
        "value",
    }
)
# Hashtags HXL defines as numbers (libhxl's default schema checks them as such).
NUMBER_HASHTAGS: frozenset[str] = frozenset(
    {"population", "affected", "inneed", "targeted", "reached", "value"}
)

_TAG = re.compile(r"^#([a-z][a-z0-9_]*)((?:\+[a-z][a-z0-9_]*)*)$")

# HDX HAPI population group codes -> the HXL attribute for people of that group.
POPULATION_GROUP_ATTRIBUTES: dict[str, str] = {
    "IDP": "idps",
    "REF": "refugees",
    "ASY": "asylum_seekers",
    "RET": "returnees",
    "HST": "host",
    "STA": "stateless",
    "OOC": "others_of_concern",
    "MIG": "migrants",
}


def attribute(text: object, prefix: str = "x") -> str:
    """A label as an HXL attribute, always valid (a letter first): "IDP" -> "idps", "Femmes âgées"
    -> "femmes_agees", "2026-01" -> "x2026_01" ("m2026_01" with prefix="m")."""
    value = str(text).strip()
    known = POPULATION_GROUP_ATTRIBUTES.get(value.upper())
    if known:
        return known
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")
    if not slug:
        return prefix
    if not slug[0].isalpha():
        slug = prefix + slug
    return slug


def tag_problem(tag: str) -> str | None:
    """Why a tag is not a valid Tutela HXL tag, or None."""
    match = _TAG.match(tag.strip().lower().replace(" ", ""))
    if match is None:
        return f"{tag!r} is not written as an HXL tag (#hashtag+attribute…)"
    hashtag = match.group(1)
    if hashtag not in CORE_HASHTAGS:
        return f"{tag!r}: #{hashtag} is not an HXL core hashtag"
    return None


def is_number_tag(tag: str) -> bool:
    """True when HXL defines the tag's values as numbers."""
    parts = tag.strip().lower().replace(" ", "").lstrip("#").split("+")
    return parts[0] in NUMBER_HASHTAGS or "num" in parts[1:]
