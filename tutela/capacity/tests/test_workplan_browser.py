"""In headless Chromium on a 390 px phone screen, in French: a coordinator opens the cluster's
work plan, reads its timeline without sideways scrolling of the page, opens an activity and
records this quarter's review; the timeline then shows the new progress."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from tutela.capacity.models import WorkReview
from tutela.capacity.services import workplans as services
from tutela.conftest import World, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _fr(text: str) -> str:
    with translation.override("fr"):
        return gettext(text)


def test_coordinator_reviews_an_activity_on_a_phone(
    browser: Any, live_server: Any, audit_log_flushable: None, world: World
) -> None:
    today = timezone.localdate()
    world.coordinator.language = "fr"
    world.coordinator.save()
    plan = services.workplan_create(
        body=world.cluster, by=world.coordinator, year=today.year, title="Plan de travail"
    )
    objective = services.objective_add(plan=plan, by=world.coordinator, title="Coordination")
    activity = services.work_activity_add(
        objective=objective,
        by=world.coordinator,
        title="Cartographie 3W des partenaires dans les cercles de Mopti",
        lead_organisation=world.amss,
        starts_on=datetime.date(today.year, 1, 1),
        ends_on=datetime.date(today.year, 12, 31),
    )
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, locale="fr-FR", base_url=live_server.url
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    signed_in(page, live_server, world.coordinator)
    page.goto(reverse("capacity:workplan_detail", args=["mali", plan.pk]))
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("table.timeline td.month.on").count() == 12
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_role("link", name=activity.title).click()
    page.get_by_label(_fr("Progress (%)")).fill("45")
    page.get_by_label(_fr("Status")).select_option("ongoing")
    page.get_by_label(_fr("Comment")).fill("Données reçues de 6 partenaires")
    with page.expect_navigation():
        page.get_by_role("button", name=_fr("Record the review")).click()
    page.get_by_text(_fr("Review recorded.")).wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    review = WorkReview.objects.get(activity=activity)
    assert (review.progress, review.quarter) == (45, (today.month - 1) // 3 + 1)
    page.goto(reverse("capacity:workplan_detail", args=["mali", plan.pk]))
    assert page.locator("table.timeline td.num").first.inner_text() == "45"
    context.close()
    assert not errors
