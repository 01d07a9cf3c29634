"""Case management's reference lists (specific needs, service types) take names in the operation's
own languages only, as the 5W catalogue and the monitoring lists: labels are never empty."""

from __future__ import annotations

import pytest
from django.utils import translation

from tutela.cases.models import ServiceType
from tutela.cases.tests.conftest import CaseWorld
from tutela.conftest import client_for

pytestmark = pytest.mark.django_db

NEW = "/o/mali/cases/settings/services/new/"


def test_a_french_only_operation_adds_a_service_type_in_french(cw: CaseWorld) -> None:
    cw.operation.languages = ["fr"]
    cw.operation.default_language = "fr"
    cw.operation.save()
    client = client_for(cw.world.coordinator)
    response = client.post(NEW, {"code": "MEDIATION", "name_fr": "Médiation", "order": "9"})
    assert response.status_code == 302
    item = ServiceType.objects.get(operation=cw.operation, code="MEDIATION")
    for language in ("en", "fr", "es"):
        with translation.override(language):
            assert item.name == "Médiation"
    # Without its French name, refused.
    response = client.post(NEW, {"code": "OTHER2", "name_en": "Other", "order": "9"})
    assert response.status_code == 400
    assert not ServiceType.objects.filter(code="OTHER2").exists()


def test_a_bilingual_operation_still_needs_both_names(cw: CaseWorld) -> None:
    response = client_for(cw.world.coordinator).post(
        NEW, {"code": "MEDIATION", "name_fr": "Médiation", "order": "9"}
    )
    assert response.status_code == 400
    assert not ServiceType.objects.filter(code="MEDIATION").exists()
