"""Incident pages: home, record form (with the masking warning), list, detail, edit, delete and
the duplicates review, with their access rules and the audit rows they leave."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tutela.core.models import AuditEntry
from tutela.monitoring.models import DuplicateFlag, Incident
from tutela.monitoring.tests.incident_fixtures import Mon, gbv, mon_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"monitoring:{name}", args=("mali", *args))


def form_data(**changes):
    data = {
        "blocks": "2",
        "occurred_on": "2026-03-10",
        "reported_on": "2026-03-12",
        "area": "ML0501",
        "site": "",
        "main_risk": "R02",
        "violations": ["killing"],
        "perpetrator": "nsag",
        "group_0": "IDP",
        "n_0_F_3": "3",
        "d_0_F_3": "1",
        "n_0_M_1": "2",
        "group_1": "",
        "services": ["health"],
        "source": "monitoring_visit",
        "verification": "unverified",
        "narrative": "Le village a été attaqué.",
        "narrative_checked": "",
    }
    data.update(changes)
    return data


@pytest.fixture
def records(mon: Mon):
    w = mon.world
    return {
        "amss": mon.record(),
        "amss_gbv": mon.record(**vars(gbv())),
        "other": mon.record(organisation=w.other_org, by=w.other_partner, area_pcode="ML04"),
        "other_gbv": mon.record(organisation=w.other_org, by=w.other_partner, **vars(gbv())),
    }


# --- home ---------------------------------------------------------------------------------------


def test_home_shows_the_organisations_counts_and_links(mon, records, as_user):
    response = as_user(mon.world.partner).get(url("home"))

    assert response.status_code == 200
    assert response.context["own_count"] == 2
    assert response.context["duplicate_count"] is None
    assert url("incident_create").encode() in response.content


def test_home_for_analysts_counts_reviewable_records(mon, records, as_user):
    response = as_user(mon.analyst).get(url("home"))

    assert response.context["visible_count"] == 2
    assert response.context["duplicate_count"] == 0
    assert url("duplicates").encode() in response.content


def test_home_without_records_for_the_coordinator(mon, records, as_user):
    response = as_user(mon.world.coordinator).get(url("home"))
    # The coordinator records for UNHCR, which has none; other organisations' records stay hidden.
    assert response.context["own_count"] == 0
    assert response.context["visible_count"] == 0


@pytest.mark.parametrize("persona", ["outsider", "other_operation_user"])
@pytest.mark.parametrize("name", ["home", "incident_list", "incident_create", "duplicates"])
def test_pages_are_not_found_outside_the_users_operations(mon, as_user, persona, name):
    response = as_user(getattr(mon.world, persona)).get(url(name))
    assert response.status_code == 404


def test_anonymous_users_are_sent_to_sign_in(mon, client):
    response = client.get(url("incident_list"))
    assert response.status_code == 302


# --- record -------------------------------------------------------------------------------------


def test_form_renders_with_the_grid_and_reference_lists(mon, as_user):
    response = as_user(mon.world.partner).get(url("incident_create"))

    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="n_0_F_3"' in body
    assert 'name="d_1_M_4"' in body
    assert "Violence basée sur le genre" in body or "Gender-based violence" in body
    assert 'list="area-options"' in body
    assert "<script>" not in body
    assert 'style="' not in body


def test_partner_records_an_incident(mon, as_user):
    response = as_user(mon.world.partner).post(url("incident_create"), form_data())

    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response.url == url("incident_detail", incident.pk)
    assert incident.organisation == mon.world.amss
    assert incident.people_affected == 5
    lines = sorted(incident.people.values_list("sex", "age_band__code", "with_disability", "count"))
    assert lines == [("F", "18-59", False, 2), ("F", "18-59", True, 1), ("M", "5-11", False, 2)]
    assert (
        AuditEntry.objects.filter(action="create", entity_type="monitoring.incident").count() == 1
    )


def test_area_can_be_given_by_its_name(mon, as_user):
    as_user(mon.world.partner).post(url("incident_create"), form_data(area="Djenné"))
    assert Incident.objects.get().area.pcode == "ML0502"


def test_problems_are_shown_on_the_form_and_nothing_is_saved(mon, as_user):
    response = as_user(mon.world.partner).post(
        url("incident_create"),
        form_data(reported_on="2026-03-01", area="ZZ01", violations=["gbv_rape"], d_0_F_3="9"),
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert "d_0_F_3" in form.errors
    assert not Incident.objects.exists()
    response = as_user(mon.world.partner).post(
        url("incident_create"), form_data(reported_on="2026-03-01", area="ZZ01")
    )
    errors = response.context["form"].errors
    assert "reported_on" in errors
    assert "area" in errors
    assert not Incident.objects.exists()


def test_personal_data_in_the_narrative_is_shown_before_saving(mon, as_user):
    client = as_user(mon.world.partner)
    narrative = "Mme Awa Diallo a été menacée, tel 76 12 34 56."

    response = client.post(url("incident_create"), form_data(narrative=narrative))

    assert response.status_code == 200
    assert response.context["confirm"]
    body = response.content.decode()
    assert "Mme [name] a été menacée, tel [phone]." in body
    assert not Incident.objects.exists()
    checked = response.context["form"]["narrative_checked"].value()
    assert checked

    response = client.post(
        url("incident_create"), form_data(narrative=narrative, narrative_checked=checked)
    )

    assert response.status_code == 302
    assert Incident.objects.get().narrative == "Mme [name] a été menacée, tel [phone]."


def test_a_changed_narrative_is_checked_again(mon, as_user):
    client = as_user(mon.world.partner)
    first = client.post(url("incident_create"), form_data(narrative="M. Traoré"))
    checked = first.context["form"]["narrative_checked"].value()

    response = client.post(
        url("incident_create"), form_data(narrative="M. Keïta, 76123456", narrative_checked=checked)
    )

    assert response.status_code == 200
    assert response.context["confirm"]
    assert not Incident.objects.exists()


@pytest.mark.parametrize("persona", ["viewer"])
def test_users_without_an_organisation_role_cannot_record(mon, as_user, persona):
    client = as_user(getattr(mon.world, persona))
    assert client.get(url("incident_create")).status_code == 403
    assert client.post(url("incident_create"), form_data()).status_code == 403
    assert not Incident.objects.exists()


# --- list ---------------------------------------------------------------------------------------


def test_list_shows_only_the_records_the_user_may_see(mon, records, as_user):
    def listed(user):
        response = as_user(user).get(url("incident_list"))
        assert response.status_code == 200
        return {i.pk for i in response.context["page"].object_list}

    assert listed(mon.world.partner) == {records["amss"].pk, records["amss_gbv"].pk}
    assert listed(mon.world.other_partner) == {records["other"].pk, records["other_gbv"].pk}
    assert listed(mon.analyst) == {records["amss"].pk, records["other"].pk}
    assert listed(mon.world.coordinator) == set()
    assert listed(mon.world.viewer) == set()


def test_list_filters(mon, records, as_user):
    client = as_user(mon.analyst)

    def listed(**params):
        return {i.pk for i in client.get(url("incident_list"), params).context["page"].object_list}

    assert listed(area="ML04") == {records["other"].pk}
    assert listed(area="ML05") == {records["amss"].pk}
    assert listed(month="2026-03") == {records["amss"].pk, records["other"].pk}
    assert listed(month="2026-02") == set()
    assert listed(risk="R02") == {records["amss"].pk, records["other"].pk}
    assert listed(risk="R12") == set()
    assert listed(verification="verified") == set()
    assert listed(organisation="AMSS") == {records["amss"].pk}


def test_list_paginates(mon, as_user, monkeypatch):
    from tutela.monitoring.views import incidents as views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for _i in range(3):
        mon.record()
    response = as_user(mon.world.partner).get(url("incident_list"), {"page": "2"})
    assert response.status_code == 200
    assert response.context["page"].number == 2
    assert len(response.context["page"].object_list) == 1
    assert 'rel="prev"' in response.content.decode()


# --- detail -------------------------------------------------------------------------------------


def test_detail_shows_the_record_and_audits_the_read(mon, records, as_user):
    records["amss"].narrative = "Le village a été attaqué la nuit."
    records["amss"].save()
    response = as_user(mon.world.partner).get(url("incident_detail", records["amss"].pk))

    assert response.status_code == 200
    assert "Le village a été attaqué la nuit." in response.content.decode()
    entry = AuditEntry.objects.get(action="read")
    assert entry.actor == mon.world.partner
    assert entry.entity_id == str(records["amss"].pk)


def test_analyst_reads_other_organisations_non_gbv_narrative(mon, records, as_user):
    records["other"].narrative = "Attaque du marché."
    records["other"].save()
    response = as_user(mon.analyst).get(url("incident_detail", records["other"].pk))

    assert response.status_code == 200
    assert "Attaque du marché." in response.content.decode()
    assert not response.context["can_edit"]


@pytest.mark.parametrize(
    ("persona", "record"),
    [
        ("outsider", "amss"),
        ("other_operation_user", "amss"),
        ("other_partner", "amss"),
        ("coordinator", "amss"),
        ("viewer", "amss"),
        ("partner", "other"),
        ("analyst", "amss_gbv"),
        ("analyst", "other_gbv"),
    ],
)
def test_detail_is_not_found_for_those_who_may_not_see_the_record(
    mon, records, as_user, persona, record
):
    user = mon.analyst if persona == "analyst" else getattr(mon.world, persona)
    client = as_user(user)
    pk = records[record].pk

    for name in ("incident_detail", "incident_edit", "incident_delete"):
        assert client.get(url(name, pk)).status_code == 404
    assert client.post(url("incident_delete", pk)).status_code == 404
    assert Incident.objects.filter(pk=pk).exists()
    assert not AuditEntry.objects.filter(action="read").exists()


def test_records_of_another_operation_are_not_reached_through_this_one(mon, records, as_user):
    response = as_user(mon.world.other_operation_user).get(
        reverse("monitoring:incident_detail", args=("colombia", records["amss"].pk))
    )
    assert response.status_code == 404


# --- edit, delete -------------------------------------------------------------------------------


def test_edit_form_is_filled_from_the_record(mon, records, as_user):
    response = as_user(mon.world.partner).get(url("incident_edit", records["amss"].pk))

    form = response.context["form"]
    assert form.initial["main_risk"] == "R02"
    assert form.initial["violations"] == ["killing"]
    assert form.initial["n_0_F_3"] == 3
    assert form.initial["group_0"] == "IDP"


def test_partner_edits_their_organisations_record(mon, records, as_user):
    response = as_user(mon.world.caseworker).post(
        url("incident_edit", records["amss"].pk), form_data(verification="verified")
    )

    assert response.status_code == 302
    records["amss"].refresh_from_db()
    assert records["amss"].verification.code == "verified"
    assert records["amss"].updated_by == mon.world.caseworker
    assert AuditEntry.objects.filter(action="update", entity_type="monitoring.incident").exists()


def test_analyst_may_not_edit_or_delete_other_organisations_records(mon, records, as_user):
    client = as_user(mon.analyst)
    pk = records["amss"].pk

    assert client.get(url("incident_edit", pk)).status_code == 403
    assert (
        client.post(url("incident_edit", pk), form_data(verification="verified")).status_code == 403
    )
    assert client.post(url("incident_delete", pk)).status_code == 403
    records["amss"].refresh_from_db()
    assert records["amss"].verification.code == "unverified"


def test_partner_deletes_their_organisations_record(mon, records, as_user):
    client = as_user(mon.world.partner)
    pk = records["amss"].pk

    assert client.get(url("incident_delete", pk)).status_code == 200
    response = client.post(url("incident_delete", pk))

    assert response.status_code == 302
    assert not Incident.objects.filter(pk=pk).exists()
    assert AuditEntry.objects.filter(action="delete", entity_id=str(pk)).exists()


# --- duplicates ---------------------------------------------------------------------------------


@pytest.fixture
def flag(mon: Mon):
    mon.record()
    mon.record(organisation=mon.world.other_org, by=mon.world.other_partner)
    return DuplicateFlag.objects.get()


def test_analyst_reviews_and_merges_duplicates(mon, flag, as_user):
    client = as_user(mon.analyst)
    response = client.get(url("duplicates"))
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [flag]

    response = client.post(url("duplicate_decide", flag.pk), {"decision": "merge_into_second"})

    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.status == DuplicateFlag.Status.MERGED
    assert Incident.objects.get(pk=flag.incident_id).merged_into_id == flag.other_id


def test_analyst_keeps_a_pair_apart(mon, flag, as_user):
    as_user(mon.analyst).post(url("duplicate_decide", flag.pk), {"decision": "keep_apart"})
    flag.refresh_from_db()
    assert flag.status == DuplicateFlag.Status.KEPT


@pytest.mark.parametrize("persona", ["coordinator", "partner", "other_partner", "viewer"])
def test_only_analysts_review_duplicates(mon, flag, as_user, persona):
    client = as_user(getattr(mon.world, persona))
    assert client.get(url("duplicates")).status_code == 403
    assert (
        client.post(url("duplicate_decide", flag.pk), {"decision": "keep_apart"}).status_code == 403
    )
    flag.refresh_from_db()
    assert flag.status == DuplicateFlag.Status.OPEN


@pytest.mark.parametrize("persona", ["outsider", "other_operation_user"])
def test_duplicate_decisions_are_not_found_outside_the_operation(mon, flag, as_user, persona):
    response = as_user(getattr(mon.world, persona)).post(
        url("duplicate_decide", flag.pk), {"decision": "keep_apart"}
    )
    assert response.status_code == 404
    flag.refresh_from_db()
    assert flag.status == DuplicateFlag.Status.OPEN
