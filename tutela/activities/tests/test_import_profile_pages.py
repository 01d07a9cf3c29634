"""The 5W import profiles page: the profiles usable in the operation listed and downloaded as
their JSON file, the operation's managers importing a profile file (another operation's)."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.html import escape

from tutela.activities.services.import_profiles import IMPORTER, profile_get
from tutela.activities.tests.reporting_fixtures import (
    fivew_fixture,  # noqa: F401
)
from tutela.activities.tests.test_import_profile_hxl3w import HEADERS, TAGS
from tutela.core.models import AuditEntry, ImportProfile

pytestmark = pytest.mark.django_db

PROFILES = "/o/{slug}/5w/imports/profiles/"


def profile_file(content: bytes, name: str = "profile.json") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/json")


def test_a_manager_shares_the_hxl_3w_profile_with_another_operation(fivew, as_user):
    world = fivew.world
    listed = as_user(world.imo).get(PROFILES.format(slug="mali"))
    assert listed.status_code == 200
    assert "/o/mali/5w/imports/profiles/hxl-3w.json" in listed.content.decode()
    response = as_user(world.imo).get("/o/mali/5w/imports/profiles/hxl-3w.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    document = json.loads(response.content)
    assert document["importer"] == IMPORTER
    # The other operation's coordinator keeps it under a name of their own.
    document["name"] = "hxl-3w-mali"
    colombia = as_user(world.other_operation_user)
    answer = colombia.post(
        PROFILES.format(slug="colombia"),
        {"file": profile_file(json.dumps(document).encode())},
    )
    assert answer.status_code == 302
    row = ImportProfile.objects.get(operation=world.other_operation, name="hxl-3w-mali")
    assert row.importer == IMPORTER
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.CREATE, entity_id=str(row.pk), operation=world.other_operation
    ).exists()
    page = colombia.get(PROFILES.format(slug="colombia")).content.decode()
    assert "/o/colombia/5w/imports/profiles/hxl-3w-mali.json" in page
    profile = profile_get(world.other_operation, "hxl-3w-mali")
    assert profile.origin == "operation"
    columns, values = profile.resolve(HEADERS, TAGS)
    assert columns["District Pcode"] == "admin2_pcode"
    assert values["population_group"]["IDPs"] == "IDP"
    # Mali does not get Colombia's profile.
    with pytest.raises(LookupError):
        profile_get(world.operation, "hxl-3w-mali")


def test_a_partner_sees_the_profiles_but_cannot_import_one(fivew, as_user):
    world = fivew.world
    client = as_user(world.partner)
    page = client.get(PROFILES.format(slug="mali"))
    assert page.status_code == 200
    assert 'type="file"' not in page.content.decode()
    document = json.loads(as_user(world.imo).get("/o/mali/5w/imports/profiles/hxl-3w.json").content)
    document["name"] = "mine"
    response = client.post(
        PROFILES.format(slug="mali"), {"file": profile_file(json.dumps(document).encode())}
    )
    assert response.status_code == 403
    assert not ImportProfile.objects.exists()


def test_a_viewer_cannot_open_the_profiles(fivew, as_user):
    assert as_user(fivew.world.viewer).get(PROFILES.format(slug="mali")).status_code == 403


def test_an_unknown_profile_is_not_found(fivew, as_user):
    response = as_user(fivew.world.imo).get("/o/mali/5w/imports/profiles/nope.json")
    assert response.status_code == 404


def test_a_bad_profile_file_gets_every_problem_at_once(fivew, as_user):
    bad = {
        "format": "tutela-import-profile",
        "version": 1,
        "name": "",
        "importer": IMPORTER,
        "columns": "Partner",
        "values": {"status": "ongoing"},
    }
    response = as_user(fivew.world.imo).post(
        PROFILES.format(slug="mali"), {"file": profile_file(json.dumps(bad).encode())}
    )
    assert response.status_code == 200
    problems = response.context["form"].errors["file"]
    assert len(problems) >= 3, problems
    page = response.content.decode()
    for problem in problems:
        assert escape(problem) in page
    assert not ImportProfile.objects.exists()


def test_a_profile_for_another_importer_is_refused(fivew, as_user):
    document = json.loads(
        as_user(fivew.world.imo).get("/o/mali/5w/imports/profiles/hxl-3w.json").content
    )
    document["importer"] = "monitoring.incidents"
    response = as_user(fivew.world.imo).post(
        PROFILES.format(slug="mali"), {"file": profile_file(json.dumps(document).encode())}
    )
    assert response.status_code == 200
    assert "another importer" in " ".join(response.context["form"].errors["file"])
    assert not ImportProfile.objects.exists()
