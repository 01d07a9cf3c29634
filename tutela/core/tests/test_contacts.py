"""The contact directory: services, pages, Excel export and access rules."""

from __future__ import annotations

import datetime
import io

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import load_workbook

from tutela.core.models import AuditEntry, Body, Contact, Organisation
from tutela.core.services.contacts import (
    contact_create,
    contact_deactivate,
    contact_update,
    contacts_export,
)
from tutela.core.spreadsheets import sheet_title
from tutela.core.tests.hxl_checks import assert_valid_hxl, hxl_dataset

pytestmark = pytest.mark.django_db


def raw_column(contact: Contact, column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM core_contact WHERE id = %s", [contact.pk])  # noqa: S608
        return cursor.fetchone()[0]


@pytest.fixture
def aminata(world):
    contact = Contact.objects.create(
        operation=world.operation,
        organisation=world.amss,
        name="Aminata Traoré",
        title="Chargée de protection",
        email="aminata@amss.test",
        phone="+223 70 00 00 01",
    )
    contact.bodies.set([world.cluster])
    return contact


@pytest.fixture
def jean(world):
    return Contact.objects.create(
        operation=world.operation,
        organisation=world.drc,
        name="Jean Dupont",
        title="Protection Manager",
        email="jean@drc.test",
    )


# --- services -------------------------------------------------------------------------------------


def test_manager_creates_a_contact_with_encrypted_personal_data(world):
    contact = contact_create(
        by=world.coordinator,
        operation=world.operation,
        organisation=world.drc,
        name=" Jean Dupont ",
        title="Protection Manager",
        email=" Jean@DRC.test ",
        phone="+223  70 11 22 33",
        bodies=[world.cluster, world.cp_aor],
    )
    contact.refresh_from_db()
    assert contact.name == "Jean Dupont"
    assert contact.email == "jean@drc.test"
    assert contact.phone == "+223 70 11 22 33"
    assert set(contact.bodies.all()) == {world.cluster, world.cp_aor}
    # Not in clear in the database...
    raw_email = raw_column(contact, "email")
    raw_phone = raw_column(contact, "phone")
    assert raw_email.startswith("enc:")
    assert "jean" not in raw_email.lower()
    assert "70 11" not in raw_phone
    # ...nor in the audit log.
    entry = AuditEntry.objects.get(entity_type="core.contact", entity_id=str(contact.pk))
    assert entry.action == "create"
    assert entry.after["email"].startswith("[encrypted #")
    assert entry.after["phone"].startswith("[encrypted #")
    assert "jean@drc.test" not in str(entry.after)


def test_partner_creates_a_contact_of_their_own_organisation(world):
    contact = contact_create(
        by=world.partner, operation=world.operation, organisation=world.amss, name="Sidi"
    )
    assert contact.organisation == world.amss
    assert AuditEntry.objects.filter(actor=world.partner, entity_type="core.contact").exists()


@pytest.mark.parametrize("persona", ["partner", "caseworker", "viewer", "outsider"])
def test_non_managers_cannot_create_other_organisations_contacts(world, persona):
    with pytest.raises(PermissionDenied):
        contact_create(
            by=getattr(world, persona),
            operation=world.operation,
            organisation=world.drc,
            name="Someone",
        )
    assert not Contact.objects.exists()


def test_caseworker_cannot_write_even_own_organisation_contacts(world):
    with pytest.raises(PermissionDenied):
        contact_create(
            by=world.caseworker, operation=world.operation, organisation=world.amss, name="X"
        )


def test_invalid_email_is_reported_on_the_field(world):
    with pytest.raises(ValidationError) as info:
        contact_create(
            by=world.imo,
            operation=world.operation,
            organisation=world.amss,
            name="X",
            email="not-an-email",
        )
    assert "email" in info.value.message_dict


def test_contact_of_an_organisation_outside_the_operation_is_refused(world):
    far = Organisation.objects.create(name="Far away", acronym="FAR", type="ingo")
    with pytest.raises(ValidationError) as info:
        contact_create(by=world.imo, operation=world.operation, organisation=far, name="X")
    assert "organisation" in info.value.message_dict


def test_bodies_of_another_operation_are_refused(world):
    foreign = Body.objects.create(operation=world.other_operation, name="Colombia", kind="cluster")
    with pytest.raises(ValidationError) as info:
        contact_create(
            by=world.imo,
            operation=world.operation,
            organisation=world.amss,
            name="X",
            bodies=[foreign],
        )
    assert "bodies" in info.value.message_dict


def test_update_records_that_the_phone_changed_without_its_value(world, aminata):
    contact_update(by=world.partner, contact=aminata, phone="+223 70 99 99 99")
    aminata.refresh_from_db()
    assert aminata.phone == "+223 70 99 99 99"
    assert "99 99" not in raw_column(aminata, "phone")
    entry = AuditEntry.objects.get(entity_type="core.contact", action="update")
    assert entry.before["phone"].startswith("[encrypted #")
    assert entry.after["phone"].startswith("[encrypted #")
    assert entry.after["phone"] != entry.before["phone"]
    assert "email" not in entry.after
    assert "99 99" not in str(entry.before) + str(entry.after)


def test_update_replaces_bodies_only_when_given(world, aminata):
    contact_update(by=world.imo, contact=aminata, title="Coordinatrice")
    assert list(aminata.bodies.all()) == [world.cluster]
    contact_update(by=world.imo, contact=aminata, bodies=[world.cp_aor])
    assert list(aminata.bodies.all()) == [world.cp_aor]


def test_partner_cannot_edit_another_organisations_contact(world, jean):
    with pytest.raises(PermissionDenied):
        contact_update(by=world.partner, contact=jean, title="Changed")
    with pytest.raises(PermissionDenied):
        contact_deactivate(by=world.other_partner, contact=jean)
    jean.refresh_from_db()
    assert jean.title == "Protection Manager"
    assert jean.is_active


def test_partner_cannot_move_their_contact_to_another_organisation(world, aminata):
    with pytest.raises(PermissionDenied):
        contact_update(by=world.partner, contact=aminata, organisation=world.drc)
    aminata.refresh_from_db()
    assert aminata.organisation == world.amss


def test_deactivation_keeps_the_row_and_is_audited(world, aminata):
    contact_deactivate(by=world.partner, contact=aminata)
    aminata.refresh_from_db()
    assert not aminata.is_active
    entry = AuditEntry.objects.get(entity_type="core.contact", action="update")
    assert entry.before["is_active"] is True
    assert entry.after["is_active"] is False


def test_export_service_refuses_a_viewer(world, aminata):
    with pytest.raises(PermissionDenied):
        contacts_export(by=world.viewer, operation=world.operation)
    assert not AuditEntry.objects.filter(action="export").exists()


# --- list page ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona", ["coordinator", "imo", "partner", "caseworker", "other_partner"]
)
def test_contact_list_shows_every_organisation_to_members(world, as_user, aminata, jean, persona):
    response = as_user(getattr(world, persona)).get(reverse("core:contacts", args=["mali"]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Aminata Traoré" in content
    assert "aminata@amss.test" in content
    assert "+223 70 00 00 01" in content
    assert "Jean Dupont" in content
    assert "PRO" in content


def test_viewer_is_refused_the_contact_list(world, as_user, aminata):
    client = as_user(world.viewer)
    assert client.get(reverse("core:contacts", args=["mali"])).status_code == 403
    assert client.get(reverse("core:contacts_export", args=["mali"])).status_code == 403
    assert client.get(reverse("core:contact_create", args=["mali"])).status_code == 403
    assert not AuditEntry.objects.filter(action="export").exists()


@pytest.mark.parametrize("persona", ["outsider", "other_operation_user"])
def test_contact_pages_are_not_found_for_non_members(world, as_user, aminata, persona):
    client = as_user(getattr(world, persona))
    for url in [
        reverse("core:contacts", args=["mali"]),
        reverse("core:contacts_export", args=["mali"]),
        reverse("core:contact_create", args=["mali"]),
        reverse("core:contact_edit", args=["mali", aminata.pk]),
        reverse("core:contact_deactivate", args=["mali", aminata.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"aminata" not in response.content.lower()


def test_contact_of_another_operation_is_not_found(world, as_user):
    foreign = Contact.objects.create(
        operation=world.other_operation, organisation=world.unhcr, name="Camila"
    )
    response = as_user(world.coordinator).get(
        reverse("core:contact_edit", args=["mali", foreign.pk])
    )
    assert response.status_code == 404


def test_contact_list_filters(world, as_user, aminata, jean):
    client = as_user(world.partner)
    url = reverse("core:contacts", args=["mali"])

    def names(params):
        return [c.name for c in client.get(url, params).context["page"].object_list]

    assert names({}) == ["Aminata Traoré", "Jean Dupont"]
    assert names({"q": "manager"}) == ["Jean Dupont"]
    assert names({"q": "danish"}) == ["Jean Dupont"]
    assert names({"organisation": world.amss.pk}) == ["Aminata Traoré"]
    assert names({"body": world.cluster.pk}) == ["Aminata Traoré"]
    assert names({"body": world.cp_aor.pk}) == []
    # A bad value is ignored rather than failing the page.
    assert names({"organisation": "999999"}) == ["Aminata Traoré", "Jean Dupont"]
    assert "No contact matches these filters." in client.get(url, {"q": "zzz"}).content.decode()


def test_inactive_contacts_are_listed_for_managers_only_on_request(world, as_user, aminata, jean):
    Contact.objects.filter(pk=jean.pk).update(is_active=False)
    url = reverse("core:contacts", args=["mali"])
    manager = as_user(world.imo)
    assert [c.name for c in manager.get(url).context["page"].object_list] == ["Aminata Traoré"]
    listed = manager.get(url, {"include_inactive": "on"}).context["page"].object_list
    assert [c.name for c in listed] == ["Aminata Traoré", "Jean Dupont"]
    partner = as_user(world.partner)
    listed = partner.get(url, {"include_inactive": "on"}).context["page"].object_list
    assert [c.name for c in listed] == ["Aminata Traoré"]


def test_partner_sees_edit_links_on_their_own_contacts_only(world, as_user, aminata, jean):
    response = as_user(world.partner).get(reverse("core:contacts", args=["mali"]))
    content = response.content.decode()
    assert reverse("core:contact_edit", args=["mali", aminata.pk]) in content
    assert reverse("core:contact_edit", args=["mali", jean.pk]) not in content


def test_empty_directory_shows_an_empty_state(world, as_user):
    response = as_user(world.partner).get(reverse("core:contacts", args=["mali"]))
    assert "The contact directory is empty." in response.content.decode()


def test_contact_list_makes_a_bounded_number_of_queries(
    world, as_user, django_assert_max_num_queries
):
    for i in range(40):
        contact = Contact.objects.create(
            operation=world.operation,
            organisation=[world.amss, world.drc, world.unhcr][i % 3],
            name=f"Person {i:02}",
            email=f"p{i}@example.test",
        )
        contact.bodies.set([world.cluster, world.cp_aor])
    client = as_user(world.partner)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("core:contacts", args=["mali"]))
    assert len(response.context["page"].object_list) == 40


# --- forms ----------------------------------------------------------------------------------------


def test_partner_adds_a_contact_of_their_organisation_through_the_form(world, as_user):
    client = as_user(world.partner)
    url = reverse("core:contact_create", args=["mali"])
    page = client.get(url)
    assert list(page.context["form"].fields["organisation"].queryset) == [world.amss]
    response = client.post(
        url,
        {
            "organisation": world.amss.pk,
            "name": "Sidi Maïga",
            "email": "sidi@amss.test",
            "phone": "+223 70 12 34 56",
            "bodies": [world.cluster.pk],
        },
    )
    assert response.status_code == 302
    contact = Contact.objects.get(name="Sidi Maïga")
    assert contact.email == "sidi@amss.test"
    assert list(contact.bodies.all()) == [world.cluster]
    assert AuditEntry.objects.filter(entity_id=str(contact.pk), action="create").exists()


def test_partner_cannot_post_a_contact_for_another_organisation(world, as_user):
    response = as_user(world.partner).post(
        reverse("core:contact_create", args=["mali"]),
        {"organisation": world.drc.pk, "name": "Fake"},
    )
    assert response.status_code == 200
    assert "organisation" in response.context["form"].errors
    assert not Contact.objects.filter(name="Fake").exists()


def test_caseworker_cannot_open_the_contact_form(world, as_user):
    assert (
        as_user(world.caseworker).get(reverse("core:contact_create", args=["mali"])).status_code
        == 403
    )


def test_contact_form_shows_an_invalid_email(world, as_user):
    response = as_user(world.imo).post(
        reverse("core:contact_create", args=["mali"]),
        {"organisation": world.amss.pk, "name": "X", "email": "nope"},
    )
    assert response.status_code == 200
    assert "email" in response.context["form"].errors


def test_manager_edits_any_contact_through_the_form(world, as_user, jean):
    client = as_user(world.imo)
    url = reverse("core:contact_edit", args=["mali", jean.pk])
    page = client.get(url)
    assert page.context["form"].initial["email"] == "jean@drc.test"
    response = client.post(
        url,
        {
            "organisation": world.drc.pk,
            "name": "Jean Dupont",
            "title": "Head of Protection",
            "email": "jean@drc.test",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    jean.refresh_from_db()
    assert jean.title == "Head of Protection"
    assert jean.is_active


def test_partner_cannot_edit_or_remove_another_organisations_contact(world, as_user, jean):
    client = as_user(world.partner)
    edit = reverse("core:contact_edit", args=["mali", jean.pk])
    remove = reverse("core:contact_deactivate", args=["mali", jean.pk])
    assert client.get(edit).status_code == 403
    assert client.post(edit, {"organisation": world.drc.pk, "name": "Hacked"}).status_code == 403
    assert client.post(remove).status_code == 403
    jean.refresh_from_db()
    assert jean.name == "Jean Dupont"
    assert jean.is_active


def test_partner_removes_their_own_contact(world, as_user, aminata):
    client = as_user(world.partner)
    url = reverse("core:contact_deactivate", args=["mali", aminata.pk])
    assert client.get(url).status_code == 200
    response = client.post(url)
    assert response.status_code == 302
    aminata.refresh_from_db()
    assert not aminata.is_active
    assert AuditEntry.objects.filter(
        entity_id=str(aminata.pk), action="update", actor=world.partner
    ).exists()


# --- export ---------------------------------------------------------------------------------------


@time_machine.travel(datetime.datetime(2026, 3, 15, 10, 0, tzinfo=datetime.UTC), tick=False)
def test_export_is_a_formatted_workbook_and_is_audited(world, as_user, aminata, jean):
    Contact.objects.create(
        operation=world.operation, organisation=world.amss, name='=HYPERLINK("x")'
    )
    response = as_user(world.partner).get(reverse("core:contacts_export", args=["mali"]))
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"] == (
        'attachment; filename="mali-contacts-2026-03-15.xlsx"'
    )
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.active
    assert sheet.title == "Contacts"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:6] == ("Name", "Title", "Organisation", "Organisation name", "E-mail", "Phone")
    assert rows[1][:2] == ("#contact+name", "#contact+title")
    assert len(rows) == 5
    assert rows[3][:3] == ("Aminata Traoré", "Chargée de protection", "AMSS")
    assert rows[3][4] == "aminata@amss.test"
    assert rows[3][6] == "PRO"
    assert sheet["A1"].font.bold
    assert sheet.freeze_panes == "A3"
    assert sheet.auto_filter.ref == "A1:H5"
    assert sheet.column_dimensions["A"].width > 10
    # A value that looks like a formula stays text.
    formula_like = sheet["A3"]
    assert formula_like.value == '=HYPERLINK("x")'
    assert formula_like.data_type == "s"

    entry = AuditEntry.objects.get(action="export")
    assert entry.actor == world.partner
    assert entry.operation == world.operation
    assert entry.entity_type == "core.contact"
    assert entry.after["count"] == 3


def test_export_follows_the_list_filters(world, as_user, aminata, jean):
    response = as_user(world.partner).get(
        reverse("core:contacts_export", args=["mali"]), {"organisation": world.drc.pk}
    )
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [row[0] for row in rows[2:]] == ["Jean Dupont"]
    entry = AuditEntry.objects.get(action="export")
    assert entry.after == {"count": 1, "filters": {"organisation": world.drc.pk}}


def test_export_sheet_title_and_headers_follow_the_user_language(world, as_user, aminata):
    world.partner.language = "fr"
    world.partner.save()
    response = as_user(world.partner).get(reverse("core:contacts_export", args=["mali"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    with translation.override("fr"):
        assert sheet.title == sheet_title(gettext("Contacts"))
        assert sheet["A1"].value == gettext("Name")
        assert sheet["E1"].value == gettext("E-mail")


def test_sheet_title_is_cleaned_for_excel():
    assert sheet_title("Contacts: Mali/Ségou [2026]?") == "Contacts  Mali Ségou  2026"
    assert len(sheet_title("x" * 40)) == 31
    assert sheet_title("") == "Sheet1"


def test_contacts_export_reads_back_with_libhxl(world, as_user, aminata, jean):
    response = as_user(world.partner).get(reverse("core:contacts_export", args=["mali"]))
    rows = assert_valid_hxl(hxl_dataset(response.content, "xlsx"), min_rows=2)
    assert {row["#contact+email"] for row in rows} >= {"aminata@amss.test"}
    assert {row["#org+acronym"] for row in rows} == {"AMSS", "DRC"}
