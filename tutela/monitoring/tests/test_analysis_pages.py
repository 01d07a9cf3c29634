"""Analysis pages, exports, charts and signals: what they show, and who is turned away."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from tutela.core.models import AuditEntry
from tutela.monitoring.models import AreaPopulation, EarlyWarningSignal
from tutela.monitoring.services.early_warning import early_warning_scan
from tutela.monitoring.tests.analysis_fixtures import (
    JAN,
    make_report,
    many,
    seeded_fixture,  # noqa: F401
)

pytestmark = pytest.mark.django_db

SEP = datetime.date(2026, 9, 1)
PAGES = [
    ("monitoring:analysis", {}),
    ("monitoring:analysis", {"format": "csv"}),
    ("monitoring:analysis", {"format": "xlsx"}),
    ("monitoring:analysis_chart", {"chart": "trend"}),
    ("monitoring:analysis_chart", {"chart": "top", "fmt": "svg"}),
    ("monitoring:analysis_chart", {"chart": "groups"}),
    ("monitoring:hotspots", {}),
    ("monitoring:hotspots", {"format": "csv"}),
    ("monitoring:hotspots_geojson", {}),
    ("monitoring:hotspots_png", {}),
    ("monitoring:community", {}),
    ("monitoring:community", {"format": "xlsx"}),
    ("monitoring:signals", {}),
]


@pytest.fixture
def data(seeded: Any) -> Any:
    w = seeded.world
    op = w.operation
    many(7, op, w.drc, seeded.bandiagara, JAN, "R02")
    many(2, op, w.drc, seeded.djenne, JAN, "R10")
    for i in range(6):
        make_report(op, w.drc, seeded.bandiagara, JAN, f"village {i}", risks=("R02",))
    AreaPopulation.objects.create(operation=op, area=seeded.mopti, year=2026, population=70000)
    return seeded


def _url(operation: Any, name: str, params: dict[str, str]) -> str:
    from urllib.parse import urlencode

    url = reverse(name, args=[operation.slug])
    return f"{url}?{urlencode(params)}" if params else url


@pytest.mark.parametrize(("name", "params"), PAGES)
def test_pages_refuse_outsiders_and_other_operations(
    data: Any, as_user: Any, name: str, params: dict[str, str]
) -> None:
    w = data.world
    before = AuditEntry.objects.count()
    for user in (w.outsider, w.other_operation_user):
        response = as_user(user).get(_url(w.operation, name, params))
        assert response.status_code == 404
    assert AuditEntry.objects.filter(action="export").count() == 0
    assert AuditEntry.objects.count() == before


@pytest.mark.parametrize(("name", "params"), PAGES)
def test_pages_require_sign_in(data: Any, client: Any, name: str, params: dict[str, str]) -> None:
    response = client.get(_url(data.world.operation, name, params))
    assert response.status_code == 302


@pytest.mark.parametrize(("name", "params"), PAGES)
def test_pages_answer_members(data: Any, as_user: Any, name: str, params: dict[str, str]) -> None:
    response = as_user(data.world.other_partner).get(_url(data.world.operation, name, params))
    assert response.status_code == 200


def test_dashboard_shows_protected_figures(data: Any, as_user: Any) -> None:
    w = data.world
    response = as_user(w.coordinator).get(reverse("monitoring:analysis", args=["mali"]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Pooled small groups" in body or "—" in body
    assert "/analysis/chart/?chart=trend" in body
    # 7 incidents in Bandiagara are shown; the 2 of Djenné (R10) are not, on their own.
    trend = response.context["trend"]
    assert trend.grand_total == 7
    assert response.context["controlled"] is True


def test_other_organisation_filter_is_refused(data: Any, as_user: Any) -> None:
    w = data.world
    url = reverse("monitoring:analysis", args=["mali"])
    response = as_user(w.partner).get(f"{url}?organisation=DRC")
    # The form offers only the user's own organisation: DRC is not a valid choice.
    assert response.status_code == 200
    assert response.context["form"].errors["organisation"]
    assert response.context["trend"].grand_total == 7


def test_own_organisation_sees_its_own_small_counts(data: Any, as_user: Any) -> None:
    w = data.world
    many(2, w.operation, w.amss, data.djenne, JAN, "R11")
    url = reverse("monitoring:analysis", args=["mali"])
    response = as_user(w.partner).get(f"{url}?organisation=AMSS")
    assert response.context["trend"].grand_total == 2
    assert response.context["controlled"] is False


def test_export_is_disclosure_controlled_and_audited(data: Any, as_user: Any) -> None:
    w = data.world
    url = reverse("monitoring:hotspots", args=["mali"])
    response = as_user(w.coordinator).get(f"{url}?format=csv&level=2")
    text = response.content.decode("utf-8-sig")
    assert response["Content-Type"].startswith("text/csv")
    assert "Bandiagara,7" in text
    assert "Djenné,2" not in text
    entry = AuditEntry.objects.get(action="export")
    assert entry.actor == w.coordinator
    assert entry.entity_id == "hotspots"


def test_hotspots_rate_and_geojson(data: Any, as_user: Any) -> None:
    w = data.world
    client = as_user(w.coordinator)
    response = client.get(reverse("monitoring:hotspots_geojson", args=["mali"]) + "?measure=rate")
    collection = response.json()
    mopti = next(f for f in collection["features"] if f["id"] == "ML05")
    assert mopti["properties"]["value"] == 1.0
    png = client.get(reverse("monitoring:hotspots_png", args=["mali"]))
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_community_page(data: Any, as_user: Any) -> None:
    response = as_user(data.world.coordinator).get(reverse("monitoring:community", args=["mali"]))
    assert "100.0 %" in response.content.decode()


@pytest.fixture
def signal(data: Any) -> EarlyWarningSignal:
    w = data.world
    many(9, w.operation, w.drc, data.bandiagara, SEP, "R02")
    early_warning_scan(operation=w.operation, month=SEP, notify=False)
    return EarlyWarningSignal.objects.get(area=data.bandiagara)


def test_signals_page_lists_evidence(signal: EarlyWarningSignal, as_user: Any) -> None:
    response = as_user(signal.operation and _coordinator(signal)).get(
        reverse("monitoring:signals", args=["mali"])
    )
    body = response.content.decode()
    assert "Bandiagara" in body
    assert "Poisson" in body
    assert "Run the scan now" in body
    item = response.context["signals"][0]
    assert item.observed == 9
    assert item.p_band == "< 0.001"


def _coordinator(signal: EarlyWarningSignal) -> Any:
    from tutela.core.models import User

    return User.objects.get(email="coord@unhcr.test")


def test_partner_cannot_run_dismiss_or_alert(signal: EarlyWarningSignal, as_user: Any) -> None:
    from tutela.core.models import User

    partner = User.objects.get(email="focal@amss.test")
    client = as_user(partner)
    page = client.get(reverse("monitoring:signals", args=["mali"]))
    assert "Run the scan now" not in page.content.decode()
    for name, args in (
        ("monitoring:signals_run", ["mali"]),
        ("monitoring:signal_dismiss", ["mali", signal.pk]),
        ("coordination:alert_from_signal", ["mali", signal.pk]),
    ):
        assert client.post(reverse(name, args=args)).status_code == 403
    signal.refresh_from_db()
    assert signal.status == "new"


def test_signal_actions_refuse_other_operations(signal: EarlyWarningSignal, as_user: Any) -> None:
    from tutela.core.models import User

    other = User.objects.get(email="coord@colombia.test")
    response = as_user(other).post(reverse("monitoring:signal_dismiss", args=["mali", signal.pk]))
    assert response.status_code == 404
    response = as_user(other).post(
        reverse("monitoring:signal_dismiss", args=["colombia", signal.pk])
    )
    assert response.status_code == 404
    signal.refresh_from_db()
    assert signal.status == "new"


def test_coordinator_dismisses_and_runs(signal: EarlyWarningSignal, as_user: Any) -> None:
    client = as_user(_coordinator(signal))
    response = client.post(reverse("monitoring:signal_dismiss", args=["mali", signal.pk]))
    assert response.status_code == 302
    signal.refresh_from_db()
    assert signal.status == "dismissed"
    assert AuditEntry.objects.filter(
        action="update", entity_type="monitoring.earlywarningsignal", entity_id=str(signal.pk)
    ).exists()
    response = client.post(reverse("monitoring:signals_run", args=["mali"]))
    assert response.status_code == 302


def test_coordinator_raises_an_alert(signal: EarlyWarningSignal, as_user: Any) -> None:
    from tutela.coordination.models import Alert

    client = as_user(_coordinator(signal))
    response = client.post(reverse("coordination:alert_from_signal", args=["mali", signal.pk]))
    assert response.status_code == 302
    alert = Alert.objects.get(signal=signal)
    assert str(alert.pk) in response["Location"]
    signal.refresh_from_db()
    assert signal.status == "alerted"
