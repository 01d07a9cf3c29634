"""The 5W catalogue's names (activities, their indicators, population groups) are required in the
operation's own languages only, as the monitoring reference lists: a French-only operation adds
them with French names alone, and no reader, in any language, sees an empty label."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import translation

from tutela.activities.models import Activity
from tutela.activities.tests.reporting_fixtures import fivew_fixture  # noqa: F401
from tutela.core.models import PopulationGroup

pytestmark = pytest.mark.django_db

NEW_ACTIVITY = "/o/mali/5w/config/activities/new/"
NEW_GROUP = "/o/mali/5w/config/population-groups/new/"


def _activity(world: Any, **names: str) -> dict[str, str]:
    return {
        "body": str(world.cluster.pk),
        "code": "PRO-NEW",
        "by_sex_age": "on",
        "is_active": "on",
        **names,
        "indicators-TOTAL_FORMS": "1",
        "indicators-INITIAL_FORMS": "0",
        "indicators-MIN_NUM_FORMS": "0",
        "indicators-MAX_NUM_FORMS": "1000",
        "indicators-0-code": "PRO-NEW-01",
        "indicators-0-name_fr": "Personnes accompagnées",
        "indicators-0-unit": "people",
    }


def _errors(response: Any) -> list[str]:
    return re.findall(r"errorlist.*?</ul>", response.content.decode())


def _french_only(fivew: Any) -> None:
    fivew.operation.languages = ["fr"]
    fivew.operation.default_language = "fr"
    fivew.operation.save()


def test_a_french_only_operation_adds_an_activity_and_its_indicator_in_french(fivew, as_user):
    _french_only(fivew)
    response = as_user(fivew.world.imo).post(
        NEW_ACTIVITY, _activity(fivew.world, name_fr="Accompagnement")
    )
    assert response.status_code == 302, _errors(response)
    activity = Activity.objects.get(operation=fivew.operation, code="PRO-NEW")
    indicator = activity.indicators.get()
    for language in ("en", "fr", "es"):
        with translation.override(language):
            assert activity.name == "Accompagnement"
            assert indicator.name == "Personnes accompagnées"
    # Renamed in French: the English label that stood in for it follows.
    edit = f"/o/mali/5w/config/activities/{activity.pk}/"
    data = _activity(fivew.world, name_fr="Accompagnement social")
    data.update(
        {"indicators-INITIAL_FORMS": "1", "indicators-0-id": str(indicator.pk)},
    )
    response = as_user(fivew.world.imo).post(edit, data)
    assert response.status_code == 302, _errors(response)
    activity.refresh_from_db()
    assert (activity.name_fr, activity.name_en) == ("Accompagnement social",) * 2


def test_the_operations_own_language_is_still_required(fivew, as_user):
    _french_only(fivew)
    response = as_user(fivew.world.imo).post(
        NEW_ACTIVITY, _activity(fivew.world, name_en="Accompaniment")
    )
    assert response.status_code == 200
    assert not Activity.objects.filter(code="PRO-NEW").exists()
    data = _activity(fivew.world, name_fr="Accompagnement")
    data["indicators-0-name_fr"] = ""
    data["indicators-0-name_en"] = "People accompanied"
    response = as_user(fivew.world.imo).post(NEW_ACTIVITY, data)
    assert response.status_code == 200
    assert not Activity.objects.filter(code="PRO-NEW").exists()


def test_a_bilingual_operation_still_needs_both_names(fivew, as_user):
    assert sorted(fivew.operation.languages) == ["en", "fr"]
    response = as_user(fivew.world.imo).post(
        NEW_ACTIVITY, _activity(fivew.world, name_fr="Accompagnement")
    )
    assert response.status_code == 200
    assert not Activity.objects.filter(code="PRO-NEW").exists()


def test_a_spanish_only_operation_names_a_population_group_in_spanish(fivew, as_user):
    fivew.operation.languages = ["es"]
    fivew.operation.default_language = "es"
    fivew.operation.save()
    response = as_user(fivew.world.imo).post(
        NEW_GROUP, {"code": "MIG", "name_es": "Personas migrantes"}
    )
    assert response.status_code == 302, _errors(response)
    group = PopulationGroup.objects.get(operation=fivew.operation, code="MIG")
    assert (group.name_en, group.name_fr, group.name_es) == ("Personas migrantes",) * 3
