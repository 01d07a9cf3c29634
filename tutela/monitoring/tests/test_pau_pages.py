"""PAU pages: list, create, detail (editor, versions, clearance), download; access denied."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from tutela.core.models import AuditEntry
from tutela.monitoring.models import AnalysisUpdate, MonitoringSettings
from tutela.monitoring.services.pau import pau_clear, pau_create, pau_publish, pau_submit
from tutela.monitoring.tests.pau_helpers import make_many, seed


@pytest.fixture
def draft(world: Any, areas: Any) -> AnalysisUpdate:
    seed(world.operation)
    make_many(world.operation, world.amss, areas["ML0501"], datetime.date(2026, 7, 1), 6, "R02")
    return pau_create(operation=world.operation, by=world.imo, period="2026Q3", language="en")


@pytest.fixture
def published(world: Any, draft: AnalysisUpdate) -> AnalysisUpdate:
    pau_submit(update=draft, by=world.imo, approver=world.coordinator)
    pau_clear(update=draft, by=world.coordinator)
    return pau_publish(update=draft, by=world.imo)


def url(name: str, update: AnalysisUpdate | None = None, *extra: Any) -> str:
    args: list[Any] = ["mali"]
    if update is not None:
        args.append(update.pk)
    return reverse(f"monitoring:{name}", args=[*args, *extra])


def test_list_shows_drafts_to_managers_only(world: Any, draft: Any, as_user: Any) -> None:
    response = as_user(world.coordinator).get(url("pau_list"))
    assert response.status_code == 200
    assert draft.title in response.content.decode()
    response = as_user(world.partner).get(url("pau_list"))
    assert response.status_code == 200
    assert draft.title not in response.content.decode()


def test_list_and_detail_are_hidden_outside_the_operation(
    world: Any, draft: Any, as_user: Any
) -> None:
    for user in (world.outsider, world.other_operation_user):
        assert as_user(user).get(url("pau_list")).status_code == 404
        assert as_user(user).get(url("pau_detail", draft)).status_code == 404
        assert as_user(user).get(url("pau_download", draft, "docx")).status_code == 404


def test_draft_is_not_visible_to_partners_or_viewers(world: Any, draft: Any, as_user: Any) -> None:
    for user in (world.partner, world.other_partner, world.viewer, world.caseworker):
        assert as_user(user).get(url("pau_detail", draft)).status_code == 404
        assert as_user(user).get(url("pau_download", draft, "pdf")).status_code == 404
        assert as_user(user).post(url("pau_save", draft), {"context": "x"}).status_code == 404
    assert draft.versions.count() == 1
    assert not AuditEntry.objects.filter(action="export").exists()


def test_published_pau_is_readable_by_everyone_in_the_operation(
    world: Any, published: Any, as_user: Any
) -> None:
    for user in (world.partner, world.viewer):
        response = as_user(user).get(url("pau_detail", published))
        assert response.status_code == 200
        assert b"Save a new version" not in response.content
        # Older versions are for editors only.
        assert as_user(user).get(url("pau_detail", published) + "?version=1").status_code == 200
        response = as_user(user).get(url("pau_download", published, "docx") + "?lang=fr")
        assert response.status_code == 200
        assert response["Content-Disposition"].endswith('-fr.docx"')
    assert AuditEntry.objects.filter(action="export", entity_id=str(published.pk)).count() == 2


def test_create_page_is_for_managers_and_analysts(world: Any, areas: Any, as_user: Any) -> None:
    seed(world.operation)
    data = {"period": "2026Q3", "scope": areas["ML05"].pk, "language": "fr"}
    assert as_user(world.partner).get(url("pau_create")).status_code == 403
    assert as_user(world.partner).post(url("pau_create"), data).status_code == 403
    assert as_user(world.outsider).post(url("pau_create"), data).status_code == 404
    assert not AnalysisUpdate.objects.exists()
    response = as_user(world.coordinator).post(url("pau_create"), data)
    update = AnalysisUpdate.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("pau_detail", update)
    assert update.scope == areas["ML05"]
    assert update.language == "fr"
    MonitoringSettings.objects.get(operation=world.operation).analysts.add(world.partner)
    assert as_user(world.partner).get(url("pau_create")).status_code == 200


def test_create_page_explains_a_bad_period(world: Any, as_user: Any) -> None:
    seed(world.operation)
    response = as_user(world.imo).post(url("pau_create"), {"period": "Q3", "language": "en"})
    assert response.status_code == 200
    assert b"2026Q3" in response.content
    assert not AnalysisUpdate.objects.exists()


def test_editor_saves_versions_views_and_compares_them(
    world: Any, draft: Any, as_user: Any
) -> None:
    client = as_user(world.imo)
    response = client.get(url("pau_detail", draft))
    assert response.status_code == 200
    assert b"Save a new version" in response.content
    response = client.post(
        url("pau_save", draft),
        {"context": "New context line", "key_messages": "- One", "note": "first edit"},
    )
    assert response.status_code == 302
    assert draft.versions.count() == 2
    assert draft.versions.get(number=2).sections["context"] == "New context line"
    response = client.get(url("pau_detail", draft) + "?version=1")
    assert b"You are reading version 1" in response.content
    response = client.get(url("pau_detail", draft) + "?diff=1")
    assert b"New context line" in response.content
    assert b"diff-added" in response.content
    assert client.get(url("pau_detail", draft) + "?version=9").status_code == 404


def test_clearance_buttons_follow_status_and_role(world: Any, draft: Any, as_user: Any) -> None:
    imo, coordinator = as_user(world.imo), as_user(world.coordinator)
    assert b"Submit for clearance" in imo.get(url("pau_detail", draft)).content
    imo.post(url("pau_submit", draft), {"approver": world.coordinator.pk})
    draft.refresh_from_db()
    assert draft.status == "submitted"
    assert draft.approver == world.coordinator
    # The IMO is not the approver: no clear button, and the action is refused.
    assert b">Clear<" not in imo.get(url("pau_detail", draft)).content
    assert imo.post(url("pau_clear", draft)).status_code == 403
    assert b">Clear<" in coordinator.get(url("pau_detail", draft)).content
    coordinator.post(url("pau_clear", draft))
    draft.refresh_from_db()
    assert draft.status == "cleared"
    assert as_user(world.partner).post(url("pau_publish", draft)).status_code == 404
    imo.post(url("pau_publish", draft))
    draft.refresh_from_db()
    assert draft.status == "published"
    coordinator.post(url("pau_return", draft), {"note": "typo"})
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert AuditEntry.objects.filter(entity_id=str(draft.pk), summary__contains="typo").exists()


def test_download_formats(world: Any, draft: Any, as_user: Any) -> None:
    client = as_user(world.coordinator)
    response = client.get(url("pau_download", draft, "pdf") + "?lang=fr")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert client.get(url("pau_download", draft, "odt")).status_code == 404
    assert client.get(url("pau_download", draft, "docx") + "?lang=xx").status_code == 404
