"""API: operations, admin areas (list, GeoJSON, name lookup) and access to every endpoint."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from tutela.conftest import World, api_key_for
from tutela.core.models import AdminArea, Operation, OperationRole, User
from tutela.core.models.roles import Role

ApiFor = Callable[[User | None], APIClient]


@pytest.fixture
def api() -> ApiFor:
    def make(user: User | None = None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Token {api_key_for(user)}")
        return client

    return make


# Every read endpoint of an operation; "{body}", "{membership}", "{contact}" are filled in.
OPERATION_READS = [
    "/api/v1/operations/mali/",
    "/api/v1/operations/mali/areas/",
    "/api/v1/operations/mali/areas/?format=geojson",
    "/api/v1/operations/mali/areas.geojson",
    "/api/v1/operations/mali/areas/lookup/?name=Segou",
    "/api/v1/operations/mali/organisations/",
    "/api/v1/operations/mali/organisations/AMSS/",
    "/api/v1/operations/mali/bodies/",
    "/api/v1/operations/mali/bodies/{body}/",
    "/api/v1/operations/mali/bodies/{body}/memberships/",
    "/api/v1/operations/mali/memberships/{membership}/",
    "/api/v1/operations/mali/contacts/",
    "/api/v1/operations/mali/contacts/{contact}/",
    "/api/v1/operations/mali/audit/",
]
OPERATION_WRITES = [
    ("post", "/api/v1/operations/mali/organisations/"),
    ("patch", "/api/v1/operations/mali/organisations/AMSS/"),
    ("post", "/api/v1/operations/mali/bodies/"),
    ("patch", "/api/v1/operations/mali/bodies/{body}/"),
    ("post", "/api/v1/operations/mali/bodies/{body}/memberships/"),
    ("patch", "/api/v1/operations/mali/memberships/{membership}/"),
    ("post", "/api/v1/operations/mali/contacts/"),
    ("patch", "/api/v1/operations/mali/contacts/{contact}/"),
]


def fill(url: str, world: World) -> str:
    from tutela.core.models import Contact

    contact = Contact.objects.filter(operation=world.operation).first() or Contact.objects.create(
        operation=world.operation, organisation=world.amss, name="Aminata Traoré"
    )
    membership = world.cluster.memberships.first()
    assert membership is not None
    return url.format(body=world.cluster.pk, membership=membership.pk, contact=contact.pk)


@pytest.mark.parametrize("url", ["/api/v1/me/", "/api/v1/operations/", *OPERATION_READS])
def test_anonymous_is_refused_everywhere(world: World, url: str) -> None:
    response = APIClient().get(fill(url, world))

    assert response.status_code == 401


@pytest.mark.parametrize(("method", "url"), OPERATION_WRITES)
def test_anonymous_cannot_write(world: World, method: str, url: str) -> None:
    response = getattr(APIClient(), method)(fill(url, world), {}, format="json")

    assert response.status_code == 401


@pytest.mark.parametrize("persona", ["outsider", "other_operation_user"])
@pytest.mark.parametrize("url", OPERATION_READS)
def test_users_without_role_get_404(world: World, api: ApiFor, persona: str, url: str) -> None:
    response = api(getattr(world, persona)).get(fill(url, world))

    assert response.status_code == 404


@pytest.mark.parametrize("persona", ["outsider", "other_operation_user"])
@pytest.mark.parametrize(("method", "url"), OPERATION_WRITES)
def test_users_without_role_cannot_write(
    world: World, api: ApiFor, persona: str, method: str, url: str
) -> None:
    client = api(getattr(world, persona))

    response = getattr(client, method)(fill(url, world), {"name": "X"}, format="json")

    assert response.status_code == 404


def test_unknown_operation_is_404_even_for_superuser(world: World, api: ApiFor) -> None:
    admin = User.objects.create_superuser("root@tutela.test", "x", full_name="Root")

    assert api(admin).get("/api/v1/operations/nowhere/").status_code == 404
    assert api(admin).get("/api/v1/operations/mali/").status_code == 200


# --- Operations ----------------------------------------------------------------------------------


def test_operation_list_shows_only_the_callers_operations(world: World, api: ApiFor) -> None:
    data = api(world.partner).get("/api/v1/operations/").json()

    assert data["count"] == 1
    assert data["results"][0]["slug"] == "mali"
    assert data["results"][0]["roles"] == ["partner"]
    assert data["results"][0]["countries"] == ["ML"]

    other = api(world.other_operation_user).get("/api/v1/operations/").json()
    assert [op["slug"] for op in other["results"]] == ["colombia"]


def test_operation_list_of_outsider_is_empty(world: World, api: ApiFor) -> None:
    data = api(world.outsider).get("/api/v1/operations/").json()

    assert data == {"count": 0, "next": None, "previous": None, "results": []}


def test_regional_role_reads_national_operations(world: World, api: ApiFor) -> None:
    region = Operation.objects.create(slug="sahel", name="Sahel regional platform")
    world.operation.parent = region
    world.operation.save()
    regional = User.objects.create_user("regional@unhcr.test", "x", full_name="Reg")
    OperationRole.objects.create(user=regional, operation=region, role=Role.COORDINATOR)

    data = api(regional).get("/api/v1/operations/?ordering=slug").json()

    assert [(op["slug"], op["roles"]) for op in data["results"]] == [
        ("mali", ["viewer"]),
        ("sahel", ["coordinator"]),
    ]
    filtered = api(regional).get("/api/v1/operations/?parent=sahel").json()
    assert [op["slug"] for op in filtered["results"]] == ["mali"]
    # An inherited role reads; it does not manage.
    assert api(regional).get("/api/v1/operations/mali/audit/").status_code == 403


def test_operation_detail(world: World, api: ApiFor) -> None:
    data = api(world.imo).get("/api/v1/operations/mali/").json()

    assert data["slug"] == "mali"
    assert data["admin_level_labels"] == {"1": "Région", "2": "Cercle", "3": "Commune"}
    assert data["roles"] == ["imo"]
    assert data["parent"] is None


def test_operation_search(world: World, api: ApiFor) -> None:
    admin = User.objects.create_superuser("root@tutela.test", "x", full_name="Root")

    data = api(admin).get("/api/v1/operations/?search=colom").json()

    assert [op["slug"] for op in data["results"]] == ["colombia"]


# --- Admin areas ---------------------------------------------------------------------------------


def test_areas_of_the_operations_countries_only(world: World, api: ApiFor) -> None:
    data = api(world.partner).get("/api/v1/operations/mali/areas/").json()

    assert data["count"] == 5
    assert data["results"][0] == {"pcode": "ML", "name": "Mali", "level": 0, "parent_pcode": None}
    assert {"pcode": "ML0501", "name": "Bandiagara", "level": 2, "parent_pcode": "ML05"} in data[
        "results"
    ]
    assert "CO" not in [area["pcode"] for area in data["results"]]


def test_area_filters(world: World, api: ApiFor) -> None:
    client = api(world.partner)

    def pcodes(query: str) -> list[str]:
        return [
            a["pcode"]
            for a in client.get(f"/api/v1/operations/mali/areas/?{query}").json()["results"]
        ]

    assert pcodes("level=1") == ["ML04", "ML05"]
    assert pcodes("parent=ML05") == ["ML0501", "ML0502"]
    assert pcodes("parent=ml") == ["ML04", "ML05", "ML0501", "ML0502"]
    assert pcodes("parent=ML&level=2") == ["ML0501", "ML0502"]
    assert pcodes("q=segou") == ["ML04"]
    assert pcodes("q=DJENNE") == ["ML0502"]
    assert pcodes("level=2&ordering=-name") == ["ML0502", "ML0501"]


def test_area_filter_rejects_bad_level(world: World, api: ApiFor) -> None:
    response = api(world.partner).get("/api/v1/operations/mali/areas/?level=abc")

    assert response.status_code == 400


@pytest.mark.parametrize(
    "url",
    ["/api/v1/operations/mali/areas/?format=geojson&", "/api/v1/operations/mali/areas.geojson?"],
)
def test_areas_as_geojson(world: World, api: ApiFor, url: str) -> None:
    response = api(world.partner).get(url + "level=2")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/geo+json")
    data = response.json()
    assert data["type"] == "FeatureCollection"
    assert [f["id"] for f in data["features"]] == ["ML0501", "ML0502"]
    feature = data["features"][0]
    assert feature["type"] == "Feature"
    assert feature["geometry"]["type"] == "Polygon"
    assert feature["properties"]["name"] == "Bandiagara"
    assert feature["properties"]["parent_pcode"] == "ML05"


def test_geojson_leaves_out_areas_without_boundary(
    world: World, api: ApiFor, areas: dict[str, AdminArea]
) -> None:
    AdminArea.objects.filter(pcode="ML0502").update(geometry=None)

    data = api(world.partner).get("/api/v1/operations/mali/areas.geojson?level=2").json()

    assert [f["id"] for f in data["features"]] == ["ML0501"]


def test_area_lookup_exact_match_ignores_accents(world: World, api: ApiFor) -> None:
    response = api(world.partner).get("/api/v1/operations/mali/areas/lookup/?name=Segou&level=1")

    assert response.status_code == 200
    assert response.json() == {
        "name": "Segou",
        "matches": [
            {
                "pcode": "ML04",
                "name": "Ségou",
                "level": 1,
                "parent_pcode": "ML",
                "score": 100.0,
                "exact": True,
            }
        ],
    }


def test_area_lookup_fuzzy_match_is_not_exact(world: World, api: ApiFor) -> None:
    data = (
        api(world.partner)
        .get("/api/v1/operations/mali/areas/lookup/?name=Bandiagra&parent=ML05")
        .json()
    )

    assert data["matches"][0]["pcode"] == "ML0501"
    assert data["matches"][0]["exact"] is False
    assert data["matches"][0]["score"] < 100


def test_area_lookup_stays_in_the_operations_countries(world: World, api: ApiFor) -> None:
    data = api(world.partner).get("/api/v1/operations/mali/areas/lookup/?name=Colombia").json()

    assert data["matches"] == []


def test_area_lookup_needs_a_name(world: World, api: ApiFor) -> None:
    response = api(world.partner).get("/api/v1/operations/mali/areas/lookup/?level=9")

    assert response.status_code == 400
    assert set(response.json()) == {"name", "level"}
