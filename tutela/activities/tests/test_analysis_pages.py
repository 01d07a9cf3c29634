"""5W analysis pages: pivot (and its exports), presence and coverage maps, gap list."""

from __future__ import annotations

import csv
import io

import hxl
import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tutela.activities.tests.analysis_fixtures import (  # noqa: F401
    JAN,
    FiveW,
    add_planning,
    add_row,
    five_w_fixture,
    hide_names_in,
)
from tutela.core.models import AuditEntry
from tutela.core.tests.hxl_checks import assert_valid_hxl, hxl_dataset

PIVOT = "/o/mali/5w/pivot/"
PAGES = [
    PIVOT,
    "/o/mali/5w/presence/",
    "/o/mali/5w/presence.geojson",
    "/o/mali/5w/presence.png",
    "/o/mali/5w/coverage/",
    "/o/mali/5w/coverage.geojson",
    "/o/mali/5w/coverage.png",
    "/o/mali/5w/gaps/",
    "/o/mali/5w/pivot/?format=csv",
    "/o/mali/5w/gaps/?format=xlsx",
]


# --- Access --------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(five_w: FiveW, client, url: str) -> None:  # noqa: ANN001
    response = client.get(url)
    assert response.status_code == 302
    assert "/login/" in response["Location"] or "next=" in response["Location"]


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("persona", ["outsider", "other_operation_user"])
def test_users_without_a_role_get_404(five_w: FiveW, as_user, url: str, persona: str) -> None:  # noqa: ANN001
    response = as_user(getattr(five_w.world, persona)).get(url)
    assert response.status_code == 404
    assert not AuditEntry.objects.filter(action="export").exists()


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("persona", ["coordinator", "partner", "viewer", "other_partner"])
def test_members_reach_every_page(five_w: FiveW, as_user, url: str, persona: str) -> None:  # noqa: ANN001
    response = as_user(getattr(five_w.world, persona)).get(url)
    assert response.status_code == 200


def test_pages_refuse_writes(five_w: FiveW, as_user) -> None:  # noqa: ANN001
    response = as_user(five_w.world.coordinator).post(PIVOT, {"rows": "admin1"})
    assert response.status_code == 405


# --- Pivot ---------------------------------------------------------------------------------------


def test_pivot_shows_the_table_totals_and_counting_rule(five_w: FiveW, as_user) -> None:  # noqa: ANN001
    response = as_user(five_w.world.partner).get(PIVOT, {"row1": "admin2", "row2": "organisation"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "How people are counted:" in html
    assert "the month with the most people reached is counted once" in html
    assert "Bandiagara" in html
    assert "Djenné" in html
    assert '<th scope="row">Bandiagara</th>' in html
    result = response.context["result"]
    assert result.dims == ["admin2", "organisation"]
    assert result.totals["total"] == 120
    # The partner does not see OTHER's submitted (unvalidated) Ségou row.
    assert [r.labels for r in result.rows] == [
        ["Bandiagara", "AMSS"],
        ["Bandiagara", "DRC"],
        ["Djenné", "OTHER"],
    ]


def test_pivot_defaults_to_region_and_activity(five_w: FiveW, as_user) -> None:  # noqa: ANN001
    response = as_user(five_w.world.coordinator).get(PIVOT)
    assert response.context["result"].dims == ["admin1", "activity"]
    assert 'value="admin1" selected' in response.content.decode()


def test_pivot_by_month_says_months_are_not_added_up(five_w: FiveW, as_user) -> None:  # noqa: ANN001
    response = as_user(five_w.world.coordinator).get(PIVOT, {"rows": "month"})
    html = response.content.decode()
    assert "Monthly figures are not added up across months" in html
    assert [r.codes[0] for r in response.context["result"].rows] == [
        "2026-01",
        "2026-02",
        "2026-03",
    ]


def test_pivot_bad_filter_is_shown_not_fatal(five_w: FiveW, as_user) -> None:  # noqa: ANN001
    response = as_user(five_w.world.coordinator).get(
        PIVOT, {"rows": "admin1,nonsense", "month_from": "2026-13"}
    )
    assert response.status_code == 200
    assert "Unknown dimension" in response.content.decode()


def test_pivot_empty_state_without_data(world, as_user) -> None:  # noqa: ANN001
    from tutela.activities.services.catalogue import catalogue_seed

    catalogue_seed(operation=world.operation)
    html = as_user(world.partner).get(PIVOT).content.decode()
    assert "No 5W data yet" in html


def test_pivot_empty_state_with_filters_matching_nothing(five_w: FiveW, as_user) -> None:  # noqa: ANN001
    html = as_user(five_w.world.coordinator).get(PIVOT, {"population_group": "REF"}).content
    assert "No row matches these filters." in html.decode()


def test_pivot_shows_suppressed_cells_with_an_explanation(five_w: FiveW, as_user) -> None:  # noqa: ANN001
    w = five_w.world
    add_row(w, w.drc, "GBV-CM", five_w.areas["ML0502"], JAN, bands=(3, 0, 4, 0, 0, 0))
    add_row(w, w.drc, "GBV-CM", five_w.areas["ML0501"], JAN, bands=(9, 0, 8, 0, 0, 0))
    html = as_user(w.partner).get(PIVOT, {"rows": "admin2", "activity": "GBV-CM"}).content.decode()
    assert "&lt;5" in html
    assert "counts under 5 are shown as" in html
    coordinator = as_user(w.coordinator).get(PIVOT, {"rows": "admin2", "activity": "GBV-CM"})
    assert "&lt;5" not in coordinator.content.decode()


def test_pivot_query_count_is_bounded(
    five_w: FiveW, as_user, django_assert_max_num_queries
) -> None:  # noqa: ANN001
    client = as_user(five_w.world.partner)
    with django_assert_max_num_queries(30):
        client.get(PIVOT, {"rows": "admin2,activity,organisation"})


def test_pivot_csv_export_has_an_hxl_row_libhxl_reads_and_is_audited(
    five_w: FiveW,
    as_user,  # noqa: ANN001
    tmp_path,  # noqa: ANN001
) -> None:
    response = as_user(five_w.world.partner).get(
        PIVOT, {"rows": "admin2,organisation", "format": "csv"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[1][:3] == ["#adm2+code", "#adm2+name", "#org+reporting+acronym"]
    assert lines[2][:3] == ["ML0501", "Bandiagara", "AMSS"]
    # No totals row in the machine-readable CSV.
    assert len(lines) == 5
    path = tmp_path / "pivot.csv"
    path.write_bytes(response.content)
    options = hxl.InputOptions(allow_local=True, encoding="utf-8-sig")
    dataset = hxl.data(str(path), options).cache()
    assert "#adm2+code" in [str(column) for column in dataset.columns]
    rows = [row for row in dataset if row.get("#adm2+code")]
    assert [row.get("#adm2+code") for row in rows] == ["ML0501", "ML0501", "ML0502"]
    assert [row.get("#reached+total") for row in rows] == ["30", "50", "40"]
    assert_valid_hxl(hxl_dataset(response.content, "csv"), min_rows=3)
    entry = AuditEntry.objects.get(action="export")
    assert entry.actor == five_w.world.partner
    assert entry.operation == five_w.world.operation
    assert "pivot" in entry.summary


def test_pivot_xlsx_export_opens_with_openpyxl(five_w: FiveW, as_user) -> None:  # noqa: ANN001
    response = as_user(five_w.world.coordinator).get(PIVOT, {"rows": "month", "format": "xlsx"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[1][0] == "#date+reported"
    assert [row[0] for row in values[2:]] == [
        "2026-01",
        "2026-02",
        "2026-03",
        "Over the period (counting rule)",
    ]
    total = values[0].index("People reached (total)")
    assert [row[total] for row in values[2:5]] == [50, 87, 20]
    # Over the period the months are not added up (157): highest month per key, 127.
    assert values[-1][total] == 127


# --- Maps ----------------------------------------------------------------------------------------


def test_presence_page_lists_partners_and_links_the_png(five_w: FiveW, as_user) -> None:  # noqa: ANN001
    response = as_user(five_w.world.partner).get("/o/mali/5w/presence/", {"level": 2})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="choropleth"' in html
    assert "/o/mali/5w/presence.geojson?level=2" in html
    assert "/o/mali/5w/presence.png?level=2" in html
    assert "AMSS, DRC" in html
    assert "tutela/choropleth.js" in html
    # Strict CSP: no inline script or style.
    assert "<script>" not in html
    assert "style=" not in html


def test_presence_geojson_joins_values_colours_and_popups(five_w: FiveW, as_user) -> None:  # noqa: ANN001
    w = five_w.world
    hide_names_in(w, five_w.areas["ML0502"])
    response = as_user(w.partner).get("/o/mali/5w/presence.geojson", {"level": 2})
    assert response["Content-Type"] == "application/geo+json"
    data = response.json()
    by_pcode = {f["id"]: f["properties"] for f in data["features"]}
    assert by_pcode["ML0501"]["value"] == 2
    assert by_pcode["ML0501"]["popup"] == [["Partners", "2"], ["Organisations", "AMSS, DRC"]]
    assert by_pcode["ML0502"]["popup"][1] == ["Organisations", "Not shown (insecure area)"]
    assert "OTHER" not in response.content.decode()
    assert by_pcode["ML0501"]["fill"] != by_pcode["ML0502"]["fill"]
    assert data["legend"][0]["label"] == "No partner"


def test_coverage_page_without_planning_figures_says_so(five_w: FiveW, as_user) -> None:  # noqa: ANN001
    client = as_user(five_w.world.coordinator)
    html = client.get("/o/mali/5w/coverage/", {"month_to": "2026-03"}).content.decode()
    assert "No planning figures (people in need, targets) for 2026 yet" in html


def test_coverage_geojson_gives_ratios_and_figures(five_w: FiveW, as_user) -> None:  # noqa: ANN001
    w = five_w.world
    add_planning(w, five_w.areas["ML0501"], pin=400, targeted=100, severity=4)
    response = as_user(w.partner).get("/o/mali/5w/coverage.geojson", {"level": 2})
    props = {f["id"]: f["properties"] for f in response.json()["features"]}
    assert props["ML0501"]["value"] == 20.0
    assert props["ML0501"]["fill"] == "#d7191c"
    popup = dict(props["ML0501"]["popup"])
    assert popup["People reached"] == "80"
    assert popup["People in need"] == "400"
    assert popup["Reached ÷ targeted"] == "80.0 %"
    assert props["ML0502"]["value"] is None
    targeted = as_user(w.partner).get(
        "/o/mali/5w/coverage.geojson", {"level": 2, "ratio": "targeted"}
    )
    assert {f["id"]: f["properties"]["value"] for f in targeted.json()["features"]}["ML0501"] == 80


def test_map_pages_without_boundaries_show_the_table_only(five_w: FiveW, as_user) -> None:  # noqa: ANN001
    from tutela.core.models import AdminArea

    AdminArea.objects.update(geometry=None)
    html = as_user(five_w.world.coordinator).get("/o/mali/5w/presence/").content.decode()
    assert "No boundaries are loaded" in html
    assert "choropleth.js" not in html


# --- Gaps ----------------------------------------------------------------------------------------


def test_gap_page_lists_gaps_with_reasons(five_w: FiveW, as_user) -> None:  # noqa: ANN001
    w = five_w.world
    add_planning(w, five_w.areas["ML0502"], pin=1000, severity=4)
    add_planning(w, five_w.areas["ML0501"], pin=100, severity=4)
    html = as_user(w.viewer).get("/o/mali/5w/gaps/", {"level": 2}).content.decode()
    assert "Djenné" in html
    assert "People reached cover 4.0% of the people in need (below 25%)." in html
    assert "Bandiagara" not in html


def test_gap_page_empty_states(five_w: FiveW, as_user) -> None:  # noqa: ANN001
    client = as_user(five_w.world.viewer)
    assert "No planning figures" in client.get("/o/mali/5w/gaps/").content.decode()
    add_planning(five_w.world, five_w.areas["ML0501"], pin=100, severity=4)
    html = client.get("/o/mali/5w/gaps/", {"level": 2}).content.decode()
    assert "No gap:" in html


def test_gap_export(five_w: FiveW, as_user) -> None:  # noqa: ANN001
    add_planning(five_w.world, five_w.areas["ML0502"], pin=1000, severity=4)
    response = as_user(five_w.world.coordinator).get(
        "/o/mali/5w/gaps/", {"level": 2, "format": "csv"}
    )
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert lines[1][:3] == ["#adm2+code", "#adm2+name", "#severity"]
    assert lines[2][:2] == ["ML0502", "Djenné"]
    assert_valid_hxl(hxl_dataset(response.content, "csv"))
    assert AuditEntry.objects.filter(action="export", summary__contains="gap").count() == 1


def test_pivot_page_does_not_load_area_boundaries(five_w: FiveW, as_user) -> None:  # noqa: ANN001
    # The area filter lists every admin 1-3 area: decoding their boundaries was most of the
    # page's time (bench/bench_load.py).
    client = as_user(five_w.world.coordinator)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(PIVOT)
    assert response.status_code == 200
    assert "Bandiagara (ML0501)" in response.content.decode()
    assert [q["sql"] for q in queries.captured_queries if '"geometry"' in q["sql"]] == []
