"""The web grid: an organisation's rows of a round edited many at a time, saved through the import
engine (all or nothing), with cascading P-code and indicator option lists."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tutela.activities.models import ActivityReport
from tutela.activities.services.rounds import round_close, round_lock
from tutela.activities.tests.reporting_fixtures import (
    fivew_fixture,  # noqa: F401
    line,
    rows_of,
    save_rows,
)
from tutela.core.models import AuditEntry, Delegation
from tutela.core.services.delegations import delegation_grant

pytestmark = pytest.mark.django_db

GRID = "/o/mali/5w/2026-03/rows/"


def posted(*lines: dict[str, str], start: int = 0) -> dict[str, str]:
    """Grid form data: rows-<i>-<field> for each line."""
    data: dict[str, str] = {}
    for offset, values in enumerate(lines):
        for name, value in values.items():
            data[f"rows-{start + offset}-{name}"] = value
    return data


def grid_line(**values: str) -> dict[str, str]:
    """A grid line (no month: the grid adds the round's)."""
    row = line(**values)
    row.pop("month")
    return row


def row_count() -> int:
    return ActivityReport.objects.count()


def test_grid_shows_existing_rows_and_empty_lines(fivew, as_user):
    world = fivew.world
    save_rows(world.partner, world.amss, line(admin3_pcode="ML050102", site="Camp A"))
    response = as_user(world.partner).get(GRID)
    assert response.status_code == 200
    page = response.content.decode()
    # One existing line (key fields shown, not editable) and five empty lines.
    assert page.count('class="grid-line') == 6
    assert 'name="rows-0-id"' in page
    assert '<input type="hidden" name="rows-0-admin3_pcode" value="ML050102">' in page
    assert "Dandoli — ML050102" in page
    # The site is part of the key: shown, not editable (another site is another row).
    assert '<input type="hidden" name="rows-0-site" value="Camp A">' in page
    assert 'id="rows-0-site" value="Camp A"' not in page
    # An empty line has every select of the catalogue.
    assert '<select name="rows-1-activity"' in page
    assert 'value="PRO-PSS"' in page
    assert 'value="ML05">Mopti — ML05<' in page
    assert "tutela/grid.js" in page
    assert "<script>" not in page
    assert 'style="' not in page


def test_grid_cells_escape_what_rows_hold(fivew, as_user):
    """The cells are written in Python (forms/grid_cells.py), not by the template's autoescape:
    what a partner typed comes back escaped, in the input and in the problem shown under it."""
    world = fivew.world
    hostile = 'Camp "A" <script>alert(1)</script>'
    response = as_user(world.partner).post(GRID, posted(grid_line(site=hostile)))
    page = response.content.decode()
    assert row_count() == 0
    assert "<script>alert(1)" not in page
    assert (
        'name="rows-0-site" id="rows-0-site" '
        'value="Camp &quot;A&quot; &lt;script&gt;alert(1)&lt;/script&gt;"'
    ) in page
    assert 'aria-invalid="true" aria-describedby="rows-0-site-problems"' in page


def test_grid_post_creates_rows_through_the_import_engine(fivew, as_user):
    world = fivew.world
    data = posted(
        grid_line(),
        grid_line(
            activity="PRO-LEG",
            indicator="PRO-LEG-01",
            admin2_pcode="ML0502",
            admin3_pcode="ML050201",
            population_group="HST",
            modality="mobile",
            site="Djenné marché",
        ),
        {"status": "ongoing"},  # an untouched empty line
    )
    response = as_user(world.partner).post(GRID, data)
    assert response.status_code == 302
    assert response["Location"] == GRID
    rows = rows_of(world.amss)
    assert len(rows) == 2
    legal = next(r for r in rows if r.activity.code == "PRO-LEG")
    assert legal.area.pcode == "ML050201"
    assert legal.admin1.pcode == "ML05"
    assert legal.modality == "mobile"
    assert legal.site == "Djenné marché"
    assert legal.total == 27
    assert legal.created_by == world.partner
    assert legal.submission.status == "draft"
    entry = AuditEntry.objects.get(entity_type="activities.activityreport")
    assert entry.actor == world.partner
    assert entry.after["source"] == "web"
    assert entry.after["created"] == 2


def test_a_bad_line_saves_nothing_and_shows_the_message_next_to_the_cell(fivew, as_user):
    world = fivew.world
    data = posted(
        grid_line(site="Good line"),
        grid_line(admin2_pcode="ML0502", with_disability="40", site="Bad line"),
    )
    response = as_user(world.partner).post(GRID, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert row_count() == 0
    assert not AuditEntry.objects.filter(entity_type="activities.activityreport").exists()
    assert "Nothing was saved" in page
    # The message sits under the disability cell of line 2, which is marked invalid.
    cell = re.search(
        r'<td class="c-count has-error">.*?name="rows-1-with_disability".*?</td>', page, re.S
    )
    assert cell is not None
    assert 'aria-invalid="true"' in cell.group(0)
    assert "more than the 27 people reached" in cell.group(0)
    # What was typed is kept, selects included.
    assert 'name="rows-0-site" id="rows-0-site" value="Good line"' in page
    assert 'name="rows-1-site" id="rows-1-site" value="Bad line"' in page
    assert '<option value="ML0502" selected>' in page
    assert 'name="rows-1-with_disability" id="rows-1-with_disability" value="40"' in page


def test_problems_come_in_the_users_language(fivew, as_user):
    world = fivew.world
    world.partner.language = "fr"
    world.partner.save()
    data = posted(grid_line(admin2_pcode="ML9999"))
    response = as_user(world.partner).post(GRID, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="fr">' in page
    assert "ML9999" in re.search(r'id="rows-0-admin2_pcode-problems">(.*?)</ul>', page, re.S)[1]
    assert row_count() == 0


def test_grid_updates_existing_rows_by_natural_key(fivew, as_user):
    world = fivew.world
    save_rows(world.partner, world.amss, line())
    row = rows_of(world.amss)[0]
    data = posted({**grid_line(girls="7", total="29"), "id": str(row.pk)})
    response = as_user(world.partner).post(GRID, data)
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.girls, row.total) == (7, 29)
    assert row_count() == 1


def test_key_fields_of_an_existing_row_cannot_be_changed_by_posting(fivew, as_user):
    world = fivew.world
    save_rows(world.partner, world.amss, line())
    row = rows_of(world.amss)[0]
    tampered = {**grid_line(population_group="REF"), "id": str(row.pk)}
    as_user(world.partner).post(GRID, posted(tampered))
    assert [r.population_group.code for r in rows_of(world.amss)] == ["IDP"]


def test_total_is_worked_out_when_only_bands_are_given(fivew, as_user):
    world = fivew.world
    values = grid_line()
    values["total"] = ""
    as_user(world.partner).post(GRID, posted(values))
    assert rows_of(world.amss)[0].total == 27


def test_an_empty_grid_post_saves_nothing(fivew, as_user):
    response = as_user(fivew.world.partner).post(GRID, posted({"status": "ongoing"}))
    assert response.status_code == 302
    assert row_count() == 0


def test_partner_cannot_open_another_organisations_grid(fivew, as_user):
    world = fivew.world
    save_rows(world.other_partner, world.other_org, line())
    client = as_user(world.partner)
    assert client.get(GRID + "?org=OTHER").status_code == 404
    assert client.post(GRID + "?org=OTHER", posted(grid_line())).status_code == 404
    assert client.get("/o/mali/5w/2026-03/rows/lines/?org=OTHER").status_code == 404
    assert row_count() == 1


def test_manager_edits_an_organisations_grid_only_under_its_delegation(fivew, as_user):
    """OTHER reports through its own members: the IMO sees its grid, and edits it only once
    OTHER has authorised the operation's managers to report its 5W."""
    world = fivew.world
    save_rows(world.other_partner, world.other_org, line())
    client = as_user(world.imo)
    page = client.get(GRID + "?org=OTHER").content.decode()
    assert "5W rows March 2026 — OTHER" in page
    refused = client.post(GRID + "?org=OTHER", posted(grid_line(population_group="RET")))
    assert refused.status_code == 403
    assert [r.population_group.code for r in rows_of(world.other_org)] == ["IDP"]
    delegation_grant(
        by=world.other_partner,
        operation=world.operation,
        organisation=world.other_org,
        scope=Delegation.Scope.ACTIVITIES,
    )
    response = client.post(GRID + "?org=OTHER", posted(grid_line(population_group="RET")))
    assert response.status_code == 302
    assert response["Location"] == GRID + "?org=OTHER"
    assert sorted(r.population_group.code for r in rows_of(world.other_org)) == ["IDP", "RET"]


@pytest.mark.parametrize("persona", ["outsider", "other_operation_user"])
def test_outsiders_get_404(fivew, as_user, persona):
    client = as_user(getattr(fivew.world, persona))
    assert client.get(GRID).status_code == 404
    assert client.get(GRID + "?org=AMSS").status_code == 404
    assert client.get("/o/mali/5w/options/areas/?parent=ML05").status_code == 404


def test_viewer_without_organisation_has_no_grid(fivew, as_user):
    assert as_user(fivew.world.viewer).get(GRID).status_code == 404


def test_closed_round_is_read_only_for_partners_not_for_the_imo(fivew, as_user):
    world = fivew.world
    save_rows(world.partner, world.amss, line())
    round_close(by=world.imo, round=fivew.round)
    client = as_user(world.partner)
    page = client.get(GRID).content.decode()
    assert "This round is closed" in page
    assert 'id="grid-form"' in page
    assert '<select name="rows-' not in page
    assert 'name="rows-0-girls"' not in page
    assert client.post(GRID, posted(grid_line(girls="9", total="31"))).status_code == 403
    assert rows_of(world.amss)[0].girls == 5
    delegation_grant(
        by=world.partner,
        operation=world.operation,
        organisation=world.amss,
        scope=Delegation.Scope.ACTIVITIES,
    )
    imo = as_user(world.imo)
    response = imo.post(GRID + "?org=AMSS", posted(grid_line(girls="9", total="31")))
    assert response.status_code == 302
    assert rows_of(world.amss)[0].girls == 9


def test_locked_round_is_read_only_for_everyone(fivew, as_user):
    world = fivew.world
    save_rows(world.partner, world.amss, line())
    round_lock(by=world.imo, round=fivew.round)
    imo = as_user(world.imo)
    assert "This round is locked" in imo.get(GRID + "?org=AMSS").content.decode()
    assert imo.post(GRID + "?org=AMSS", posted(grid_line(girls="1"))).status_code == 403
    assert rows_of(world.amss)[0].girls == 5


def test_delete_a_row_after_confirming(fivew, as_user):
    world = fivew.world
    save_rows(world.partner, world.amss, line(), line(population_group="HST"))
    row = rows_of(world.amss)[0]
    client = as_user(world.partner)
    url = reverse("activities:row_delete", args=["mali", "2026-03", row.pk])
    assert f'href="{url}"' in client.get(GRID).content.decode()  # the grid's own link
    page = client.get(url).content.decode()
    assert "Delete this row of AMSS for March 2026?" in page
    assert row_count() == 2
    response = client.post(url)
    assert response.status_code == 302
    assert row_count() == 1
    entry = AuditEntry.objects.get(entity_type="activities.activityreport", action="delete")
    assert entry.entity_id == str(row.pk)
    assert entry.actor == world.partner


def test_partner_cannot_delete_another_organisations_row(fivew, as_user):
    world = fivew.world
    save_rows(world.other_partner, world.other_org, line())
    row = rows_of(world.other_org)[0]
    client = as_user(world.partner)
    assert client.post(f"/o/mali/5w/2026-03/rows/{row.pk}/delete/").status_code == 404
    assert client.post(f"/o/mali/5w/2026-03/rows/{row.pk}/delete/?org=OTHER").status_code == 404
    assert row_count() == 1


def test_area_options_cascade_within_the_operation(fivew, as_user):
    client = as_user(fivew.world.partner)
    page = client.get(
        "/o/mali/5w/options/areas/",
        {"rows-3-admin1_pcode": "ML05"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TRIGGER_NAME="rows-3-admin1_pcode",
    ).content.decode()
    assert '<option value="ML0501">Bandiagara — ML0501</option>' in page
    assert '<option value="ML0502">Djenné — ML0502</option>' in page
    assert "ML04" not in page
    communes = client.get("/o/mali/5w/options/areas/", {"parent": "ML0501"}).content.decode()
    assert "ML050101" in communes
    assert "ML050102" in communes
    assert "ML050201" not in communes
    # Colombia is not one of the operation's countries.
    assert (
        'option value="CO'
        not in client.get("/o/mali/5w/options/areas/", {"parent": "CO"}).content.decode()
    )
    empty = client.get("/o/mali/5w/options/areas/").content.decode()
    assert empty.count("<option") == 1


def test_indicator_options_follow_the_activity(fivew, as_user):
    client = as_user(fivew.world.partner)
    page = client.get(
        "/o/mali/5w/options/indicators/",
        {"rows-0-activity": "PRO-LEG"},
        HTTP_HX_TRIGGER_NAME="rows-0-activity",
    ).content.decode()
    assert 'value="PRO-LEG-01"' in page
    assert 'value="PRO-LEG-02"' in page
    assert "PRO-PSS" not in page


def test_more_lines_come_numbered_after_the_last(fivew, as_user):
    client = as_user(fivew.world.partner)
    page = client.get("/o/mali/5w/2026-03/rows/lines/", {"start": "5"}).content.decode()
    assert page.count('class="grid-line') == 10
    assert 'name="rows-5-activity"' in page
    assert 'name="rows-14-activity"' in page
    assert 'name="rows-15-activity"' not in page
    one = client.get("/o/mali/5w/2026-03/rows/lines/", {"start": "20", "count": "1"})
    assert one.content.decode().count('class="grid-line') == 1


def test_no_new_lines_in_a_closed_round_for_partners(fivew, as_user):
    round_close(by=fivew.world.imo, round=fivew.round)
    client = as_user(fivew.world.partner)
    assert client.get("/o/mali/5w/2026-03/rows/lines/").status_code == 403


def test_grid_query_count_does_not_grow_with_rows(fivew, as_user, django_assert_max_num_queries):
    world = fivew.world
    groups = ["IDP", "REF", "HST", "RET", "ASY", "STA", "OOC"]
    save_rows(world.partner, world.amss, *[line(population_group=g) for g in groups])
    client = as_user(world.partner)
    client.get(GRID)
    with django_assert_max_num_queries(30):
        response = client.get(GRID)
    assert response.content.decode().count('class="grid-line') == 12


def test_grid_does_not_load_area_boundaries(fivew, as_user):
    # Decoding every row's area boundaries was a good part of the grid's time (bench_load.py).
    world = fivew.world
    save_rows(world.partner, world.amss, line(), line(population_group="REF"))
    client = as_user(world.partner)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(GRID)
    assert response.status_code == 200
    assert response.content.decode().count('class="grid-line') >= 2
    assert [q["sql"] for q in queries.captured_queries if '"geometry"' in q["sql"]] == []


def test_a_row_numbered_past_a_thousand_is_posted_back_as_itself(fivew, as_user):
    """The line's hidden row id is written without the language's thousands separator: "41,631"
    (English) or "41 631" (French) came back as no id, so the stored row was not found by id."""
    world = fivew.world
    save_rows(world.partner, world.amss, line())
    ActivityReport.objects.filter(pk=rows_of(world.amss)[0].pk).update(id=41631)
    for language in ("en", "fr"):
        page = as_user(world.partner).get(GRID, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert 'name="rows-0-id" value="41631"' in page
    data = posted({**grid_line(girls="9", total="31"), "id": "41631"})
    assert as_user(world.partner).post(GRID, data).status_code == 302
    row = ActivityReport.objects.get()
    assert (row.pk, row.girls, row.total) == (41631, 9, 31)
