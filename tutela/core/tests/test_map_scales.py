"""Map classes a reader can hold (issue 14): breaks at round numbers (100, 200, not 109, 218),
decimals only for rates, and "no partner" told apart from one partner at a glance."""

from __future__ import annotations

from django.utils import translation

from tutela.core import maps


def _rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def test_count_classes_break_at_round_numbers() -> None:
    scale = maps.auto_scale([3, 120, 545])
    assert scale.bounds == (100, 200, 300, 400)
    with translation.override("en"):
        labels = [label for label, _c in scale.legend(with_no_data=False)]
    assert labels == [
        "Under 100",
        "100 to under 200",
        "200 to under 300",
        "300 to under 400",
        "400 or more",
    ]
    assert scale.index(545) == 4


def test_small_counts_break_at_whole_numbers() -> None:
    scale = maps.auto_scale([0, 1, 3])
    assert all(float(b).is_integer() for b in scale.bounds)
    assert scale.index(0) != scale.index(1)


def test_rates_keep_the_decimals_they_need() -> None:
    scale = maps.auto_scale([0.1, 1.3, 3.7])
    assert scale.bounds == (0.5, 1.0, 1.5, 2.0)
    with translation.override("en"):
        assert scale.legend(with_no_data=False)[1][0] == "0.5 to under 1.0"


def test_no_partner_and_one_partner_are_clearly_different_colours() -> None:
    none, one = (_rgb(c) for c in maps.PRESENCE_SCALE.colors[:2])
    distance = sum((a - b) ** 2 for a, b in zip(none, one, strict=True)) ** 0.5
    assert distance > 120, (maps.PRESENCE_SCALE.colors[:2], distance)
