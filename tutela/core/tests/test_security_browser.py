"""Signing in, two-factor set-up and job progress in headless Chromium, under the strict CSP.

The `browser_page` fixture fails the test on any JavaScript error or CSP violation. The browser
speaks French, so the checks use form field names and the database, not English page text.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pyotp
import pytest
from playwright.sync_api import expect

from tutela.conftest import PASSWORD, World
from tutela.core.models import AuditEntry, Job
from tutela.core.services.jobs import job_create, job_progress, job_succeed

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def sign_in(page: Any, email: str) -> None:
    page.goto("/login/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")


def test_two_factor_set_up_and_sign_in_in_a_browser(browser_page: Any, world: World) -> None:
    page = browser_page
    user = world.partner
    sign_in(page, user.email)
    page.wait_for_url(re.compile(r"/$"))

    page.goto("/account/two-factor/")
    assert page.locator("figure svg").count() == 1
    secret = page.locator("figure code").inner_text().replace(" ", "")
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/account/$"))
    user.refresh_from_db()
    assert user.totp_enabled

    page.click("header form.inline button[type=submit]")  # sign out
    page.wait_for_url(re.compile(r"/login/$"))
    sign_in(page, user.email)
    page.wait_for_url(re.compile(r"/login/two-factor/$"))
    # The code of the next 30-second step (accepted for clock drift) is one never used before.
    page.fill("input[name=code]", pyotp.TOTP(secret).at(time.time() + 30))
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))
    logins = AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN, actor=user)
    assert logins.count() == 2
    assert logins.filter(summary__contains="totp").exists()


def test_job_page_follows_progress_until_finished(browser_page: Any, world: World) -> None:
    page = browser_page
    job = job_create(user=world.imo, operation=world.operation, kind="x", label="5W import")
    job_progress(job=job, progress=10, message="Reading")
    sign_in(page, world.imo.email)
    page.wait_for_url(re.compile(r"/$"))
    page.goto(f"/jobs/{job.pk}/")
    bar = page.locator("#job-progress-bar")
    assert bar.get_attribute("value") == "10"

    job_progress(job=Job.objects.get(pk=job.pk), progress=60, message="Saving")
    # (Playwright's expect, not wait_for_function: evaluating a string is refused by the CSP.)
    expect(page.locator("#job-progress-bar")).to_have_attribute("value", "60", timeout=8000)
    job_succeed(job=Job.objects.get(pk=job.pk), result={"created": 12})
    expect(page.locator("#job-progress-bar")).to_have_attribute("value", "100", timeout=8000)
    # Finished: the block no longer polls.
    assert page.locator("#job-progress[hx-trigger]").count() == 0
