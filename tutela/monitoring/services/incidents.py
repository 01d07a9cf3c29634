"""Recording, changing and deleting protection incidents (web form, API and imports alike).

Each function checks the data (`incident_problems`), masks probable personal data in the
narrative, keeps the denormalised fields (month, admin 1/2, main risk, people affected, GBV flag)
right, writes the audit entry (the narrative appears there only as a keyed fingerprint) and flags
probable duplicates from other organisations.

Whose records may change is checked here, whatever the caller (form, API, import, command line):
an organisation's records are created and changed only by its members, or by the operation's
managers importing for an organisation that delegated it to them (`access.can_write_for`); `by`
None is the command line. Which records a user may see is checked by the callers through
tutela.monitoring.access.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tutela.core.models import AuditEntry, Operation, Organisation, User
from tutela.core.planner_stats import analyze_after_commit
from tutela.core.services.audit import audit_write
from tutela.monitoring.access import can_edit, can_write_for
from tutela.monitoring.incidents.data import (
    IncidentData,
    PeopleCount,
    References,
    incident_problems,
)
from tutela.monitoring.incidents.narrative import mask_personal_data
from tutela.monitoring.incidents.records import incident_state
from tutela.monitoring.models import Incident, IncidentPeople, IncidentRisk, MonitoringImport
from tutela.monitoring.services.duplicates import duplicates_flag
from tutela.monitoring.services.summaries import SummaryDelta, state_of, stored_state

REFERENCE_PREFIX = "INC"


def _key(code: Any) -> str:
    return str(code or "").strip().lower()


def _error(problems: list[tuple[str, str, str]]) -> ValidationError:
    errors: dict[str, list[ValidationError]] = {}
    for field_name, code, message in problems:
        errors.setdefault(field_name, []).append(ValidationError(message, code=code))
    return ValidationError(errors)


def _check_writer(by: User | None, operation: Operation, organisation: Organisation) -> None:
    if by is not None and not can_write_for(by, operation, organisation):
        raise PermissionDenied(
            _("Only %(org)s's members change its records.") % {"org": organisation.acronym}
        )


def _check_editor(by: User | None, incident: Incident) -> None:
    """One record is edited or deleted by the reporting organisation's members only."""
    if by is not None and not can_edit(by, incident):
        raise PermissionDenied


def _check_organisation(operation: Operation, organisation: Organisation) -> None:
    if not operation.organisations.filter(pk=organisation.pk).exists():
        raise ValidationError(
            {
                "organisation": ValidationError(
                    _("%(org)s is not an organisation of this operation.")
                    % {"org": organisation.acronym},
                    code="not_in_operation",
                )
            }
        )


def reference_code(organisation: Organisation) -> str:
    """The organisation's part of its incident references: its acronym, letters and digits only."""
    return re.sub(r"[^A-Z0-9]", "", organisation.acronym.upper())[:12] or "ORG"


def _references(operation: Operation, organisation: Organisation, count: int) -> Iterator[str]:
    """The organisation's next `count` references, "INC-DRC-2026-000124"...

    Numbered per organisation and year: numbering across the operation would let anyone work out,
    from the gap between two of their own numbers, how many records other organisations made.
    References of the old operation-wide form ("INC-2026-000123") are kept as they were (they
    are cited in reports and the audit log) and do not count here. The operation row is locked
    so that two saves at once do not take the same number (PostgreSQL; SQLite writes one at a
    time); the organisation's latest reference of the year carries its highest number (numbers
    grow in the order records are made, under that lock)."""
    Operation.objects.select_for_update().filter(pk=operation.pk).first()
    year = timezone.localdate().year
    last = (
        Incident.objects.filter(
            operation=operation,
            organisation=organisation,
            reference__regex=rf"^{REFERENCE_PREFIX}-[A-Z0-9]+-{year}-[0-9]+$",
        )
        .order_by("-pk")
        .values_list("reference", flat=True)
        .first()
    )
    number = int(last.rsplit("-", 1)[1]) if last else 0
    prefix = f"{REFERENCE_PREFIX}-{reference_code(organisation)}-{year}-"
    for _index in range(count):
        number += 1
        yield f"{prefix}{number:06d}"


def _people_lines(
    people: list[PeopleCount],
) -> dict[tuple[str, str, bool, str | None], int]:
    """Lines with the same sex, age band, disability and group added up."""
    lines: dict[tuple[str, str, bool, str | None], int] = {}
    for line in people:
        key = (
            line.sex,
            _key(line.age_band),
            bool(line.with_disability),
            _key(line.population_group) or None,
        )
        lines[key] = lines.get(key, 0) + line.count
    return lines


def _fill(incident: Incident, data: IncidentData, refs: References) -> None:
    area = refs.area(data.area_pcode)
    assert area is not None  # checked by incident_problems
    levels = refs.ancestors(area)
    incident.occurred_on = data.occurred_on
    incident.reported_on = data.reported_on
    incident.month = data.occurred_on.replace(day=1)
    incident.area_id = area.id
    incident.admin1_id = levels[1].id
    incident.admin2_id = levels[2].id if 2 in levels else None
    incident.site = (data.site or "").strip()
    pairs = refs.risk_pairs(data)
    incident.primary_risk = pairs[0][0]
    incident.perpetrator = (
        refs.perpetrators.get(_key(data.perpetrator)) if data.perpetrator else None
    )
    incident.people_affected = sum(_people_lines(data.people).values())
    incident.displacement_caused = bool(data.displacement_caused)
    incident.displaced_households = data.displaced_households if data.displacement_caused else None
    incident.source = refs.sources[_key(data.source)]
    incident.verification = refs.verifications[_key(data.verification)]
    incident.is_gbv = refs.is_gbv(data)
    incident.narrative = mask_personal_data((data.narrative or "").strip())[0]
    incident.source_name = (data.source_name or "").strip()[:300]
    incident.fatalities = data.fatalities
    if data.external_id:
        incident.external_id = data.external_id.strip()


def _save_children(incident: Incident, data: IncidentData, refs: References, *, new: bool) -> None:
    if not new:
        incident.risks.all().delete()
        incident.people.all().delete()
    IncidentRisk.objects.bulk_create(
        [
            IncidentRisk(incident=incident, risk=risk, violation=violation)
            for risk, violation in refs.risk_pairs(data)
        ]
    )
    IncidentPeople.objects.bulk_create(
        [
            IncidentPeople(
                incident=incident,
                sex=sex,
                age_band=refs.age_bands[band],
                with_disability=disability,
                population_group=refs.population_groups[group] if group else None,
                count=count,
            )
            for (sex, band, disability, group), count in _people_lines(data.people).items()
        ]
    )
    incident.services.set({refs.services[_key(code)] for code in data.services})


def _validate(incident: Incident) -> None:
    # Foreign keys and constraints were checked against the loaded reference data.
    incident.full_clean(
        exclude=[
            "operation",
            "organisation",
            "area",
            "primary_risk",
            "perpetrator",
            "source",
            "verification",
            "merged_into",
            "import_record",
            "admin1",
            "admin2",
            "created_by",
            "updated_by",
        ],
        validate_unique=False,
        validate_constraints=False,
    )


def _check_external_id(
    operation: Operation, organisation_id: int, external_id: str, exclude_pk: int | None = None
) -> None:
    if not external_id:
        return
    taken = Incident.objects.filter(
        operation=operation, organisation_id=organisation_id, external_id=external_id.strip()
    )
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError(
            {
                "external_id": ValidationError(
                    _("Your organisation already has a record with the identifier %(id)s.")
                    % {"id": external_id},
                    code="taken",
                )
            }
        )


def _create(
    *,
    operation: Operation,
    organisation: Organisation,
    by: User | None,
    data: IncidentData,
    refs: References,
    reference: str,
    delta: SummaryDelta,
    import_record: MonitoringImport | None = None,
) -> Incident:
    user = by if getattr(by, "is_authenticated", False) else None
    incident = Incident(
        operation=operation,
        organisation=organisation,
        reference=reference,
        import_record=import_record,
        created_by=user,
        updated_by=user,
    )
    _fill(incident, data, refs)
    _validate(incident)
    incident.save()
    delta.add(state_of(incident))
    _save_children(incident, data, refs, new=True)
    audit_write(
        actor=by,
        action=AuditEntry.Action.CREATE,
        instance=incident,
        operation=operation,
        after=incident_state(incident),
    )
    return incident


def _update(
    *,
    incident: Incident,
    by: User | None,
    data: IncidentData,
    refs: References,
    delta: SummaryDelta,
    stored: dict[str, Any] | None = None,
    import_record: MonitoringImport | None = None,
) -> Incident:
    """`stored`: the record's summary columns as in the database (read here when not given)."""
    if stored is None:
        stored = stored_state([incident.pk]).get(incident.pk)
    before = incident_state(incident)
    _fill(incident, data, refs)
    if import_record is not None:
        incident.import_record = import_record
    incident.updated_by = by if getattr(by, "is_authenticated", False) else None
    _validate(incident)
    incident.save()
    delta.remove(stored)
    delta.add(state_of(incident))
    _save_children(incident, data, refs, new=False)
    after = incident_state(incident)
    # The editor is not a change of the record.
    before.pop("updated_by_id", None)
    after.pop("updated_by_id", None)
    before.pop("updated_at", None)
    after.pop("updated_at", None)
    if before != after:
        audit_write(
            actor=by,
            action=AuditEntry.Action.UPDATE,
            instance=incident,
            operation=incident.operation,
            before=before,
            after=after,
        )
    return incident


@transaction.atomic
def incident_record(
    *, operation: Operation, organisation: Organisation, by: User, data: IncidentData
) -> Incident:
    """Record a new incident for `organisation` (the reporting organisation owns it)."""
    _check_organisation(operation, organisation)
    _check_writer(by, operation, organisation)
    refs = References.load(operation)
    problems = incident_problems(data, refs)
    if problems:
        raise _error(problems)
    _check_external_id(operation, organisation.pk, data.external_id)
    reference = next(_references(operation, organisation, 1))
    delta = SummaryDelta(operation.pk)
    incident = _create(
        operation=operation,
        organisation=organisation,
        by=by,
        data=data,
        refs=refs,
        reference=reference,
        delta=delta,
    )
    delta.apply()
    duplicates_flag(incidents=[incident])
    return incident


@transaction.atomic
def incident_update(*, incident: Incident, by: User, data: IncidentData) -> Incident:
    """Replace the record's content with `data` (an empty external identifier keeps the one the
    record has); its open duplicate flags are checked again."""
    _check_editor(by, incident)
    refs = References.load(incident.operation)
    problems = incident_problems(data, refs)
    if problems:
        raise _error(problems)
    _check_external_id(
        incident.operation, incident.organisation_id, data.external_id, exclude_pk=incident.pk
    )
    delta = SummaryDelta(incident.operation_id)
    incident = _update(incident=incident, by=by, data=data, refs=refs, delta=delta)
    delta.apply()
    duplicates_flag(incidents=[incident], recheck=True)
    return incident


@transaction.atomic
def incident_delete(*, incident: Incident, by: User) -> None:
    """Delete the record. Records an analyst had merged into it are counted again."""
    _check_editor(by, incident)
    before = incident_state(incident)
    delta = SummaryDelta(incident.operation_id)
    delta.remove(stored_state([incident.pk]).get(incident.pk))
    # The records merged into this one are counted again.
    followers = list(Incident.objects.filter(merged_into=incident).values_list("pk", flat=True))
    for state in stored_state(followers).values():
        delta.add({**state, "merged_into_id": None})
    Incident.objects.filter(merged_into=incident).update(merged_into=None)
    audit_write(
        actor=by,
        action=AuditEntry.Action.DELETE,
        instance=incident,
        operation=incident.operation,
        before=before,
    )
    incident.delete()
    delta.apply()


@transaction.atomic
def incidents_save_many(
    *,
    operation: Operation,
    organisation: Organisation,
    by: User | None,
    items: list[IncidentData],
    import_record: MonitoringImport | None = None,
) -> tuple[int, int]:
    """Save a batch (an import) all or nothing: records whose external identifier the
    organisation already has are updated, the others created. Returns (created, updated).

    Raises ValidationError listing every problem; each has `.code` and `.params` with "row"
    (1-based position in `items`), "field" and "message"."""
    _check_organisation(operation, organisation)
    _check_writer(by, operation, organisation)
    refs = References.load(operation)
    errors: list[ValidationError] = []

    def add(row: int, field_name: str, code: str, message: str) -> None:
        errors.append(
            ValidationError(
                _("Record %(row)s: %(message)s"),
                code=code,
                params={"row": row, "field": field_name, "message": message},
            )
        )

    seen: dict[str, int] = {}
    for row, item in enumerate(items, start=1):
        for field_name, code, message in incident_problems(item, refs):
            add(row, field_name, code, message)
        external_id = (item.external_id or "").strip()
        if external_id:
            if external_id in seen:
                add(
                    row,
                    "external_id",
                    "repeated",
                    _("the identifier %(id)s is also given to record %(first)s.")
                    % {"id": external_id, "first": seen[external_id]},
                )
            else:
                seen[external_id] = row
    if errors:
        raise ValidationError(errors)

    existing = {
        incident.external_id: incident
        for incident in Incident.objects.filter(
            operation=operation, organisation=organisation, external_id__in=list(seen)
        ).select_related("operation")
    }
    references = _references(
        operation, organisation, sum(1 for i in items if i.external_id.strip() not in existing)
    )
    saved: list[Incident] = []
    created = updated = 0
    delta = SummaryDelta(operation.pk)
    stored = stored_state([i.pk for i in existing.values()])
    for item in items:
        current = existing.get((item.external_id or "").strip())
        if current is not None:
            saved.append(
                _update(
                    incident=current,
                    by=by,
                    data=item,
                    refs=refs,
                    delta=delta,
                    stored=stored.get(current.pk),
                    import_record=import_record,
                )
            )
            updated += 1
        else:
            saved.append(
                _create(
                    operation=operation,
                    organisation=organisation,
                    by=by,
                    data=item,
                    refs=refs,
                    reference=next(references),
                    delta=delta,
                    import_record=import_record,
                )
            )
            created += 1
    delta.apply()
    duplicates_flag(incidents=saved, recheck=updated > 0)
    analyze_after_commit(Incident, rows=created + updated)
    return created, updated
