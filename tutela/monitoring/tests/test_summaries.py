"""The incident summary stays exactly in step with the incidents through every write path, and the
atoms the selectors build from it are those of a GROUP BY over the incidents."""

from __future__ import annotations

import datetime
from collections import Counter
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tutela.core.models import ProtectionRisk, User
from tutela.monitoring.incidents.data import PeopleCount
from tutela.monitoring.incidents.records import incident_data_from
from tutela.monitoring.models import (
    DuplicateFlag,
    Incident,
    IncidentAtom,
    IncidentDataVersion,
    IncidentSummary,
    SharingAgreement,
    VerificationStatus,
)
from tutela.monitoring.schedules import atoms_refresh_all
from tutela.monitoring.selectors.atoms import incident_atoms, incident_atoms_from_records
from tutela.monitoring.selectors.base import PUBLICATION, AnalysisFilters, viewer_for
from tutela.monitoring.services.atoms import atom_differences
from tutela.monitoring.services.duplicates import duplicate_merge
from tutela.monitoring.services.incidents import (
    incident_delete,
    incident_record,
    incident_update,
    incidents_save_many,
)
from tutela.monitoring.services.settings import reference_item_save, sharing_agreement_save
from tutela.monitoring.services.summaries import summaries_rebuild, summary_differences
from tutela.monitoring.tests.incident_fixtures import Mon, data, mon_fixture  # noqa: F401

pytestmark = pytest.mark.django_db

MONTHS = [datetime.date(2026, 1, 10), datetime.date(2026, 2, 3), datetime.date(2026, 3, 20)]
AREAS = ["ML0501", "ML050101", "ML050102", "ML0502", "ML05"]
RISKS = [("R02", "killing"), ("R08", "gbv_rape"), ("R12", "theft")]
VERIFICATIONS = ["unverified", "verified", "partially_verified"]

content = st.fixed_dictionaries(
    {
        "month": st.integers(0, len(MONTHS) - 1),
        "area": st.integers(0, len(AREAS) - 1),
        "risk": st.integers(0, len(RISKS) - 1),
        "verification": st.integers(0, len(VERIFICATIONS) - 1),
        "people": st.integers(1, 4),
    }
)
action = st.one_of(
    st.tuples(st.just("record"), st.integers(0, 2), content),
    # An organisation's GBV sharing agreement, or a status's "counts as verified" flag, changed
    # through the settings service or behind its back (admin, shell).
    st.tuples(st.just("share"), st.integers(0, 2), st.booleans(), st.booleans()),
    st.tuples(st.just("verify"), st.integers(0, 2), st.booleans(), st.booleans()),
    st.tuples(st.just("import"), st.integers(0, 2), st.lists(content, min_size=1, max_size=3)),
    st.tuples(st.just("update"), st.integers(0, 1000), content),
    st.tuples(st.just("delete"), st.integers(0, 1000)),
    st.tuples(st.just("merge"), st.integers(0, 1000), st.integers(0, 1000)),
)


def _data(c: dict[str, int], external_id: str = "") -> Any:
    occurred = MONTHS[c["month"]]
    return data(
        occurred_on=occurred,
        reported_on=occurred + datetime.timedelta(days=2),
        area_pcode=AREAS[c["area"]],
        risks=[RISKS[c["risk"]]],
        verification=VERIFICATIONS[c["verification"]],
        people=[PeopleCount("F", "18-59", False, None, c["people"])],
        external_id=external_id,
    )


def _blocks(atoms: Any) -> Counter[tuple[Any, ...]]:
    return Counter((tuple(str(k.get(d)) for d in sorted(k)), n) for k, n in atoms.blocks())


def _viewers(mon: Mon) -> list[Any]:
    w = mon.world
    admin, _ = User.objects.get_or_create(
        email="root@tutela.test", defaults={"is_superuser": True, "full_name": "Root"}
    )
    return [w.partner, w.other_partner, w.coordinator, mon.analyst, admin, PUBLICATION]


def _check(mon: Mon) -> None:
    operation = mon.operation
    assert summary_differences(operation) == {}
    risk = ProtectionRisk.objects.get(operation=operation, code="R08")
    views = [
        AnalysisFilters(),
        AnalysisFilters(month_from=datetime.date(2026, 2, 1), month_to=datetime.date(2026, 3, 1)),
        AnalysisFilters(area=mon.areas["ML0501"], verified_only=True),
        AnalysisFilters(risk=risk),
    ]
    for user in _viewers(mon):
        viewer = viewer_for(user, operation)
        for filters in views:
            fast = incident_atoms(viewer, filters)
            slow = incident_atoms_from_records(viewer, filters)
            assert _blocks(fast) == _blocks(slow), (user, filters)
            assert fast.controlled == slow.controlled
    assert atom_differences(operation) == {}


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(actions=st.lists(action, min_size=1, max_size=8))
def test_summary_follows_every_write(mon: Mon, actions: list[Any]) -> None:
    w = mon.world
    SharingAgreement.objects.get_or_create(
        operation=mon.operation, organisation=w.other_org, defaults={"shares_gbv_aggregates": True}
    )
    owners = [(w.amss, w.partner), (w.other_org, w.other_partner), (w.unhcr, w.imo)]
    # An organisation's records change only through its members.
    member = {organisation.pk: user for organisation, user in owners}
    for step in actions:
        kind = step[0]
        records = list(Incident.objects.filter(operation=mon.operation).order_by("pk"))
        if kind == "record":
            org, by = owners[step[1]]
            incident_record(operation=mon.operation, organisation=org, by=by, data=_data(step[2]))
        elif kind == "import":
            org, by = owners[step[1]]
            # Known external identifiers update their records; the others are created.
            items = [_data(c, external_id=f"x{i}") for i, c in enumerate(step[2])]
            incidents_save_many(operation=mon.operation, organisation=org, by=by, items=items)
        elif kind == "update" and records:
            incident = records[step[1] % len(records)]
            old = incident_data_from(incident)
            new = _data(step[2])
            new.external_id = old.external_id
            incident_update(incident=incident, by=member[incident.organisation_id], data=new)
        elif kind == "share":
            org = owners[step[1]][0]
            if step[3]:
                sharing_agreement_save(
                    operation=mon.operation,
                    by=w.coordinator,
                    organisation=org,
                    shares_gbv_aggregates=step[2],
                    signed_on=datetime.date(2026, 1, 5),
                )
            else:
                SharingAgreement.objects.update_or_create(
                    operation=mon.operation,
                    organisation=org,
                    defaults={"shares_gbv_aggregates": step[2]},
                )
        elif kind == "verify":
            status = VerificationStatus.objects.get(
                operation=mon.operation, code=VERIFICATIONS[step[1]]
            )
            if step[3]:
                reference_item_save(
                    operation=mon.operation,
                    by=w.coordinator,
                    kind="verification",
                    data={"is_verified": step[2]},
                    instance=status,
                )
            else:
                VerificationStatus.objects.filter(pk=status.pk).update(is_verified=step[2])
        elif kind == "delete" and records:
            incident = records[step[1] % len(records)]
            incident_delete(incident=incident, by=member[incident.organisation_id])
        elif kind == "merge" and len(records) > 1:
            a = records[step[1] % len(records)]
            b = records[step[2] % len(records)]
            if (
                a.pk == b.pk
                or a.organisation_id == b.organisation_id
                or a.is_gbv
                or b.is_gbv
                or a.merged_into_id
                or b.merged_into_id
            ):
                continue
            first, second = sorted([a, b], key=lambda i: i.pk)
            flag, _ = DuplicateFlag.objects.get_or_create(
                operation=mon.operation, incident=first, other=second
            )
            if flag.status != DuplicateFlag.Status.OPEN:
                continue
            duplicate_merge(flag=flag, by=mon.analyst, keep=a)
        _warm(mon)
    _check(mon)


def _warm(mon: Mon) -> None:
    """Every reader's pooled atoms read (and cached per data version) after each write, and
    compared with the incidents themselves: a write that left a cached result in use (no
    version bump) fails here, at its step."""
    views = [
        AnalysisFilters(),
        AnalysisFilters(month_from=datetime.date(2026, 2, 1), month_to=datetime.date(2026, 3, 1)),
    ]
    for user in _viewers(mon):
        viewer = viewer_for(user, mon.operation)
        for filters in views:
            fast = incident_atoms(viewer, filters)
            slow = incident_atoms_from_records(viewer, filters)
            assert _blocks(fast) == _blocks(slow), (user, filters)
            assert fast.controlled == slow.controlled


def test_deleting_the_survivor_counts_the_merged_record_again(mon: Mon) -> None:
    w = mon.world
    first = mon.record()
    second = mon.record(organisation=w.other_org, by=w.other_partner)
    flag = DuplicateFlag.objects.get()
    duplicate_merge(flag=flag, by=mon.analyst, keep=first)
    assert IncidentSummary.objects.get().incidents == 1
    incident_delete(incident=first, by=w.partner)
    row = IncidentSummary.objects.get()
    assert (row.incidents, row.people) == (1, second.people_affected)
    assert summary_differences(mon.operation) == {}


def test_a_count_moved_between_organisations_renews_the_readers_cached_atoms(mon: Mon) -> None:
    """The survivor of a merge deleted, its merged record (another organisation's, in the same
    summary row) is counted again: the summary is as it was, but the other organisation's
    partner now sees that incident as theirs; their cached atoms must not outlive the change."""
    w = mon.world
    first = mon.record()
    mon.record(organisation=w.other_org, by=w.other_partner)
    duplicate_merge(flag=DuplicateFlag.objects.get(), by=mon.analyst, keep=first)
    viewer = viewer_for(w.other_partner, mon.operation)
    before = _blocks(incident_atoms(viewer, AnalysisFilters()))  # cached
    summary = list(IncidentSummary.objects.values_list("incidents", "people"))
    incident_delete(incident=first, by=w.partner)
    assert list(IncidentSummary.objects.values_list("incidents", "people")) == summary
    after = _blocks(incident_atoms(viewer, AnalysisFilters()))
    assert after == _blocks(incident_atoms_from_records(viewer, AnalysisFilters()))
    assert after != before


def test_gbv_rows_keep_their_organisation_and_others_do_not(mon: Mon) -> None:
    mon.record()
    mon.record(risks=[("R08", "gbv_rape")])
    rows = {r.is_gbv: r for r in IncidentSummary.objects.all()}
    assert rows[False].organisation_id is None
    assert rows[True].organisation_id == mon.world.amss.pk


def test_rebuild_command_restores_a_damaged_summary(mon: Mon) -> None:
    mon.record()
    mon.record(area_pcode="ML0502")
    IncidentSummary.objects.filter(admin2__pcode="ML0502").delete()
    IncidentSummary.objects.update(incidents=7)
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("rebuild_monitoring_summaries", "--operation", "mali", "--check", stdout=out)
    assert "2 difference(s)" in out.getvalue()
    call_command("rebuild_monitoring_summaries", "--operation", "mali", stdout=StringIO())
    assert summary_differences(mon.operation) == {}
    assert sum(r.incidents for r in IncidentSummary.objects.all()) == 2
    assert summaries_rebuild(operation=mon.operation) == 2


def test_unknown_operation_is_refused(mon: Mon) -> None:
    with pytest.raises(CommandError):
        call_command("rebuild_monitoring_summaries", "--operation", "nowhere")


def test_check_command_finds_damaged_atoms_and_rebuild_restores_them(mon: Mon) -> None:
    mon.record()
    mon.record(area_pcode="ML0502")
    viewer = viewer_for(mon.world.coordinator, mon.operation)
    incident_atoms(viewer, AnalysisFilters())  # builds the atoms
    assert IncidentAtom.objects.count() == 2
    IncidentAtom.objects.filter(admin2__pcode="ML0502").update(incidents=5)
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("rebuild_monitoring_summaries", "--operation", "mali", "--check", stdout=out)
    assert "mali: 0 difference(s)" in out.getvalue()
    assert "mali: 1 atom difference(s)" in out.getvalue()
    call_command("rebuild_monitoring_summaries", "--operation", "mali", stdout=StringIO())
    assert atom_differences(mon.operation) == {}
    assert sorted(IncidentAtom.objects.values_list("incidents", flat=True)) == [1, 1]


def test_withdrawn_gbv_consent_takes_effect_on_the_next_read(mon: Mon) -> None:
    w = mon.world
    for _ in range(3):
        mon.record(risks=[("R08", "gbv_rape")])
    sharing_agreement_save(
        operation=mon.operation,
        by=w.coordinator,
        organisation=w.amss,
        shares_gbv_aggregates=True,
        signed_on=datetime.date(2026, 1, 5),
    )
    assert sum(IncidentAtom.objects.values_list("incidents", flat=True)) == 3
    # Withdrawn behind the settings service's back: the next read honours it (from the summary,
    # under the current rules) and writes nothing; the refresh service brings the atoms in step.
    SharingAgreement.objects.filter(organisation=w.amss).update(shares_gbv_aggregates=False)
    with CaptureQueriesContext(connection) as queries:
        atoms = incident_atoms(viewer_for(PUBLICATION, mon.operation), AnalysisFilters())
    assert atoms.tuples() == []
    assert not [q["sql"] for q in queries if _writes(q["sql"])]
    assert sum(IncidentAtom.objects.values_list("incidents", flat=True)) == 3
    atoms_refresh_all()
    assert not IncidentAtom.objects.exists()
    assert incident_atoms(viewer_for(PUBLICATION, mon.operation), AnalysisFilters()).tuples() == []


def _writes(sql: str) -> bool:
    """A statement that writes or locks (a read must do neither)."""
    text = sql.lstrip().upper()
    return text.startswith(("INSERT", "UPDATE", "DELETE")) or "FOR UPDATE" in text


def test_reads_write_nothing_when_rules_changed_behind_the_services_back(mon: Mon) -> None:
    """A status made "counts as verified" in the admin: every aggregate page reads the new rule
    at once, with no write and no lock during the read; the atoms follow at the next refresh."""
    w = mon.world
    mon.record(verification="unverified")
    mon.record(verification="unverified", area_pcode="ML0502")
    VerificationStatus.objects.filter(operation=mon.operation, code="unverified").update(
        is_verified=True
    )
    filters = AnalysisFilters(verified_only=True)
    for user in [w.partner, w.coordinator, mon.analyst, PUBLICATION]:
        viewer = viewer_for(user, mon.operation)
        with CaptureQueriesContext(connection) as queries:
            fast = incident_atoms(viewer, filters)
        assert not [q["sql"] for q in queries if _writes(q["sql"])], user
        assert _blocks(fast) == _blocks(incident_atoms_from_records(viewer, filters)), user
    assert not IncidentAtom.objects.filter(verified=True).exists()
    atoms_refresh_all()
    assert IncidentAtom.objects.filter(verified=True).count() == 2
    assert atom_differences(mon.operation) == {}


def test_pooled_atoms_are_cached_per_data_version_and_a_write_starts_a_new_one(mon: Mon) -> None:
    w = mon.world
    mon.record()
    version = IncidentDataVersion.objects.get(operation=mon.operation).version
    viewer = viewer_for(w.other_partner, mon.operation)
    with CaptureQueriesContext(connection) as first:
        before = _blocks(incident_atoms(viewer, AnalysisFilters()))
    with CaptureQueriesContext(connection) as again:
        assert _blocks(incident_atoms(viewer, AnalysisFilters())) == before
    # Read from the cache: the version and the statuses, not the atoms nor the incidents.
    assert len(again) < len(first)
    assert not any("incidentatom" in q["sql"].lower() for q in again.captured_queries)
    mon.record(organisation=w.other_org, by=w.other_partner)
    assert IncidentDataVersion.objects.get(operation=mon.operation).version > version
    after = incident_atoms(viewer, AnalysisFilters())
    assert _blocks(after) == _blocks(incident_atoms_from_records(viewer, AnalysisFilters()))
    assert _blocks(after) != before
