"""In headless Chromium, in French: the coordinator schedules a meeting (the body's open action
point goes on its agenda), records the attendance, writes and approves the minutes, then closes
the action point.

The pages' own messages are compared with their French translation (`_fr`), so the test holds
before and after the catalogue is completed; dates and the menu are checked in French as they are
(Django's French formats and the existing catalogue). The `browser_page` fixture fails the test on
any JavaScript error or Content-Security-Policy violation.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import formats, timezone, translation
from django.utils.translation import gettext

from tutela.conftest import World, signed_in
from tutela.coordination.models import ActionPoint, Attendance, Meeting, Minutes
from tutela.coordination.services.actions import action_point_create
from tutela.core.models import Contact

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fr(text: str) -> str:
    with translation.override("fr"):
        return gettext(text)


def message(page: Any, text: str) -> None:
    """Wait for the page's confirmation message (in French)."""
    page.locator(".messages").get_by_text(_fr(text)).wait_for()


def test_coordinator_runs_a_meeting_in_french(
    browser_page: Any, live_server: Any, world: World
) -> None:
    world.coordinator.language = "fr"
    world.coordinator.save()
    fatou = Contact.objects.create(
        operation=world.operation,
        organisation=world.amss,
        name="Fatou Keïta",
        email="fatou@amss.test",
    )
    fatou.bodies.add(world.cluster)
    point = action_point_create(
        operation=world.operation,
        by=world.coordinator,
        body=world.cluster,
        title="Partager la cartographie des services",
        owner_organisation=world.amss,
    )
    page = browser_page
    signed_in(page, live_server, world.coordinator)

    # Schedule the meeting (today, so that attendance can be recorded).
    today = timezone.localdate()
    page.goto("/o/mali/coordination/")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert "Se déconnecter" in page.content()
    page.get_by_role("link", name=_fr("Schedule a meeting")).click()
    page.select_option("#id_body", str(world.cluster.pk))
    page.fill("#id_title", "Réunion extraordinaire du cluster")
    page.fill("#id_starts_at", f"{today.isoformat()}T00:30")
    page.fill("#id_duration_minutes", "60")
    page.fill("#id_location", "Bamako, bureau du HCR")
    page.fill("#id_agenda", "Situation à Ménaka")
    page.get_by_role("button", name=_fr("Schedule"), exact=True).click()
    page.wait_for_selector("#agenda-title")
    meeting = Meeting.objects.get()
    assert page.url.endswith(f"/coordination/meetings/{meeting.pk}/")
    content = page.content()
    assert _fr("Meeting scheduled.") in content
    with translation.override("fr"):
        french_date = formats.date_format(today, "DATE_FORMAT")
    assert french_date in content  # e.g. "10 mars 2026"
    assert meeting.title == "Réunion extraordinaire du cluster"
    assert meeting.location == "Bamako, bureau du HCR"
    agenda = list(meeting.agenda.all())
    assert agenda[0].title == "Situation à Ménaka"
    assert agenda[1].action_point == point
    assert "Partager la cartographie des services" in page.inner_text("#agenda")

    # Attendance: DRC as an organisation, AMSS through its contact.
    page.check(f"#org-{world.drc.pk}")
    page.check(f"#contact-{fatou.pk}")
    page.get_by_role("button", name=_fr("Record the attendance")).click()
    message(page, "Attendance recorded.")
    present = set(
        Attendance.objects.filter(meeting=meeting, present=True).values_list(
            "organisation__acronym", flat=True
        )
    )
    assert present == {"DRC", "AMSS"}
    assert Attendance.objects.get(contact=fatou).present
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.HELD

    # Minutes, then approval.
    page.get_by_role("link", name=_fr("Write the minutes")).click()
    page.fill("#id_decisions", "- Une mission d'évaluation conjointe est décidée.")
    page.fill("#id_text", "## Tour de table\n\nLes partenaires ont présenté la situation.")
    page.get_by_role("button", name=_fr("Save the minutes")).click()
    message(page, "Minutes saved.")
    assert "Une mission d'évaluation conjointe est décidée." in page.inner_text("main")
    page.get_by_role("button", name=_fr("Approve the minutes")).click()
    message(page, "Minutes approved.")
    minutes = Minutes.objects.get(meeting=meeting)
    assert minutes.status == Minutes.Status.APPROVED
    assert minutes.approved_by == world.coordinator
    assert "Les partenaires ont présenté la situation." in page.inner_text("#minutes")

    # Close the action point from its page (linked from the agenda).
    page.locator("#agenda").get_by_role("link", name=_fr("action point"), exact=True).click()
    page.wait_for_selector("#id_status_status")
    page.select_option("#id_status_status", "done")
    page.fill("#id_status_comment", "Cartographie partagée le " + french_date + ".")
    with page.expect_navigation():
        page.get_by_role("button", name=_fr("Change status")).click()
    point.refresh_from_db()
    assert point.status == ActionPoint.Status.DONE
    assert point.closed_at is not None
    assert point.events.filter(kind="status", text__startswith="Cartographie partagée").exists()
    assert _fr("Done") in page.inner_text("main")
    assert (timezone.now() - point.closed_at) < datetime.timedelta(minutes=5)
