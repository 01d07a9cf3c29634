"""report_rows_save: all or nothing, upsert by natural key, one audit entry per save."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from tutela.activities.models import ActivityReport, Submission
from tutela.activities.services.rows import report_row_delete, report_rows_save
from tutela.activities.tests.import_fixtures import (  # noqa: F401
    Ops,
    numbered,
    ops_fixture,
    row,
)
from tutela.core.models import AuditEntry, Delegation
from tutela.core.services.delegations import delegation_revoke

pytestmark = pytest.mark.django_db


def save(ops: Ops, *rows: dict[str, Any], by: Any = None, **kwargs: Any) -> Any:
    return report_rows_save(
        by=by or ops.world.partner,
        operation=ops.operation,
        rows=numbered(*rows),
        **kwargs,
    )


def test_partner_saves_a_row_and_its_submission_is_created(ops: Ops) -> None:
    result = save(ops, row())
    assert not result.rejected, [p.message for p in result.problems]
    assert (result.created, result.updated, result.unchanged) == (1, 0, 0)
    saved = ActivityReport.objects.get()
    assert saved.organisation == ops.world.amss
    assert saved.area.pcode == "ML0501"
    assert saved.admin1.pcode == "ML05"
    assert saved.admin2.pcode == "ML0501"
    assert saved.admin3 is None
    assert saved.body == ops.world.cluster
    assert saved.total == 27
    assert saved.created_by == ops.world.partner
    assert saved.submission.status == Submission.Status.DRAFT
    assert AuditEntry.objects.filter(entity_type="activities.activityreport").count() == 1


def test_rows_can_be_dicts_with_their_row_number(ops: Ops) -> None:
    result = report_rows_save(
        by=ops.world.partner,
        operation=ops.operation,
        rows=[{**row(), "_row": 5}, {**row(population_group="REF"), "_row": 9, "total": 1}],
    )
    assert result.rejected
    assert [(p.row, p.code) for p in result.problems] == [(9, "total_mismatch")]


def test_resave_is_unchanged_and_a_change_is_an_update(ops: Ops) -> None:
    first = save(ops, row(), row(population_group="REF"))
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    before = ActivityReport.objects.get(population_group__code="IDP")
    again = save(ops, row(), row(population_group="REF"))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    changed = save(ops, row(girls=6, total=28), row(population_group="REF"), by=ops.world.imo)
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 1)
    assert changed.updated_rows == [2]
    after = ActivityReport.objects.get(population_group__code="IDP")
    assert after.pk == before.pk
    assert (after.girls, after.total) == (6, 28)
    assert after.updated_by == ops.world.imo
    assert after.created_by == ops.world.partner
    assert after.updated_at > before.updated_at
    assert ActivityReport.objects.count() == 2
    entries = AuditEntry.objects.filter(entity_type="activities.activityreport").order_by("pk")
    # One entry per save that wrote something, with the counts and what changed.
    assert entries.count() == 3
    last = entries.last()
    assert last is not None
    assert last.action == "update"
    assert last.after["updated"] == 1
    assert last.after["changes"] == {str(after.pk): {"girls": [5, 6], "total": [27, 28]}}


def test_one_bad_row_rejects_everything(ops: Ops) -> None:
    audit_before = AuditEntry.objects.count()
    result = save(ops, row(), row(population_group="REF", admin2_pcode="ML9999", admin2_name=""))
    assert result.rejected
    assert (result.created, result.updated, result.unchanged) == (0, 0, 0)
    assert [(p.row, p.field, p.code) for p in result.problems] == [
        (3, "admin2_pcode", "unknown_pcode")
    ]
    assert ActivityReport.objects.count() == 0
    assert Submission.objects.count() == 0
    assert AuditEntry.objects.count() == audit_before


def test_warnings_do_not_reject(ops: Ops) -> None:
    result = save(ops, row(admin2_name="Djenné"))
    assert not result.rejected
    assert result.created == 1
    assert (result.error_count, result.warning_count) == (0, 1)


def test_dry_run_counts_and_writes_nothing(ops: Ops) -> None:
    save(ops, row())
    audit_before = AuditEntry.objects.count()
    result = save(ops, row(girls=6, total=28), row(population_group="REF"), dry_run=True)
    assert not result.rejected
    assert (result.created, result.updated, result.unchanged) == (1, 1, 0)
    assert result.dry_run
    assert ActivityReport.objects.count() == 1
    assert ActivityReport.objects.get().girls == 5
    assert AuditEntry.objects.count() == audit_before


def test_validated_submission_goes_back_to_review_when_rows_change(ops: Ops) -> None:
    save(ops, row())
    Submission.objects.update(status=Submission.Status.VALIDATED)
    save(ops, row())
    assert Submission.objects.get().status == Submission.Status.VALIDATED
    save(ops, row(girls=6, total=28))
    assert Submission.objects.get().status == Submission.Status.SUBMITTED


def test_people_without_the_right_to_report_are_refused(ops: Ops) -> None:
    for user in (ops.world.viewer, ops.world.outsider, ops.world.other_operation_user):
        with pytest.raises(PermissionDenied):
            save(ops, row(), by=user)
    with pytest.raises(PermissionDenied):
        save(ops, row(organisation="DRC"), by=ops.world.partner, organisation=ops.world.drc)
    assert ActivityReport.objects.count() == 0


def test_manager_saves_for_several_organisations(ops: Ops) -> None:
    result = save(ops, row(organisation="AMSS"), row(organisation="DRC"), by=ops.world.imo)
    assert result.created == 2
    assert Submission.objects.count() == 2
    assert set(Submission.objects.values_list("organisation__acronym", flat=True)) == {
        "AMSS",
        "DRC",
    }


def _withdraw(ops: Ops, organisation: Any) -> None:
    for delegation in Delegation.objects.filter(organisation=organisation, revoked_at=None):
        delegation_revoke(by=ops.world.imo, delegation=delegation)


def test_manager_cannot_change_the_rows_of_an_organisation_that_reports_itself(ops: Ops) -> None:
    """AMSS reports through its members: without its delegation, the IMO's upload of AMSS rows
    is refused row by row (nothing saved), and an upload for AMSS is refused outright."""
    save(ops, row())
    _withdraw(ops, ops.world.amss)
    result = save(ops, row(girls=99, total=None), row(organisation="DRC"), by=ops.world.imo)
    assert result.rejected
    assert [(p.row, p.code) for p in result.problems] == [(2, "not_delegated")]
    assert ActivityReport.objects.get().girls == 5
    with pytest.raises(PermissionDenied, match="has not authorised"):
        save(ops, row(), by=ops.world.imo, organisation=ops.world.amss)
    # The dry run says the same, and a coordinator is no different.
    dry = save(ops, row(girls=99, total=None), by=ops.world.coordinator, dry_run=True)
    assert [p.code for p in dry.problems] == ["not_delegated"]


def test_manager_reports_for_organisations_without_members(ops: Ops) -> None:
    """DRC has no member in the operation (it sends its 5W by e-mail): the IMO reports for it."""
    _withdraw(ops, ops.world.amss)
    result = save(ops, row(organisation="DRC"), by=ops.world.imo)
    assert result.created == 1
    entry = AuditEntry.objects.get(entity_type="activities.activityreport")
    assert entry.actor == ops.world.imo


def test_progress_is_reported_up_to_100(ops: Ops) -> None:
    seen: list[int] = []
    save(ops, row(), progress=seen.append)
    assert seen[0] == 0
    assert seen[-1] == 100
    assert seen == sorted(seen)


def test_a_conflicting_save_between_check_and_write_is_refused_by_the_database(ops: Ops) -> None:
    def meanwhile(percent: int) -> None:
        # Another upload saves the same row after this one was checked, before it is written.
        if percent == 60 and not ActivityReport.objects.exists():
            save(ops, row())

    result = save(ops, row(), progress=meanwhile)
    assert result.rejected
    assert [p.code for p in result.problems] == ["conflict"]
    assert ActivityReport.objects.count() == 1


def test_partner_deletes_own_row_audited(ops: Ops) -> None:
    save(ops, row())
    saved = ActivityReport.objects.get()
    pk = saved.pk
    Submission.objects.update(status=Submission.Status.VALIDATED)
    report_row_delete(by=ops.world.partner, row=saved)
    assert ActivityReport.objects.count() == 0
    assert Submission.objects.get().status == Submission.Status.SUBMITTED
    entry = AuditEntry.objects.get(action="delete")
    assert entry.entity_id == str(pk)
    assert entry.before["total"] == 27


def test_row_delete_is_refused_to_others_and_in_locked_rounds(ops: Ops) -> None:
    save(ops, row())
    saved = ActivityReport.objects.get()
    with pytest.raises(PermissionDenied):
        report_row_delete(by=ops.world.other_partner, row=saved)
    ops.march.status = "locked"
    ops.march.save()
    with pytest.raises(PermissionDenied):
        report_row_delete(by=ops.world.imo, row=saved)
    assert ActivityReport.objects.count() == 1
    assert not AuditEntry.objects.filter(action="delete").exists()


def test_command_line_save_without_a_user(ops: Ops) -> None:
    result = report_rows_save(by=None, operation=ops.operation, rows=numbered(row()))
    assert result.created == 1
    saved = ActivityReport.objects.get()
    assert saved.created_by is None


def test_saving_rows_bumps_the_version_of_fresh_summaries(ops: Ops) -> None:
    from tutela.activities.models import SummaryState

    save(ops, row())
    state = SummaryState.objects.get(operation=ops.operation)
    assert state.version == 1
    assert state.is_fresh
    save(ops, row())
    state.refresh_from_db()
    assert state.version == 1
    report_row_delete(by=ops.world.partner, row=ActivityReport.objects.get())
    state.refresh_from_db()
    assert state.version == 2
    assert state.is_fresh
