"""mask_personal_data: names after titles, phone numbers, identity numbers and e-mail addresses
are replaced by markers; ordinary figures and dates are left alone."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutela.monitoring.incidents.narrative import MARKERS, mask_personal_data

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def masked(text: str) -> str:
    return mask_personal_data(text)[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mme Aminata Traoré a été menacée.", "Mme [name] a été menacée."),
        ("M. Diallo et Mr Smith", "M. [name] et Mr [name]"),
        ("Mrs Jones, Ms Brown, Dr. Jean-Pierre N'Diaye", "Mrs [name], Ms [name], Dr. [name]"),
        ("le chef Moussa Keïta du village", "le chef [name] du village"),
        ("Imam Cissé a témoigné", "Imam [name] a témoigné"),
        ("Madame KONATÉ et Monsieur A. Coulibaly", "Madame [name] et Monsieur [name]"),
        (
            "Sr. López y Sra. María Pérez, Don Carlos, Doña Inés",
            "Sr. [name] y Sra. [name], Don [name], Doña [name]",
        ),
        ("une femme dénommée Awa a fui", "une femme dénommée [name] a fui"),
        (
            "le chef du village a dit que Mopti est sûr",
            "le chef du village a dit que Mopti est sûr",
        ),
    ],
)
def test_names_after_titles_are_masked(text, expected):
    assert masked(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tel +223 76 12 34 56.", "Tel [phone]."),
        ("appeler le (+223) 76-12-34-56", "appeler le [phone]"),
        ("numéro 0022376123456 svp", "numéro [phone] svp"),
        ("joignable au 76123456, ou 66.12.34.56", "joignable au [phone], ou [phone]"),
        ("son frère: 76 12 34 56", "son frère: [phone]"),
        ("celular 310 123 4567", "celular [phone]"),
    ],
)
def test_phone_numbers_are_masked(text, expected):
    assert masked(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NINA 12345678901234A", "NINA [ID]"),
        ("sa CNI n° 0123-456", "sa CNI n° [ID]"),
        ("passeport : AA1234567", "passeport : [ID]"),
        ("document B12345678 retenu", "document [ID] retenu"),
        ("carte 123456789012 confisquée", "carte [ID] confisquée"),
        ("acte 123 456 789 012", "acte [ID]"),
    ],
)
def test_identity_numbers_are_masked(text, expected):
    assert masked(text) == expected


def test_email_addresses_are_masked():
    assert masked("écrire à awa.traore+1@exemple.org.ml vite") == "écrire à [e-mail] vite"


@pytest.mark.parametrize(
    "text",
    [
        "Le 12.03.2026 à Mopti, 15 personnes dont 3 enfants, 1 200 déplacés.",
        "Incident du 2026-03-12 (12/03/2026) à Bandiagara, 45 ménages.",
        "Attaque du village de Sangha par des hommes armés vers 14h30.",
        "Les femmes ont été menacées par un groupe armé non étatique.",
        "",
    ],
)
def test_ordinary_narratives_are_left_alone(text):
    result, findings = mask_personal_data(text)
    assert result == text
    assert findings == []


def test_findings_say_what_was_masked():
    _text, findings = mask_personal_data("Mme Awa Diallo, tel 76123456, awa@x.org")

    assert [(f.kind, f.text) for f in findings] == [
        ("email", "awa@x.org"),
        ("phone", "76123456"),
        ("name", "Awa Diallo"),
    ]
    assert findings[0].marker == "[e-mail]"
    assert str(findings[2].label) == "name"


# Text that looks like narratives: words, titles, digits, separators, accents, brackets.
PIECES = st.sampled_from(
    [
        "Mme ",
        "M. ",
        "Dr ",
        "chef ",
        "Imam ",
        "Don ",
        "NINA ",
        "CNI n° ",
        "passeport ",
        "Awa ",
        "DIALLO ",
        "Jean-Pierre ",
        "A. ",
        "+223 ",
        "00",
        "76 ",
        "12 ",
        "34",
        "56",
        "123456789",
        "AA",
        "@",
        ".",
        "-",
        "/",
        " ",
        "\n",
        "é",
        "[name]",
        "[ID]",
        "[",
        "]",
        "x",
        "org",
        "le village ",
        "2026-03-12",
        "12.03.2026",
    ]
)
NARRATIVES = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(PIECES, st.text(max_size=5)), max_size=60).map("".join),
)


@settings(max_examples=300, deadline=None)
@given(NARRATIVES)
def test_masking_never_fails_and_is_idempotent(text):
    result, _findings = mask_personal_data(text)

    again, more = mask_personal_data(result)
    assert again == result
    assert more == []


@settings(max_examples=300, deadline=None)
@given(NARRATIVES)
def test_masked_text_keeps_no_detected_pattern(text):
    result, findings = mask_personal_data(text)

    assert not EMAIL.search(result)
    assert not re.search(r"\d{9}", result)
    assert not re.search(r"\+\d{3} ?\d{2} ?\d{2} ?\d{2} ?\d{2}", result)
    assert len(findings) >= sum(result.count(marker) for marker in MARKERS.values()) - sum(
        text.count(marker) for marker in MARKERS.values()
    )
