"""In headless Chromium, in French: the coordinator records an advocacy recommendation, logs a
follow-up that changes its status with an evidence file, and finds it on the dashboards; then
drafts a briefing note and submits it to the information management officer, who clears it in
their own browser; the coordinator publishes it.

The pages' own words are compared with their French translation (`_fr`), so the test holds before
and after the catalogue is completed. The `browser_page` fixture fails the test on any JavaScript
error or Content-Security-Policy violation.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext, pgettext

from tutela.conftest import World, signed_in
from tutela.coordination.models import (
    ClearanceDocument,
    DocumentVersion,
    Recommendation,
    RecommendationFollowUp,
)
from tutela.core.models import AuditEntry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
TEXT = "Garantir l'accès humanitaire sans entrave aux communes de Bandiagara."


def _fr(text: str, context: str | None = None) -> str:
    with translation.override("fr"):
        return pgettext(context, text) if context else gettext(text)


def field(page: Any, text: str) -> Any:
    """The input whose whole label is `text` (in French), with or without the label suffix."""
    return page.get_by_label(re.compile(rf"^{re.escape(_fr(text))}\s*:?$"))


def message(page: Any, text: str) -> None:
    """Wait for the page's confirmation message (in French)."""
    page.locator(".messages").get_by_text(_fr(text)).wait_for()


def click_and_wait(page: Any, locator: Any) -> None:
    with page.expect_navigation():
        locator.click()


def test_coordinator_follows_up_a_recommendation_and_clears_a_briefing_note_in_french(
    browser_page: Any, live_server: Any, world: World, tmp_path: Any
) -> None:
    for user in (world.coordinator, world.imo):
        user.language = "fr"
        user.save()
    page = browser_page
    signed_in(page, live_server, world.coordinator)

    # Record a recommendation.
    page.goto("/o/mali/coordination/recommendations/")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("h1").inner_text() == _fr("Advocacy recommendations")
    click_and_wait(page, page.get_by_role("link", name=_fr("Record a recommendation")))
    # No meeting, note, PAU or mission exists yet: no empty lists to link them.
    assert page.locator("select[name=meeting], select[name=pau]").count() == 0
    field(page, "Recommendation").fill(TEXT)
    field(page, "Addressee type").select_option(label=_fr("Authority"))
    field(page, "Addressee").fill("Gouverneur de Mopti")
    field(page, "Issued in").select_option(label=_fr("Meeting"))
    field(page, "Issued on").fill("2026-02-03")
    click_and_wait(page, page.get_by_role("button", name=_fr("Save"), exact=True))
    message(page, "Recommendation recorded.")
    recommendation = Recommendation.objects.get()
    assert (recommendation.addressee_kind, recommendation.issued_in, recommendation.status) == (
        "authority",
        "meeting",
        "issued",
    )
    assert page.url.endswith(f"/recommendations/{recommendation.pk}/")
    assert page.locator("h1 .badge").inner_text() == _fr("Issued")

    # A follow-up changes its status, with an evidence file.
    evidence = tmp_path / "lettre-gouverneur.pdf"
    evidence.write_bytes(PDF)
    field(page, "Status").select_option(label=_fr("In progress"))
    field(page, "What happened").fill("Le gouverneur a répondu par lettre le 10 février.")
    field(page, "Evidence file").set_input_files(str(evidence))
    click_and_wait(page, page.get_by_role("button", name=_fr("Record the follow-up")))
    message(page, "Follow-up recorded.")
    recommendation.refresh_from_db()
    assert recommendation.status == "in_progress"
    follow_up = RecommendationFollowUp.objects.get()
    assert (follow_up.status, follow_up.by) == ("in_progress", world.coordinator)
    assert follow_up.evidence.name.endswith(".pdf")
    assert page.locator("h1 .badge").inner_text() == _fr("In progress")
    log = page.locator("ol.log")
    assert "Le gouverneur a répondu par lettre" in log.inner_text()
    assert log.get_by_role("link", name=_fr("Evidence file")).count() == 1
    assert AuditEntry.objects.filter(entity_id=str(follow_up.pk), action="create").exists()

    # The dashboards show it as pending.
    page.goto("/o/mali/coordination/recommendations/")
    pending = page.locator("section[aria-labelledby='dashboard-title']")
    assert pending.locator(".card .figure").first.inner_text() == "1"
    assert TEXT[:40] in page.locator("section[aria-labelledby='list-title']").inner_text()
    page.goto("/o/mali/coordination/")
    home = page.locator("main")
    assert _fr("Pending recommendations") in home.inner_text()
    assert home.get_by_role("link", name=TEXT[:40]).count() == 1

    # Draft a briefing note.
    page.goto("/o/mali/coordination/documents/")
    click_and_wait(page, page.get_by_role("link", name=_fr("New document")).first)
    field(page, "Title").fill("Note d'information : accès à Bandiagara")
    field(page, "Kind").select_option(label=_fr("Briefing note"))
    field(page, "Text (Markdown)").fill(
        "## Contexte\n\nLes routes vers Bandiagara sont fermées depuis janvier."
    )
    click_and_wait(page, page.get_by_role("button", name=_fr("Save"), exact=True))
    message(page, "Draft saved (version 1).")
    document = ClearanceDocument.objects.get()
    assert (document.status, document.language, document.kind) == ("draft", "fr", "briefing_note")
    assert page.locator("article").get_by_role("heading", name="Contexte").count() == 1

    # Submit it to the information management officer.
    click_and_wait(page, page.get_by_role("link", name=_fr("Submit for clearance")))
    field(page, "Approver").select_option(label="Ibrahim IMO (UNHCR)")
    click_and_wait(page, page.get_by_role("button", name=_fr("Submit"), exact=True))
    message(page, "Submitted for clearance.")
    document.refresh_from_db()
    assert (document.status, document.approver) == ("submitted", world.imo)
    # The author cannot clear their own note.
    assert page.get_by_role("button", name=_fr("Clear", "document clearance")).count() == 0
    assert page.get_by_role("button", name=_fr("Publish")).count() == 0

    # The approver clears it, in their own browser.
    approver_context = page.context.browser.new_context(locale="fr-FR", base_url=live_server.url)
    approver = approver_context.new_page()
    signed_in(approver, live_server, world.imo)
    approver.goto(f"/o/mali/coordination/documents/{document.pk}/")
    assert approver.locator("h1 .badge").inner_text() == _fr("Submitted for clearance")
    # The approver is told what is expected of them; the language is named, not coded.
    assert (
        _fr(
            "You are the approver of this document: clear it, or return it to the author with "
            "what needs to change."
        )
        in approver.locator(".messages").inner_text()
    )
    assert "français" in approver.locator("dl").inner_text().lower()
    click_and_wait(
        approver, approver.get_by_role("button", name=_fr("Clear", "document clearance"))
    )
    message(approver, "Document cleared.")
    assert approver.locator("h1 .badge").inner_text() == _fr("Cleared")
    approver_context.close()
    document.refresh_from_db()
    assert (document.status, document.cleared_by) == ("cleared", world.imo)

    # The coordinator publishes it.
    page.reload()
    click_and_wait(page, page.get_by_role("button", name=_fr("Publish")))
    message(page, "Document published.")
    document.refresh_from_db()
    assert document.status == "published"
    assert document.published_at is not None
    assert page.locator("h1 .badge").inner_text() == _fr("Published")
    assert DocumentVersion.objects.filter(document=document).count() == 1
    history = page.locator("ol.log").inner_text()
    assert "Ibrahim IMO" in history
    assert list(
        AuditEntry.objects.filter(entity_id=str(document.pk), entity_type__icontains="document")
        .order_by("pk")
        .values_list("actor__email", flat=True)
    )[-2:] == ["imo@unhcr.test", "coord@unhcr.test"]
