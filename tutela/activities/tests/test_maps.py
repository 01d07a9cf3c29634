"""PNG choropleths (matplotlib Agg + shapely, no network) and the colour scales they share with
the Leaflet maps."""

from __future__ import annotations

import io
import json

import matplotlib.image
import numpy as np
import pytest

from tutela.activities.tests.analysis_fixtures import (  # noqa: F401
    FiveW,
    add_planning,
    five_w_fixture,
)
from tutela.core import maps
from tutela.core.services.geography import BUNDLED_DIR

SQUARE = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
SQUARE_WITH_HOLE = {
    "type": "Polygon",
    "coordinates": [
        [[2, 0], [4, 0], [4, 2], [2, 2], [2, 0]],
        [[2.5, 0.5], [3.5, 0.5], [3.5, 1.5], [2.5, 1.5], [2.5, 0.5]],
    ],
}
TWO_ISLANDS = {
    "type": "MultiPolygon",
    "coordinates": [
        [[[0, 3], [1, 3], [1, 4], [0, 4], [0, 3]]],
        [[[2, 3], [3, 3], [3, 4], [2, 4], [2, 3]]],
    ],
}


def decode(png: bytes) -> np.ndarray:
    return matplotlib.image.imread(io.BytesIO(png), format="png")


def has_colour(image: np.ndarray, hex_colour: str, *, at_least: int = 50) -> bool:
    rgb = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]) / 255
    close = np.all(np.abs(image[:, :, :3] - rgb) < 0.02, axis=2)
    return int(close.sum()) >= at_least


def test_png_is_a_valid_image_with_the_class_colours() -> None:
    png = maps.render_choropleth_png(
        areas={"A": SQUARE, "B": SQUARE_WITH_HOLE, "C": TWO_ISLANDS},
        values={"A": 10.0, "B": 80.0},
        title="Coverage",
        legend_label="People reached ÷ people in need",
        language="en",
        scale=maps.COVERAGE_SCALE,
    )
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = decode(png)
    assert image.shape[0] > 300
    assert image.shape[1] > 300
    assert has_colour(image, "#d7191c")  # A: under 25 %
    assert has_colour(image, "#abd9e9")  # B: 75 to 100 %
    assert has_colour(image, maps.NO_DATA_COLOR)  # C: no value


def test_png_of_real_mali_regions() -> None:
    collection = json.loads((BUNDLED_DIR / "mli_adm1.geojson").read_text(encoding="utf-8"))
    areas = {}
    for feature in collection["features"]:
        props = feature["properties"]
        pcode = props.get("pcode") or props.get("ADM1_PCODE") or feature.get("id")
        areas[str(pcode)] = feature["geometry"]
    assert len(areas) == 10
    values = {pcode: float(i) for i, pcode in enumerate(sorted(areas))}
    png = maps.render_choropleth_png(
        areas=areas,
        values=values,
        title="Partenaires présents par région",
        legend_label="Partenaires",
        language="fr",
        scale=maps.PRESENCE_SCALE,
    )
    image = decode(png)
    assert has_colour(image, "#08306b")  # 7 or more
    assert has_colour(image, "#fdae6b")  # none


def test_png_without_boundaries_still_renders() -> None:
    png = maps.render_choropleth_png(
        areas={}, values={}, title="Empty", legend_label="x", language="en"
    )
    assert decode(png).ndim == 3


def test_broken_geometries_are_skipped() -> None:
    png = maps.render_choropleth_png(
        areas={
            "A": {"type": "Polygon"},
            "B": {"type": "Point", "coordinates": [1, 1]},
            "C": SQUARE,
        },
        values={"C": 3},
        title="t",
        legend_label="l",
        language="en",
    )
    assert png.startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("value", "colour"),
    [(None, maps.NO_DATA_COLOR), (0, "#fdae6b"), (1, "#c6dbef"), (3, "#6baed6"), (12, "#08306b")],
)
def test_presence_scale_classes(value: float | None, colour: str) -> None:
    assert maps.PRESENCE_SCALE.color(value) == colour


def test_scale_legends_read_well() -> None:
    assert [label for label, _c in maps.PRESENCE_SCALE.legend(with_no_data=False)] == [
        "No partner",
        "1",
        "2 to 3",
        "4 to 6",
        "7 or more",
    ]
    labels = [label for label, _c in maps.COVERAGE_SCALE.legend()]
    assert labels[0] == "Under 25%"
    assert labels[-2] == "100% or more"
    assert labels[-1] == "No planning figures"


def test_auto_scale_covers_the_values() -> None:
    scale = maps.auto_scale([0, 50, 100])
    assert scale.index(0) == 0
    assert scale.index(100) == 4


# --- Views ---------------------------------------------------------------------------------------


def test_presence_png_view(five_w: FiveW, as_user) -> None:  # noqa: ANN001
    response = as_user(five_w.world.partner).get("/o/mali/5w/presence.png", {"level": 2})
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    # Kept by the user's own browser for a few minutes and revalidated (never by shared caches).
    assert {p.strip() for p in response["Cache-Control"].split(",")} == {"private", "max-age=300"}
    assert response["ETag"]
    image = decode(response.content)
    assert has_colour(image, maps.PRESENCE_SCALE.color(2), at_least=10)


def test_coverage_png_view(five_w: FiveW, as_user) -> None:  # noqa: ANN001
    add_planning(five_w.world, five_w.areas["ML0501"], pin=100, severity=4)
    response = as_user(five_w.world.viewer).get("/o/mali/5w/coverage.png", {"level": 2})
    assert response.status_code == 200
    # Bandiagara: 80 reached of 100 in need.
    assert has_colour(decode(response.content), maps.COVERAGE_SCALE.color(80), at_least=10)


@pytest.mark.parametrize("url", ["/o/mali/5w/presence.png", "/o/mali/5w/coverage.png"])
@pytest.mark.parametrize("persona", ["outsider", "other_operation_user"])
def test_png_refused_without_a_role(five_w: FiveW, as_user, url: str, persona: str) -> None:  # noqa: ANN001
    assert as_user(getattr(five_w.world, persona)).get(url).status_code == 404
