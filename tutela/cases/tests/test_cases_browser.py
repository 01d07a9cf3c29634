"""In headless Chromium, in French: a caseworker registers a case, records the consent to share
with DRC and an assessment; the supervisor approves it; the caseworker refers the person to DRC;
DRC's caseworker sees only the consented information, accepts and completes the referral with
feedback; the caseworker asks to close the case and the supervisor closes it.

The pages' own words are compared with their French translation (`_fr`). The `browser_page`
fixture fails the test on any JavaScript error or Content-Security-Policy violation.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext

from tutela.cases.models import Approval, Case, Referral
from tutela.cases.tests.conftest import CaseWorld
from tutela.conftest import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fr(text: str) -> str:
    with translation.override("fr"):
        return gettext(text)


def message(page: Any, text: str) -> None:
    page.locator(".messages").get_by_text(_fr(text)).first.wait_for()


def click_and_wait(page: Any, locator: Any) -> None:
    with page.expect_navigation():
        locator.click()


def as_user(browser: Any, live_server: Any, user: Any) -> Any:
    context = browser.new_context(locale="fr-FR", base_url=live_server.url)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    signed_in(page, live_server, user)
    return page


def test_a_case_from_registration_to_closure_in_french(
    browser: Any, browser_page: Any, live_server: Any, cw: CaseWorld
) -> None:
    for user in (cw.caseworker, cw.supervisor, cw.drc_caseworker):
        user.language = "fr"
        user.save()
    page = browser_page
    signed_in(page, live_server, cw.caseworker)

    # Registration.
    page.goto("/o/mali/cases/")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.url.endswith("/o/mali/cases/list/")
    click_and_wait(page, page.get_by_role("link", name=_fr("Register a case")).first)
    page.fill("#id_given_name", "Hawa")
    page.fill("#id_family_name", "Kanouté")
    page.select_option("#id_sex", "F")
    page.fill("#id_age", "27")
    page.fill("#id_phone", "+223 76 98 76 54")
    page.fill("#id_area", "ML0501")
    page.fill("#id_summary", "Menacée après avoir fui Bandiagara.")
    click_and_wait(page, page.get_by_role("button", name=_fr("Register")))
    case = Case.objects.get()
    message(page, _fr("Case %(code)s registered.") % {"code": case.code})
    assert page.url.endswith(f"/o/mali/cases/{case.pk}/")
    assert "Hawa Kanouté" in page.inner_text("main")

    # Consent to share with DRC: names and sex, not the phone.
    click_and_wait(page, page.get_by_role("link", name=_fr("Record a consent")))
    page.select_option("#id_purpose", "sharing")
    page.get_by_label("DRC — Danish Refugee Council").check()
    page.get_by_label(_fr("Names"), exact=True).check()
    page.get_by_label(_fr("Sex"), exact=True).check()
    click_and_wait(page, page.get_by_role("button", name=_fr("Record")))
    message(page, "Consent recorded.")

    # Assessment, sent for approval.
    click_and_wait(page, page.get_by_role("link", name=_fr("Record an assessment")))
    page.fill("#id_summary", "Besoin d'un abri sûr et d'un soutien psychosocial.")
    page.select_option("#id_risk_level", "high")
    click_and_wait(page, page.get_by_role("button", name=_fr("Save")))
    message(page, "Assessment recorded. Ask a supervisor to approve it.")
    click_and_wait(page, page.get_by_role("button", name=_fr("Ask a supervisor to approve")))
    message(page, "Sent to a supervisor for approval.")

    # The supervisor approves it from the approvals page.
    supervisor = as_user(browser, live_server, cw.supervisor)
    try:
        supervisor.goto("/o/mali/cases/inbox/")
        click_and_wait(supervisor, supervisor.get_by_role("link", name=f"{case.code} —"))
        supervisor.get_by_label(_fr("Approve")).check()
        click_and_wait(supervisor, supervisor.get_by_role("button", name=_fr("Decide")))
        message(supervisor, _fr("Approved: %(kind)s.") % {"kind": _fr("Assessment")})
        assert not supervisor.js_errors
    finally:
        supervisor.context.close()
    case.refresh_from_db()
    assert (case.stage, case.risk_level) == (Case.Stage.CASE_PLAN, "high")

    # Referral to DRC.
    page.reload()
    click_and_wait(page, page.get_by_role("link", name=_fr("Refer"), exact=True))
    page.select_option("#id_to_organisation", label="DRC — Danish Refugee Council")
    page.select_option("#id_priority", "urgent")
    # Service types are reference data seeded in English, French and Spanish.
    page.locator("#id_services_requested").get_by_label("Hébergement sûr").check()
    page.fill("#id_reason", "Hébergement sûr demandé, menaces au site.")
    page.locator("#id_fields").get_by_label(_fr("Names"), exact=True).check()
    page.locator("#id_fields").get_by_label(_fr("Sex"), exact=True).check()
    click_and_wait(page, page.get_by_role("button", name=_fr("Send the referral")))
    referral = Referral.objects.get()
    message(page, _fr("Referral %(code)s sent to %(org)s.") % {"code": referral.code, "org": "DRC"})
    assert referral.shared_fields == ["names", "sex"]

    # DRC's caseworker: the consented fields only; accepts, then completes with feedback.
    drc = as_user(browser, live_server, cw.drc_caseworker)
    try:
        drc.goto("/o/mali/cases/referrals/")
        click_and_wait(drc, drc.get_by_role("link", name=referral.code))
        shared = drc.inner_text("#shared")
        assert "Hawa Kanouté" in shared
        assert "76 98 76 54" not in drc.inner_text("main")
        assert "Bandiagara" not in drc.inner_text("main")
        click_and_wait(drc, drc.get_by_role("button", name=_fr("Accept the referral")))
        message(drc, "Referral accepted.")
        drc.fill("#id_feedback", "Hébergée au centre de Sévaré, suivi psychosocial commencé.")
        click_and_wait(drc, drc.get_by_role("button", name=_fr("Complete with feedback")))
        message(drc, "Referral completed; the feedback was sent.")
        assert not drc.js_errors
    finally:
        drc.context.close()
    referral.refresh_from_db()
    assert referral.status == Referral.Status.COMPLETED
    assert referral.responded_at is not None

    # The caseworker reads the feedback and asks to close the case.
    page.goto(f"/o/mali/cases/referrals/{referral.pk}/")
    assert "Hébergée au centre de Sévaré" in page.inner_text("main")
    page.goto(f"/o/mali/cases/{case.pk}/close/")
    page.select_option("#id_closure_reason", "needs_met")
    page.fill("#id_closure_note", "La personne est en sécurité.")
    click_and_wait(page, page.get_by_role("button", name=_fr("Ask a supervisor to close it")))
    message(page, "Closure sent for approval.")
    closure = Approval.objects.get(kind="closure")

    supervisor = as_user(browser, live_server, cw.supervisor)
    try:
        supervisor.goto(f"/o/mali/cases/{case.pk}/approvals/{closure.pk}/")
        supervisor.get_by_label(_fr("Approve")).check()
        click_and_wait(supervisor, supervisor.get_by_role("button", name=_fr("Decide")))
        message(supervisor, _fr("Approved: %(kind)s.") % {"kind": _fr("Closure")})
    finally:
        supervisor.context.close()
    case.refresh_from_db()
    assert (case.stage, case.closed_on, case.closure_reason) == (
        Case.Stage.CLOSED,
        timezone.localdate(),
        "needs_met",
    )
    page.reload()
    assert _fr("Closed") in page.inner_text("main")
