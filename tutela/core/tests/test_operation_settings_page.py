"""The operation settings page (/o/<slug>/settings/) and its place in the menu."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tutela.core.models import AuditEntry

pytestmark = pytest.mark.django_db

SETTINGS = reverse("core:operation_settings", args=["mali"])


def settings_post(**overrides):
    data = {
        "name": "Mali Protection Cluster 2026",
        "languages": ["fr", "en"],
        "default_language": "fr",
        "label_0": "Pays",
        "label_1": "Région",
        "label_2": "Cercle",
        "label_3": "Commune",
        "disclosure_threshold": "5",
        "require_2fa_roles": [],
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("persona", ["coordinator", "imo"])
def test_settings_page_renders_for_managers(world, as_user, persona):
    response = as_user(getattr(world, persona)).get(SETTINGS)

    assert response.status_code == 200
    content = response.content.decode()
    assert "Operation settings" in content
    assert 'value="Mali Protection Cluster 2026"' in content
    # Checkboxes are labelled and grouped, the threshold explains what it does.
    assert '<label for="id_languages_0">' in content
    assert "<legend>Roles that must use two-factor authentication:</legend>" in content
    assert 'value="Cercle"' in content
    assert "Small numbers can identify people" in content
    assert 'aria-describedby="id_disclosure_threshold_helptext"' in content
    assert "Mali (ML)" in content
    # The menu marks the page.
    assert 'aria-current="page">Settings</a>' in content


@pytest.mark.parametrize("persona", ["partner", "caseworker", "other_partner", "viewer"])
def test_settings_page_is_forbidden_to_members_who_do_not_manage(world, as_user, persona):
    client = as_user(getattr(world, persona))

    assert client.get(SETTINGS).status_code == 403
    response = client.post(SETTINGS, settings_post(disclosure_threshold="2"))

    assert response.status_code == 403
    world.operation.refresh_from_db()
    assert world.operation.disclosure_threshold == 5
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("persona", ["outsider", "other_operation_user"])
def test_settings_page_is_not_found_outside_the_operation(world, as_user, persona):
    client = as_user(getattr(world, persona))

    assert client.get(SETTINGS).status_code == 404
    assert client.post(SETTINGS, settings_post(name="Hacked")).status_code == 404
    world.operation.refresh_from_db()
    assert world.operation.name == "Mali Protection Cluster 2026"
    assert not AuditEntry.objects.exists()


def test_coordinator_of_another_operation_cannot_reach_this_one(world, as_user):
    url = reverse("core:operation_settings", args=["colombia"])

    assert as_user(world.coordinator).get(url).status_code == 404


def test_anonymous_visitor_is_sent_to_sign_in(world, client):
    response = client.get(SETTINGS)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))


def test_menu_and_operation_home_link_to_settings_for_managers_only(world, as_user):
    home = reverse("core:operation_home", args=["mali"])

    manager_page = as_user(world.coordinator).get(home).content.decode()
    partner_page = as_user(world.partner).get(home).content.decode()

    assert manager_page.count(f'href="{SETTINGS}"') == 2
    assert SETTINGS not in partner_page


def test_post_saves_the_settings_and_writes_the_audit_log(world, as_user):
    response = as_user(world.coordinator).post(
        SETTINGS,
        settings_post(
            name="Cluster Protection Mali",
            languages=["fr", "en", "es"],
            default_language="en",
            label_3="",
            disclosure_threshold="10",
            require_2fa_roles=["caseworker", "supervisor"],
        ),
        follow=True,
    )

    assert response.redirect_chain == [(SETTINGS, 302)]
    assert "Operation settings saved." in response.content.decode()
    operation = world.operation
    operation.refresh_from_db()
    assert operation.name == "Cluster Protection Mali"
    assert operation.languages == ["fr", "en", "es"]
    assert operation.default_language == "en"
    assert operation.admin_level_labels == {"0": "Pays", "1": "Région", "2": "Cercle"}
    assert operation.disclosure_threshold == 10
    assert operation.require_2fa_roles == ["caseworker", "supervisor"]
    entry = AuditEntry.objects.get(entity_type="core.operation")
    assert entry.action == AuditEntry.Action.UPDATE
    assert entry.actor == world.coordinator
    assert entry.operation == operation
    assert entry.before["disclosure_threshold"] == 5
    assert entry.after["disclosure_threshold"] == 10
    assert entry.before["admin_level_labels"]["3"] == "Commune"
    assert "3" not in entry.after["admin_level_labels"]


def test_labels_of_deeper_levels_are_kept(world, as_user):
    world.operation.admin_level_labels = {"1": "Région", "4": "Village"}
    world.operation.save()

    as_user(world.imo).post(SETTINGS, settings_post())

    world.operation.refresh_from_db()
    assert world.operation.admin_level_labels["4"] == "Village"


def test_unchanged_form_writes_no_audit_entry(world, as_user):
    world.operation.admin_level_labels = {"0": "Pays", "1": "Région", "2": "Cercle", "3": "Commune"}
    world.operation.save()

    response = as_user(world.coordinator).post(SETTINGS, settings_post())

    assert response.status_code == 302
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"languages": ["en"], "default_language": "fr"},
            "The default language must be one of the operation&#x27;s languages.",
        ),
        ({"disclosure_threshold": "1"}, "Ensure this value is greater than or equal to 2."),
        ({"disclosure_threshold": "51"}, "Ensure this value is less than or equal to 50."),
        ({"languages": []}, "This field is required."),
        ({"require_2fa_roles": ["king"]}, "Select a valid choice. king is not one of"),
    ],
)
def test_invalid_settings_show_clear_messages(world, as_user, overrides, message):
    response = as_user(world.coordinator).post(SETTINGS, settings_post(**overrides))

    assert response.status_code == 200
    assert message in response.content.decode()
    world.operation.refresh_from_db()
    assert world.operation.disclosure_threshold == 5
    assert world.operation.languages == ["fr", "en"]
    assert not AuditEntry.objects.exists()


def test_requiring_two_factor_sends_the_partner_to_set_it_up(world, as_user):
    partner = as_user(world.partner)
    home = reverse("core:operation_home", args=["mali"])
    assert partner.get(home).status_code == 200

    as_user(world.coordinator).post(SETTINGS, settings_post(require_2fa_roles=["partner"]))

    response = partner.get(home)
    assert response.status_code == 302
    assert response["Location"] == reverse("core:two_factor_setup")
    # Other roles are not affected.
    assert as_user(world.caseworker).get(home).status_code == 200
    entry = AuditEntry.objects.get(entity_type="core.operation")
    assert entry.after["require_2fa_roles"] == ["partner"]
