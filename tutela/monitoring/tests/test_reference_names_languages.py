"""Reference-list names are required in the operation's own languages only: a French-only
operation adds an item with a French name alone, and no reader ever sees an empty label."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from tutela.monitoring.models import AgeBand
from tutela.monitoring.tests.pau_helpers import seed

pytestmark = pytest.mark.django_db


@pytest.fixture
def mali(world: Any) -> Any:
    seed(world.operation)
    return world


def new_band(code: str, **names: str) -> dict[str, Any]:
    return {"code": code, "order": 9, "min_age": 60, "is_active": "on", **names}


URL = reverse("monitoring:settings_reference_new", args=["mali", "age-bands"])


def test_french_only_operation_needs_no_english_name(mali: Any, as_user: Any) -> None:
    mali.operation.languages = ["fr"]
    mali.operation.save()
    response = as_user(mali.imo).post(URL, new_band("85+", name_fr="Personnes âgées"))
    assert response.status_code == 302, response.context["form"].errors
    band = AgeBand.objects.get(operation=mali.operation, code="85+")
    with translation.override("en"):
        assert band.name == "Personnes âgées"
    with translation.override("es"):
        assert band.name == "Personnes âgées"
    # Renamed in French: the English label that stood in for it follows.
    edit = reverse("monitoring:settings_reference_edit", args=["mali", "age-bands", band.pk])
    as_user(mali.imo).post(edit, new_band("85+", name_fr="Aînés"))
    band.refresh_from_db()
    assert (band.name_fr, band.name_en) == ("Aînés", "Aînés")
    # The French name is still required.
    response = as_user(mali.imo).post(URL, new_band("95+", name_en="Elderly"))
    assert response.status_code == 200
    assert not AgeBand.objects.filter(code="95+").exists()


def test_bilingual_operation_still_needs_both_names(mali: Any, as_user: Any) -> None:
    assert sorted(mali.operation.languages) == ["en", "fr"]
    response = as_user(mali.imo).post(URL, new_band("85+", name_fr="Personnes âgées"))
    assert response.status_code == 200
    assert not AgeBand.objects.filter(code="85+").exists()
    response = as_user(mali.imo).post(URL, new_band("85+", name_fr="Âgés", name_en="Older"))
    assert response.status_code == 302


def test_spanish_only_operation_fills_english_and_french_from_spanish(
    mali: Any, as_user: Any
) -> None:
    mali.operation.languages = ["es"]
    mali.operation.default_language = "es"
    mali.operation.save()
    response = as_user(mali.imo).post(URL, new_band("85+", name_es="Personas mayores"))
    assert response.status_code == 302
    band = AgeBand.objects.get(code="85+", operation=mali.operation)
    assert (band.name_en, band.name_fr, band.name_es) == ("Personas mayores",) * 3
