"""In headless Chromium, in French: the coordinator downloads the encrypted registration form,
with KoboToolbox's submission address, from the offline forms page; a caseworker uploads a
Briefcase ZIP of submissions encrypted as ODK Collect does and finds the case registered, then an
altered submission refused with its reason and nothing saved."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import load_workbook

from tutela.cases.models import Case
from tutela.cases.tests.conftest import CaseWorld
from tutela.cases.tests.odk_collect import briefcase_zip
from tutela.cases.tests.test_odk import _encrypt, _registration, _uuid
from tutela.conftest import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fr(text: str) -> str:
    with translation.override("fr"):
        return gettext(text)


def test_offline_forms_page_in_french(
    browser_page: Any, live_server: Any, cw: CaseWorld, tmp_path: Any
) -> None:
    for user in (cw.world.coordinator, cw.caseworker):
        user.language = "fr"
        user.save()
    page = browser_page
    signed_in(page, live_server, cw.world.coordinator)
    page.goto("/o/mali/cases/odk/")
    page.get_by_label(_fr("Submission address")).fill("https://kc.kobotoolbox.org/submission")
    with page.expect_download() as download:
        page.get_by_role("button", name=_fr("Case registration (XLSForm)")).click()
    target = tmp_path / "form.xlsx"
    download.value.save_as(target)
    settings = load_workbook(target)["settings"]
    row = dict(zip([c.value for c in settings[1]], [c.value for c in settings[2]], strict=True))
    assert row["submission_url"] == "https://kc.kobotoolbox.org/submission"
    assert row["public_key"]

    page.context.clear_cookies()
    signed_in(page, live_server, cw.caseworker)
    page.goto("/o/mali/cases/odk/")
    instance_id = _uuid()
    content = briefcase_zip({"one": _encrypt(cw, _registration(cw, instance_id), instance_id)})
    page.set_input_files(
        "#id_files",
        files=[{"name": "export.zip", "mimeType": "application/zip", "buffer": content}],
    )
    with page.expect_navigation():
        page.get_by_role("button", name=_fr("Import")).click()
    page.get_by_text(_fr("Imported.")).wait_for()
    case = Case.objects.get()
    assert case.code in page.inner_text("#odk-result")

    other_id = _uuid()
    files = _encrypt(cw, _registration(cw, other_id, given_name="Mariam"), other_id)
    damaged = bytearray(files["submission.xml.enc"])
    damaged[3] ^= 0x01
    files["submission.xml.enc"] = bytes(damaged)
    page.set_input_files(
        "#id_files",
        files=[
            {"name": name, "mimeType": "application/octet-stream", "buffer": data}
            for name, data in files.items()
        ],
    )
    with page.expect_navigation():
        page.get_by_role("button", name=_fr("Import")).click()
    page.get_by_text(
        _fr("Nothing was saved: correct the refused submissions and upload again.")
    ).wait_for()
    assert _fr("The submission's signature does not match its content: it was altered.") in (
        page.inner_text("#odk-result")
    )
    assert Case.objects.count() == 1
