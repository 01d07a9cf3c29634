"""The case pages as a caseworker uses them: registration (with the duplicate warning), the case
file, search, and a list page whose query count does not grow with the cases."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tutela.cases.models import Case
from tutela.cases.tests.conftest import CaseWorld, person, register
from tutela.conftest import client_for

FORM = {
    "given_name": "Mariam",
    "family_name": "Sangaré",
    "sex": "F",
    "age": "34",
    "phone": "76 55 44 33",
    "id_type": "",
    "id_number": "",
    "kind": "individual",
    "case_type": "general",
    "risk_level": "medium",
    "area": "ml0501",
    "nationality": "MLI",
    "summary": "Menacée d'expulsion de son logement.",
}


def test_a_caseworker_registers_a_case_and_is_warned_of_a_probable_duplicate(
    cw: CaseWorld,
) -> None:
    client = client_for(cw.caseworker)
    assert client.get("/o/mali/cases/new/").status_code == 200
    response = client.post("/o/mali/cases/new/", FORM)
    assert response.status_code == 302
    case = Case.objects.get()
    assert response["Location"] == f"/o/mali/cases/{case.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "Mariam Sangaré" in page
    assert case.code in page
    again = client.post(
        "/o/mali/cases/new/", {**FORM, "given_name": "Maryam", "phone": "0022376554433"}
    )
    assert again.status_code == 400
    text = again.content.decode()
    assert case.code in text
    assert "Moussa Caseworker" in text
    assert Case.objects.count() == 1
    confirmed = client.post(
        "/o/mali/cases/new/", {**FORM, "given_name": "Maryam", "confirm_not_duplicate": "on"}
    )
    assert confirmed.status_code == 302
    assert Case.objects.count() == 2


def test_registration_errors_are_shown_and_nothing_is_saved(cw: CaseWorld) -> None:
    response = client_for(cw.caseworker).post(
        "/o/mali/cases/new/", {**FORM, "area": "XX99", "case_type": "cp"}
    )
    assert response.status_code == 400
    assert "XX99" in response.content.decode()
    assert not Case.objects.exists()
    response = client_for(cw.caseworker).post("/o/mali/cases/new/", {**FORM, "case_type": "cp"})
    assert response.status_code == 400
    assert not Case.objects.exists()


def test_search_from_the_list_page(cw: CaseWorld) -> None:
    case = register(
        cw,
        principal=person(given_name="Mohamed", family_name="Ag Alhassane", phone="", id_number=""),
    )
    client = client_for(cw.caseworker)
    text = client.get("/o/mali/cases/list/", {"q": "Muhammad Alhassane"}).content.decode()
    assert case.code in text
    text = client.get("/o/mali/cases/list/", {"q": "Fatoumata"}).content.decode()
    assert case.code not in text


def test_the_list_page_costs_the_same_queries_for_few_or_many_cases(cw: CaseWorld) -> None:
    client = client_for(cw.supervisor)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/o/mali/cases/list/").status_code == 200
        return len(captured)

    register(cw)
    queries()  # the first request of a session saves it
    few = queries()
    for index in range(12):
        register(cw, principal=person(given_name=f"Nom{index}", phone="", id_number=""))
    assert queries() == few


def test_a_household_member_and_a_document_through_the_pages(cw: CaseWorld) -> None:
    case = register(cw)
    client = client_for(cw.caseworker)
    response = client.post(
        f"/o/mali/cases/{case.pk}/people/new/",
        {
            "given_name": "Binta",
            "family_name": "Traoré",
            "sex": "F",
            "age": "8",
            "relationship": "child",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.kind == Case.Kind.HOUSEHOLD
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "image/png")
    response = client.post(
        f"/o/mali/cases/{case.pk}/documents/new/", {"file": upload, "kind": "photo"}
    )
    assert response.status_code == 302
    document = case.documents.get()
    got = client.get(f"/o/mali/cases/{case.pk}/documents/{document.pk}/")
    assert got.status_code == 200
    assert got.content.startswith(b"\x89PNG")
    bad = SimpleUploadedFile("x.html", b"<script>alert(1)</script>", "image/png")
    response = client.post(
        f"/o/mali/cases/{case.pk}/documents/new/", {"file": bad, "kind": "photo"}
    )
    assert response.status_code == 400
