"""Operations: creating them (server administrators, command line) and changing their settings."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.http import Http404

from tutela.conftest import make_area, make_user
from tutela.core.models import AuditEntry, Body, Operation, OperationRole
from tutela.core.models.roles import Role
from tutela.core.services.operations import operation_create, operation_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(db):
    return make_user("admin@tutela.test", "Server Admin", None, is_superuser=True, is_staff=True)


def create_kwargs(areas, **overrides):
    kwargs = {
        "slug": "burkina",
        "name": "Burkina Faso Protection Cluster",
        "countries": [areas["ML"]],
        "languages": ["fr", "en"],
        "default_language": "fr",
    }
    kwargs.update(overrides)
    return kwargs


# --- operation_create ---------------------------------------------------------------------------


def test_server_administrator_creates_an_operation_with_its_coordinator(world, areas, admin):
    operation = operation_create(
        by=admin,
        **create_kwargs(
            areas,
            countries=[areas["ML"], areas["CO"]],
            admin_level_labels={1: " Région ", "2": "Cercle", "3": ""},
            parent=world.other_operation,
            disclosure_threshold=10,
            require_2fa_roles=["coordinator", "caseworker"],
            coordinator=world.partner,
        ),
    )

    operation.refresh_from_db()
    assert operation.name == "Burkina Faso Protection Cluster"
    assert operation.parent == world.other_operation
    assert sorted(operation.countries.values_list("pcode", flat=True)) == ["CO", "ML"]
    assert operation.admin_level_labels == {"1": "Région", "2": "Cercle"}
    assert operation.disclosure_threshold == 10
    assert operation.require_2fa_roles == ["coordinator", "caseworker"]
    assert OperationRole.objects.filter(
        user=world.partner, operation=operation, role=Role.COORDINATOR
    ).exists()
    created = AuditEntry.objects.get(entity_type="core.operation", entity_id=str(operation.pk))
    assert created.action == AuditEntry.Action.CREATE
    assert created.actor == admin
    assert created.operation == operation
    assert created.after["slug"] == "burkina"
    assert created.after["countries"] == sorted([areas["ML"].pk, areas["CO"].pk])
    role_entry = AuditEntry.objects.get(entity_type="core.operationrole")
    assert role_entry.action == AuditEntry.Action.CREATE
    assert role_entry.operation == operation
    assert role_entry.after["role"] == "coordinator"
    assert role_entry.after["user_id"] == world.partner.pk


def test_command_line_creates_an_operation_without_an_actor(world, areas):
    operation = operation_create(by=None, **create_kwargs(areas))

    entry = AuditEntry.objects.get(entity_type="core.operation", entity_id=str(operation.pk))
    assert entry.actor is None
    assert entry.actor_label == ""
    assert not OperationRole.objects.filter(operation=operation).exists()


@pytest.mark.parametrize(
    ("language", "name"), [("fr", "Cluster Protection"), ("es", "Clúster de Protección")]
)
def test_a_new_operation_has_its_national_cluster_named_in_its_language(
    world, areas, admin, language, name
):
    operation = operation_create(
        by=admin,
        **create_kwargs(areas, languages=[language, "en"], default_language=language),
    )

    (body,) = Body.objects.filter(operation=operation)
    assert (body.kind, body.code, body.name) == (Body.Kind.CLUSTER, "PRO", name)
    entry = AuditEntry.objects.get(entity_type="core.body", entity_id=str(body.pk))
    assert entry.action == AuditEntry.Action.CREATE
    assert entry.actor == admin


@pytest.mark.parametrize("persona", ["coordinator", "imo", "outsider"])
def test_only_server_administrators_create_operations(world, areas, persona):
    with pytest.raises(PermissionDenied):
        operation_create(by=getattr(world, persona), **create_kwargs(areas))

    assert not Operation.objects.filter(slug="burkina").exists()
    assert not AuditEntry.objects.filter(entity_type="core.operation").exists()


def test_create_reports_every_problem_and_creates_nothing(world, areas, admin):
    with pytest.raises(ValidationError) as info:
        operation_create(
            by=admin,
            **create_kwargs(
                areas,
                slug="mali",
                name=" ",
                countries=[areas["ML05"]],
                languages=["fr"],
                default_language="es",
                admin_level_labels={"7": "Quartier"},
                disclosure_threshold=1,
                require_2fa_roles=["king"],
            ),
        )

    errors = info.value.message_dict
    assert "slug" in errors  # "mali" is taken
    assert "name" in errors
    assert errors["countries"] == ["Not a country (admin level 0): ML05."]
    assert errors["default_language"] == [
        "The default language must be one of the operation's languages."
    ]
    assert errors["admin_level_labels"] == ["“7” is not an admin level: use 0 (country) to 5."]
    assert errors["disclosure_threshold"] == ["Ensure this value is greater than or equal to 2."]
    assert errors["require_2fa_roles"] == ["Unknown role(s): king"]
    assert Operation.objects.count() == 2
    assert not AuditEntry.objects.exists()


def test_create_needs_a_country_and_a_language(world, admin):
    with pytest.raises(ValidationError) as info:
        operation_create(
            by=admin, slug="x", name="X", countries=[], languages=[], default_language="en"
        )

    assert info.value.message_dict["countries"] == ["Choose at least one country."]
    assert info.value.message_dict["languages"] == ["Choose at least one language."]


def test_deactivated_coordinator_is_refused(world, areas, admin):
    world.partner.is_active = False
    world.partner.save()

    with pytest.raises(ValidationError) as info:
        operation_create(by=admin, **create_kwargs(areas, coordinator=world.partner))

    assert "coordinator" in info.value.message_dict
    assert not Operation.objects.filter(slug="burkina").exists()


# --- operation_update ---------------------------------------------------------------------------


def test_manager_changes_the_settings_and_the_audit_log_shows_before_and_after(world):
    operation = operation_update(
        by=world.imo,
        operation=world.operation,
        name="  Cluster Protection Mali 2026 ",
        languages=["fr", "en", "es"],
        default_language="en",
        admin_level_labels={"1": "Région", "2": "Cercle", "3": "Commune", "4": "Village"},
        disclosure_threshold=10,
        require_2fa_roles=["caseworker"],
    )

    operation.refresh_from_db()
    assert operation.name == "Cluster Protection Mali 2026"
    assert operation.languages == ["fr", "en", "es"]
    assert operation.default_language == "en"
    assert operation.admin_level_labels["4"] == "Village"
    assert operation.disclosure_threshold == 10
    assert operation.require_2fa_roles == ["caseworker"]
    entry = AuditEntry.objects.get(entity_type="core.operation", entity_id=str(operation.pk))
    assert entry.action == AuditEntry.Action.UPDATE
    assert entry.actor == world.imo
    assert entry.operation == world.operation
    assert entry.before["disclosure_threshold"] == 5
    assert entry.after["disclosure_threshold"] == 10
    assert entry.before["require_2fa_roles"] == []
    assert entry.after["require_2fa_roles"] == ["caseworker"]
    assert entry.before["name"] == "Mali Protection Cluster 2026"
    # Unchanged values are not repeated in the log.
    assert "slug" not in entry.after


def test_saving_unchanged_settings_writes_no_audit_entry(world):
    operation_update(by=world.coordinator, operation=world.operation, name=world.operation.name)

    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("persona", ["partner", "caseworker", "viewer", "other_partner"])
def test_members_who_do_not_manage_cannot_change_settings(world, persona):
    with pytest.raises(PermissionDenied):
        operation_update(
            by=getattr(world, persona), operation=world.operation, disclosure_threshold=2
        )

    world.operation.refresh_from_db()
    assert world.operation.disclosure_threshold == 5
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("persona", ["outsider", "other_operation_user"])
def test_users_without_a_role_in_the_operation_get_not_found(world, persona):
    with pytest.raises(Http404):
        operation_update(by=getattr(world, persona), operation=world.operation, name="Hacked")

    world.operation.refresh_from_db()
    assert world.operation.name == "Mali Protection Cluster 2026"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"languages": ["en"]},
            "default_language",
            "The default language must be one of the operation's languages.",
        ),
        (
            {"disclosure_threshold": 51},
            "disclosure_threshold",
            "Ensure this value is less than or equal to 50.",
        ),
        (
            {"disclosure_threshold": 1},
            "disclosure_threshold",
            "Ensure this value is greater than or equal to 2.",
        ),
        (
            {"require_2fa_roles": ["partner", "admin"]},
            "require_2fa_roles",
            "Unknown role(s): admin",
        ),
        ({"languages": ["fr", "de"]}, "languages", "Unknown language code(s): de"),
        ({"languages": []}, "languages", "Choose at least one language."),
        (
            {"admin_level_labels": {"6": "Îlot"}},
            "admin_level_labels",
            "“6” is not an admin level: use 0 (country) to 5.",
        ),
        (
            {"admin_level_labels": {"1": "x" * 61}},
            "admin_level_labels",
            "The label of admin level 1 is longer than 60 characters.",
        ),
    ],
)
def test_invalid_settings_are_refused_with_a_clear_message(world, fields, field, message):
    with pytest.raises(ValidationError) as info:
        operation_update(by=world.coordinator, operation=world.operation, **fields)

    assert info.value.message_dict[field] == [message]
    world.operation.refresh_from_db()
    assert world.operation.languages == ["fr", "en"]
    assert world.operation.disclosure_threshold == 5
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    "fields",
    [
        {"slug": "mali-2"},
        {"parent": "other"},
        {"countries": ["CO"]},
    ],
)
def test_managers_cannot_move_the_operation(world, areas, fields):
    if fields.get("parent") == "other":
        fields = {"parent": world.other_operation}
    if "countries" in fields:
        fields = {"countries": [areas["CO"]]}

    with pytest.raises(PermissionDenied):
        operation_update(by=world.coordinator, operation=world.operation, **fields)

    world.operation.refresh_from_db()
    assert world.operation.slug == "mali"
    assert world.operation.parent is None
    assert list(world.operation.countries.values_list("pcode", flat=True)) == ["ML"]


def test_managers_may_send_back_the_current_placement(world, areas):
    operation_update(
        by=world.coordinator,
        operation=world.operation,
        slug="mali",
        parent=None,
        countries=[areas["ML"]],
        disclosure_threshold=7,
    )

    world.operation.refresh_from_db()
    assert world.operation.disclosure_threshold == 7


def test_server_administrator_moves_the_operation(world, areas, admin):
    operation_update(
        by=admin,
        operation=world.operation,
        slug="mali-2026",
        parent=world.other_operation,
        countries=[areas["ML"], areas["CO"]],
    )

    world.operation.refresh_from_db()
    assert world.operation.slug == "mali-2026"
    assert world.operation.parent == world.other_operation
    entry = AuditEntry.objects.get(entity_type="core.operation")
    before = {key: value for key, value in entry.before.items() if key != "updated_at"}
    assert before == {"slug": "mali", "parent_id": None, "countries": [areas["ML"].pk]}
    assert entry.after["countries"] == sorted([areas["ML"].pk, areas["CO"].pk])


def test_an_operation_cannot_become_its_own_ancestor(world, admin):
    world.other_operation.parent = world.operation
    world.other_operation.save()

    with pytest.raises(ValidationError) as info:
        operation_update(by=admin, operation=world.operation, parent=world.other_operation)

    assert info.value.message_dict["parent"] == ["An operation cannot be its own ancestor."]


# --- tutela create_operation --------------------------------------------------------------------


def run(*args):
    out = io.StringIO()
    call_command("create_operation", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_command_creates_an_operation_with_countries_labels_and_coordinator(world, areas):
    make_area("BF", "Burkina Faso", 0, None)

    output = run(
        "--slug",
        "sahel",
        "--name",
        "Sahel Regional Protection Platform",
        "--country",
        "ml",
        "--country",
        "BF",
        "--languages",
        "fr,en",
        "--labels",
        "1=Région, 2=Cercle,3=Commune",
        "--coordinator",
        "COORD@unhcr.test",
        "--require-2fa",
        "coordinator,imo",
    )

    operation = Operation.objects.get(slug="sahel")
    assert operation.name == "Sahel Regional Protection Platform"
    assert sorted(operation.countries.values_list("pcode", flat=True)) == ["BF", "ML"]
    assert operation.languages == ["fr", "en"]
    assert operation.default_language == "fr"
    assert operation.admin_level_labels == {"1": "Région", "2": "Cercle", "3": "Commune"}
    assert operation.require_2fa_roles == ["coordinator", "imo"]
    assert OperationRole.objects.filter(
        user=world.coordinator, operation=operation, role=Role.COORDINATOR
    ).exists()
    assert AuditEntry.objects.filter(entity_type="core.operation", actor=None).count() == 1
    assert AuditEntry.objects.filter(entity_type="core.operationrole").count() == 1
    assert "Created operation “Sahel Regional Protection Platform” (sahel)" in output
    assert "ML Mali, BF Burkina Faso" in output
    assert "coordinator: coord@unhcr.test" in output


def test_command_nests_an_operation_under_its_parent(world):
    run("--slug", "gao", "--name", "Gao", "--country", "ML", "--parent", "mali")

    operation = Operation.objects.get(slug="gao")
    assert operation.parent == world.operation
    assert operation.languages == ["en"]
    assert operation.default_language == "en"


def test_command_accepts_the_iso3_code_of_a_bundled_country(world):
    run("--slug", "mali-2", "--name", "Mali 2", "--country", "MLI", "--default-language", "fr")

    operation = Operation.objects.get(slug="mali-2")
    assert list(operation.countries.values_list("pcode", flat=True)) == ["ML"]
    assert operation.languages == ["fr"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--country", "BF"], "Unknown country P-code “BF”"),
        (["--country", "AF"], "tutela load_geo --country AFG"),
        (["--country", "ML05"], "not a country"),
        (["--country", "ML", "--parent", "nowhere"], "Unknown parent operation “nowhere”"),
        (
            ["--country", "ML", "--coordinator", "ghost@nowhere.test"],
            "No account with the e-mail address “ghost@nowhere.test”",
        ),
        (["--country", "ML", "--labels", "Région"], "is not LEVEL=LABEL"),
        (
            ["--country", "ML", "--languages", "en", "--default-language", "fr"],
            "default_language: The default language must be one of the operation's languages.",
        ),
        (
            ["--country", "ML", "--disclosure-threshold", "99"],
            "disclosure_threshold: Ensure this value is less than or equal to 50.",
        ),
    ],
)
def test_command_errors_are_clear_and_create_nothing(world, args, message):
    with pytest.raises(CommandError) as info:
        run("--slug", "new-op", "--name", "New operation", *args)

    assert message in str(info.value)
    assert not Operation.objects.filter(slug="new-op").exists()
    assert not AuditEntry.objects.exists()


def test_unknown_mali_pcode_suggests_loading_the_bundled_gazetteer(db):
    with pytest.raises(CommandError) as info:
        run("--slug", "mali", "--name", "Mali", "--country", "ML")

    assert "tutela load_geo --country MLI" in str(info.value)


def test_command_exits_non_zero_on_error(world):
    # A CommandError is what Django's command runner turns into a message on stderr and exit
    # status 1. (Running it through ManagementUtility here would close the test's database
    # connection, which PostgreSQL runs of the suite cannot survive.)
    with pytest.raises(CommandError, match="Unknown country P-code “ZZ”") as info:
        call_command("create_operation", "--slug", "x", "--name", "X", "--country", "ZZ")

    assert info.value.returncode == 1
    assert not Operation.objects.filter(slug="x").exists()
