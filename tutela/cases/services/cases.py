"""Registering and changing cases, their people and documents (pages, API, demo and imports).

Each function validates, saves, keeps the blind index and the denormalised fields (the principal's
sex and age band, admin 1) right and writes its audit entry (encrypted values appear there only as
keyed fingerprints). Access is checked by the callers through tutela.cases.access; functions that
need a role check it again themselves where a caller could not (owner, assignees).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext as _

from tutela.cases import access
from tutela.cases.models import (
    Case,
    CasePerson,
    SpecificNeed,
    age_band_for,
)
from tutela.cases.models.cases import CHILD_BANDS

# The documents and the duplicate check have their own modules; the pages, the API, the ODK import
# and the tests reach them through this one (`services.cases` as one namespace).
from tutela.cases.services.case_documents import document_add as document_add
from tutela.cases.services.case_documents import document_remove as document_remove
from tutela.cases.services.case_index import Candidate as Candidate
from tutela.cases.services.case_index import (
    PersonData,
    ProbableDuplicates,
    case_reindex,
    duplicate_candidates,
)
from tutela.core.models import (
    AdminArea,
    AuditEntry,
    Operation,
    PopulationGroup,
    ProtectionRisk,
    User,
)
from tutela.core.services.audit import audit_create, audit_update, audit_write, snapshot

_ISO3 = re.compile(r"^[A-Z]{3}$")

# --- Checks ---------------------------------------------------------------------------------------


def _age_on(born: datetime.date, on: datetime.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _person_problems(data: PersonData, today: datetime.date, prefix: str) -> dict[str, str]:
    problems: dict[str, str] = {}
    if data.date_of_birth is not None and data.date_of_birth > today:
        problems[f"{prefix}date_of_birth"] = _("The date of birth is in the future.")
    if data.age is not None and not 0 <= data.age <= 120:
        problems[f"{prefix}age"] = _("The age must be between 0 and 120.")
    if data.sex not in {"F", "M", "O", "U"}:
        problems[f"{prefix}sex"] = _("Unknown sex.")
    if data.id_number and not data.id_type:
        problems[f"{prefix}id_type"] = _("Say which document the ID number is from.")
    if data.relationship not in CasePerson.Relationship.values:
        problems[f"{prefix}relationship"] = _("Unknown relationship.")
    return problems


def _settle_age(data: PersonData, today: datetime.date) -> None:
    """The age from the date of birth when known, and the band from the age when known."""
    if data.date_of_birth is not None:
        data.age = _age_on(data.date_of_birth, today)
    if data.age is not None:
        data.age_band = age_band_for(data.age)


def _check_area(operation: Operation, area: AdminArea) -> AdminArea:
    countries = set(operation.countries.values_list("pcode", flat=True))
    if area.country_pcode not in countries:
        raise ValidationError({"area": _("This place is not in the operation's countries.")})
    level_one = area
    while level_one.level > 1 and level_one.parent is not None:
        level_one = level_one.parent
    if level_one.level != 1:
        raise ValidationError({"area": _("Choose an area at admin level 1 or below.")})
    return level_one


def _check_owner(operation: Operation, organisation_id: int, owner: User) -> None:
    if owner.organisation_id != organisation_id or not access.is_case_staff(owner, operation):
        raise ValidationError(
            {
                "owner": _(
                    "The caseworker in charge must be case management staff of the organisation."
                )
            }
        )


def _check_type(case_type: str, principal: PersonData | CasePerson) -> None:
    if case_type == Case.Type.CHILD_PROTECTION and principal.age_band not in CHILD_BANDS:
        raise ValidationError(
            {"case_type": _("A child protection case is about a child: give an age under 18.")}
        )


def _check_reference(operation: Operation, values: dict[str, Any]) -> None:
    group = values.get("displacement_status")
    if group is not None and group.operation_id != operation.pk:
        raise ValidationError({"displacement_status": _("Unknown population group.")})
    for name in ("specific_needs", "concerns"):
        for item in values.get(name) or ():
            if item.operation_id != operation.pk:
                raise ValidationError({name: _("Unknown item.")})
    nationality = (values.get("nationality") or "").strip().upper()
    if nationality and not _ISO3.match(nationality):
        raise ValidationError(
            {"nationality": _("Give the nationality as a three-letter ISO code (MLI, BFA, NER).")}
        )


# --- Codes and the blind index ------------------------------------------------------------------


def _next_code(operation: Operation, acronym: str) -> str:
    """ "ADP-2026-00013": the operation row is locked so that two registrations at once do not
    take the same number (PostgreSQL; SQLite writes one at a time)."""
    Operation.objects.select_for_update().filter(pk=operation.pk).first()
    prefix = (
        f"{re.sub(r'[^A-Za-z0-9]', '', acronym).upper() or 'CASE'}-{timezone.localdate().year}-"
    )
    last = (
        Case.objects.filter(operation=operation, code__startswith=prefix)
        .order_by(Length("code").desc(), "-code")
        .values_list("code", flat=True)
        .first()
    )
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:05d}"


# Checked by the services themselves (the operation's own reference data, the owner's role...).
_CHECKED_HERE = [
    "operation",
    "organisation",
    "registering_organisation",
    "registered_by",
    "owner",
    "area",
    "admin1",
    "displacement_status",
    "source_referral",
]


def _validate_case(case: Case) -> None:
    """The model's own field checks, for what the services above do not check themselves."""
    case.full_clean(exclude=_CHECKED_HERE, validate_unique=False, validate_constraints=False)


# --- People -------------------------------------------------------------------------------------


def _fill_person(person: CasePerson, data: PersonData) -> None:
    person.given_name = data.given_name.strip()
    person.family_name = data.family_name.strip()
    person.other_names = data.other_names.strip()
    person.date_of_birth = data.date_of_birth.isoformat() if data.date_of_birth else ""
    person.phone = data.phone.strip()
    person.id_type = data.id_type
    person.id_number = data.id_number.strip()
    person.sex = data.sex
    person.age = data.age
    person.age_band = data.age_band
    person.disability = bool(data.disability)
    person.relationship = data.relationship


def _sync_principal(case: Case) -> None:
    principal = next((p for p in case.people.all() if p.is_principal), None)
    if principal is not None:
        case.sex = principal.sex
        case.age_band = principal.age_band
        case.disability = principal.disability


# --- Registration ---------------------------------------------------------------------------------


@transaction.atomic
def case_register(
    *,
    operation: Operation,
    by: User,
    principal: PersonData,
    area: AdminArea,
    members: Sequence[PersonData] = (),
    kind: str = Case.Kind.INDIVIDUAL,
    case_type: str = Case.Type.GENERAL,
    risk_level: str = Case.RiskLevel.MEDIUM,
    registered_on: datetime.date | None = None,
    owner: User | None = None,
    nationality: str = "",
    displacement_status: PopulationGroup | None = None,
    specific_needs: Iterable[SpecificNeed] = (),
    concerns: Iterable[ProtectionRisk] = (),
    address: str = "",
    summary: str = "",
    confirm_not_duplicate: bool = False,
    is_demo: bool = False,
    source_referral: Any = None,
) -> Case:
    """Register a case for the user's organisation, the user (or `owner`) in charge.

    Raises ProbableDuplicates when the organisation already has cases that look like the same
    person, unless `confirm_not_duplicate`; the confirmation is written to the audit log."""
    if not access.is_case_staff(by, operation):
        raise ValidationError(_("Only case management staff register cases."))
    today = timezone.localdate()
    registered_on = registered_on or today
    if registered_on > today:
        raise ValidationError({"registered_on": _("The registration date is in the future.")})
    organisation_id = by.organisation_id
    assert organisation_id is not None  # is_case_staff checked it
    owner = owner or by
    _check_owner(operation, organisation_id, owner)
    principal.relationship = CasePerson.Relationship.SELF
    problems = _person_problems(principal, today, "")
    for index, member in enumerate(members, start=1):
        problems.update(_person_problems(member, today, f"member{index}_"))
        if member.relationship == CasePerson.Relationship.SELF:
            problems[f"member{index}_relationship"] = _(
                "Give each household member's relationship to the principal."
            )
    if problems:
        raise ValidationError(problems)
    if kind == Case.Kind.INDIVIDUAL and members:
        raise ValidationError({"kind": _("An individual case has no household members.")})
    for person in (principal, *members):
        _settle_age(person, registered_on)
    _check_type(case_type, principal)
    values: dict[str, Any] = {
        "displacement_status": displacement_status,
        "specific_needs": list(specific_needs),
        "concerns": list(concerns),
        "nationality": nationality,
    }
    _check_reference(operation, values)
    admin1 = _check_area(operation, area)

    candidates = duplicate_candidates(
        operation=operation, organisation_id=organisation_id, people=[principal, *members]
    )
    if candidates and not confirm_not_duplicate:
        raise ProbableDuplicates(candidates)

    case = Case(
        operation=operation,
        organisation_id=organisation_id,
        registering_organisation_id=organisation_id,
        code=_next_code(operation, by.organisation.acronym if by.organisation else "CASE"),
        kind=kind,
        case_type=case_type,
        risk_level=risk_level,
        registered_on=registered_on,
        registered_by=by,
        owner=owner,
        nationality=nationality.strip().upper(),
        displacement_status=displacement_status,
        area=area,
        admin1=admin1,
        address=address.strip(),
        summary=summary.strip(),
        sex=principal.sex,
        age_band=principal.age_band,
        disability=principal.disability,
        is_demo=is_demo,
        source_referral=source_referral,
    )
    _validate_case(case)
    case.save()
    case.specific_needs.set(values["specific_needs"])
    case.concerns.set(values["concerns"])
    rows = []
    for index, data in enumerate((principal, *members)):
        row = CasePerson(case=case, is_principal=index == 0)
        _fill_person(row, data)
        rows.append(row)
    CasePerson.objects.bulk_create(rows)
    case_reindex(case)
    audit_create(actor=by, instance=case, operation=operation)
    for saved in case.people.all():
        audit_create(actor=by, instance=saved, operation=operation)
    if candidates:
        audit_write(
            actor=by,
            action=AuditEntry.Action.UPDATE,
            instance=case,
            operation=operation,
            summary=f"{case.code}: registered although it looked like "
            + ", ".join(c.code for c in candidates),
            after={"not_duplicate_of": [c.code for c in candidates]},
        )
    return case


CASE_FIELDS = (
    "kind",
    "case_type",
    "risk_level",
    "nationality",
    "displacement_status",
    "area",
    "address",
    "summary",
)


@transaction.atomic
def case_update(*, case: Case, by: User, **changes: Any) -> Case:
    """Change the case's own fields (not its people, owner or stage)."""
    access.require_edit(by, case)
    unknown = set(changes) - {*CASE_FIELDS, "specific_needs", "concerns"}
    if unknown:
        raise ValidationError(_("Unknown fields: %s") % ", ".join(sorted(unknown)))
    # The snapshot holds the needs and concerns too (many-to-many fields, by id).
    before = snapshot(case)
    _check_reference(case.operation, changes)
    for name in CASE_FIELDS:
        if name in changes:
            value = changes[name]
            if isinstance(value, str):
                value = value.strip()
            setattr(case, name, value)
    case.nationality = case.nationality.upper()
    if "area" in changes:
        case.admin1 = _check_area(case.operation, changes["area"])
    principal = case.people.get(is_principal=True)
    _check_type(case.case_type, principal)
    if case.kind == Case.Kind.INDIVIDUAL and case.people.filter(is_principal=False).exists():
        raise ValidationError({"kind": _("Remove the household members first.")})
    _validate_case(case)
    case.save()
    if "specific_needs" in changes:
        case.specific_needs.set(changes["specific_needs"])
    if "concerns" in changes:
        case.concerns.set(changes["concerns"])
    audit_update(actor=by, instance=case, operation=case.operation, before=before)
    return case


@transaction.atomic
def person_add(*, case: Case, by: User, data: PersonData) -> CasePerson:
    """Add a household member (the case becomes a household case)."""
    access.require_edit(by, case)
    problems = _person_problems(data, timezone.localdate(), "")
    if data.relationship == CasePerson.Relationship.SELF:
        problems["relationship"] = _("Give the member's relationship to the principal.")
    if problems:
        raise ValidationError(problems)
    _settle_age(data, timezone.localdate())
    person = CasePerson(case=case, is_principal=False)
    _fill_person(person, data)
    person.save()
    if case.kind != Case.Kind.HOUSEHOLD:
        case.kind = Case.Kind.HOUSEHOLD
        case.save(update_fields=["kind", "updated_at"])
    case_reindex(case)
    audit_create(actor=by, instance=person, operation=case.operation)
    return person


@transaction.atomic
def person_update(*, person: CasePerson, by: User, data: PersonData) -> CasePerson:
    case = person.case
    access.require_edit(by, case)
    if person.is_principal:
        data.relationship = CasePerson.Relationship.SELF
    problems = _person_problems(data, timezone.localdate(), "")
    if not person.is_principal and data.relationship == CasePerson.Relationship.SELF:
        problems["relationship"] = _("Give the member's relationship to the principal.")
    if problems:
        raise ValidationError(problems)
    _settle_age(data, timezone.localdate())
    if person.is_principal:
        _check_type(case.case_type, data)
    before = snapshot(person)
    _fill_person(person, data)
    person.save()
    if person.is_principal:
        _sync_principal(case)
        case.save(update_fields=["sex", "age_band", "disability", "updated_at"])
    case_reindex(case)
    audit_update(actor=by, instance=person, operation=case.operation, before=before)
    return person


@transaction.atomic
def person_remove(*, person: CasePerson, by: User) -> None:
    case = person.case
    access.require_edit(by, case)
    if person.is_principal:
        raise ValidationError(_("The principal person cannot be removed from the case."))
    audit_write(
        actor=by,
        action=AuditEntry.Action.DELETE,
        instance=person,
        operation=case.operation,
        before=snapshot(person),
    )
    person.delete()
    case_reindex(case)
