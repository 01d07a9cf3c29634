"""Masking probable personal data in incident narratives, before they are saved.

No monitoring field holds a name; the narrative is free text, so monitors are warned and what looks
like personal data is replaced by a marker:

- a name after a title or a word that introduces one (M., Mme, Mr, Mrs, Dr, Madame, Sr., Doña,
  chef, Imam, dénommé...)                                                  -> "[name]"
- a phone number, international (+223 76 12 34 56, 00223...) or local (76 12 34 56, 76123456)
                                                                           -> "[phone]"
- an identity number: after NINA, CNI, passport, ID... ; passport-like codes (AB1234567); long
  runs of digits                                                           -> "[ID]"
- an e-mail address                                                        -> "[e-mail]"

It is a safety net, not a guarantee: it errs on the side of masking. The markers contain no digit,
capital letter or "@", and every pattern needs one of these, so masking again changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

NAME, PHONE, ID, EMAIL = "name", "phone", "id", "email"
MARKERS = {NAME: "[name]", PHONE: "[phone]", ID: "[ID]", EMAIL: "[e-mail]"}
LABELS = {
    NAME: _("name"),
    PHONE: _("phone number"),
    ID: _("identity number"),
    EMAIL: _("e-mail address"),
}

# An initial ("A.") or a capitalised word ("Diallo", "DIALLO", "Jean-Pierre", "N'Diaye").
_CAP = "A-ZÀ-ÖØ-ÞŒ"
_WORD = rf"(?:[{_CAP}]\.(?=\s)|[{_CAP}][\w'’-]*)"
# Titles written with a capital or an abbreviation point: case matters ("Don" but not "don").
_TITLES_CASED = (
    r"M\.|MM\.|Mme\.?|Mmes|Mlle\.?|Mr\.?|Mrs\.?|Ms\.?|Dr\.?|Pr\.?|Sr\.|Sra\.|Srta\.|Dña\.|"
    r"Don|Doña|Hon\.|Me|Maître"
)
# Words that introduce a name in any case ("le chef Moussa", "Imam Cissé", "nommé Traoré").
_TITLES_ANY = (
    r"madame|monsieur|mademoiselle|mister|miss|madam|doctor|docteur|señor|señora|señorita|"
    r"chef|imam|ustaz|marabout|el\s+hadj|elhadj|hadja|hadji|cheick|cheikh|sheikh|pasteur|"
    r"pastor|abbé|capitaine|captain|commandant|colonel|lieutenant|sergent|sergeant|adjudant|"
    r"maire|mayor|alcalde|préfet|sous-préfet|nommée?|dénommée?|surnommée?|prénommée?|"
    r"named|called|llamad[oa]|alias"
)
_NAME = re.compile(
    rf"(?<![\w\[])((?:{_TITLES_CASED})|(?i:{_TITLES_ANY}))(\s+)({_WORD}(?:[ -]{_WORD}){{0,2}})"
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# International: +223 76 12 34 56, (+223) 76-12-34-56, 00223 76123456.
_PHONE_INTL = re.compile(r"(?:\(?\+|\b00)\d{1,3}\)?(?:[ .-]?\d){6,12}(?!\d)")
# Local: eight digits in pairs with one separator (76 12 34 56, 76.12.34.56, 76123456), or the
# 3-3-4 form (310 123 4567). A date (12.03.2026) mixes separators and is left alone.
_PHONE_LOCAL = re.compile(
    r"(?<![\w/.,-])(?:\d{2}([ .]?)\d{2}\1\d{2}\1\d{2}|\d{3} \d{3} \d{4})(?![\w/]|\.\d)"
)
# An identifier after the word that introduces it: NINA 1234567890123A, CNI n° 012345,
# passeport : AA1234567. The identifier has at least three digits.
_ID_AFTER_WORD = re.compile(
    r"(?i:\b(?:nina|cni|nin|passeport|passport|pasaporte|c[ée]dula|carte\s+d'identit[ée]|"
    r"identity\s+card|id|matricule|n°|no\.)\s*(?:n°|no\.?|number|num[ée]ro)?\s*[:#]?\s*)"
    r"([A-Za-z0-9][A-Za-z0-9-]{3,24})"
)
# Passport-like: one or two capitals then 6-9 digits (AA1234567, B12345678).
_PASSPORT = re.compile(r"\b[A-Z]{1,2}\d{6,9}\b")
# Nine digits or more in a run (spaces allowed between groups of three or more digits).
_LONG_DIGITS = re.compile(r"(?<!\d)(?:\d{3,}(?: \d{3,})+|\d{9,})(?!\d)")


@dataclass(frozen=True)
class Finding:
    """One piece of probable personal data: its kind (name, phone, id, email) and the text."""

    kind: str
    text: str

    @property
    def label(self) -> str:
        return str(LABELS[self.kind])

    @property
    def marker(self) -> str:
        return MARKERS[self.kind]


def _accept(kind: str, match: re.Match[str], text: str) -> bool:
    """Checks a regular expression cannot say simply: an identifier after its word has at least
    three digits; a run of digit groups has at least nine digits in all."""
    if match.re is _ID_AFTER_WORD:
        return sum(c.isdigit() for c in text) >= 3
    if match.re is _LONG_DIGITS:
        return sum(c.isdigit() for c in text) >= 9
    return True


def _one_pass(text: str, findings: list[Finding]) -> str:
    def replace(kind: str, group: int = 0) -> Callable[[re.Match[str]], str]:
        def sub(match: re.Match[str]) -> str:
            if not _accept(kind, match, match.group(group)):
                return match.group(0)
            findings.append(Finding(kind, match.group(group)))
            if group == 0:
                return MARKERS[kind]
            start, end = match.span(group)
            whole = match.group(0)
            offset = match.start(0)
            return whole[: start - offset] + MARKERS[kind] + whole[end - offset :]

        return sub

    text = _EMAIL.sub(replace(EMAIL), text)
    text = _ID_AFTER_WORD.sub(replace(ID, 1), text)
    text = _PASSPORT.sub(replace(ID), text)
    text = _PHONE_INTL.sub(replace(PHONE), text)
    text = _PHONE_LOCAL.sub(replace(PHONE), text)
    text = _LONG_DIGITS.sub(replace(ID), text)
    text = _NAME.sub(replace(NAME, 3), text)
    return text


def mask_personal_data(text: str) -> tuple[str, list[Finding]]:
    """(masked text, what was found). Masking the result again finds nothing."""
    findings: list[Finding] = []
    masked = text or ""
    # A pass can leave a pattern that only appears once a neighbour is masked (a phone number
    # split by a long digit run): repeat until nothing is found. Every replacement removes a
    # digit, a capital or an "@" and adds none, so this ends.
    for _pass in range(50):
        before = len(findings)
        masked = _one_pass(masked, findings)
        if len(findings) == before:
            break
    return masked, findings
