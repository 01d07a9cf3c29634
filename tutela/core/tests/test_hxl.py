"""What tutela.core.hxl calls a valid tag, and how labels become HXL attributes."""

from __future__ import annotations

import pytest

from tutela.core.hxl import attribute, is_number_tag, tag_problem


@pytest.mark.parametrize(
    "tag", ["#adm1+code", "#reached+f+children", "#group+population+code", "#event+num+x2026_01"]
)
def test_core_hashtags_with_attributes_are_valid(tag: str) -> None:
    assert tag_problem(tag) is None


@pytest.mark.parametrize(
    ("tag", "why"),
    [
        ("#populationgroup", "not an HXL core hashtag"),
        ("adm1+code", "not written as an HXL tag"),
        ("#adm1+2026", "not written as an HXL tag"),
        ("#org+", "not written as an HXL tag"),
    ],
)
def test_invalid_tags_say_why(tag: str, why: str) -> None:
    problem = tag_problem(tag)
    assert problem is not None
    assert why in problem


def test_number_tags() -> None:
    assert is_number_tag("#population")
    assert is_number_tag("#affected+idps")
    assert is_number_tag("#indicator+days_late+num")
    assert not is_number_tag("#group+population+code")


def test_labels_become_valid_attributes() -> None:
    assert attribute("IDP") == "idps"
    assert attribute("REF") == "refugees"
    assert attribute("Femmes âgées (60+)") == "femmes_agees_60"
    assert attribute("2026-01", prefix="m") == "m2026_01"
    assert attribute("") == "x"
    assert tag_problem("#event+num+" + attribute("Période précédente")) is None
