"""Reading cases: the caseworker's and supervisor's lists, search through the blind index, one
case's people, documents and access log."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from tutela.cases import access, blind_index
from tutela.cases.models import (
    Approval,
    Assessment,
    Case,
    CaseDocument,
    CasePerson,
    CasePlan,
    CaseSearchToken,
    Consent,
    ConsentOverride,
    FollowUp,
    Intervention,
    Referral,
    ServiceDelivery,
    Transfer,
)
from tutela.core.models import AuditEntry, Operation, User

SEARCH_LIMIT = 200
# Lists and search never load (and so never decrypt) the case's encrypted columns.
ENCRYPTED = ("address", "summary", "closure_note")


def case_list(
    user: User,
    operation: Operation,
    *,
    stage: str = "",
    case_type: str = "",
    risk_level: str = "",
    mine: bool = False,
    include_closed: bool = False,
) -> QuerySet[Case]:
    """The cases the user may see, newest first, ready for a list (no N+1)."""
    cases = access.cases_for_user(user, operation)
    if mine:
        cases = cases.filter(owner_id=user.pk)
    if stage:
        cases = cases.filter(stage=stage)
    elif not include_closed:
        cases = cases.exclude(stage=Case.Stage.CLOSED)
    if case_type:
        cases = cases.filter(case_type=case_type)
    if risk_level:
        cases = cases.filter(risk_level=risk_level)
    return (
        cases.select_related("owner", "area")
        .defer(*ENCRYPTED, "owner__totp_secret", "area__geometry")
        .order_by("-registered_on", "-id")
    )


def _matching_cases(operation: Operation, organisation_id: int, query: str) -> list[int]:
    """Case ids whose index matches the query, best first: an ID number or phone number, or
    every name token of the query (exactly, or by sound; exact matches rank first)."""
    scores: dict[int, int] = {}

    def lookup(kind: str, value: str) -> set[int]:
        return set(
            CaseSearchToken.objects.filter(
                organisation_id=organisation_id,
                operation=operation,
                kind=kind,
                digest__in=blind_index.search_digests(operation.pk, kind, value),
            )
            # No ordering: the model's default would join and sort the cases.
            .order_by()
            .values_list("case_id", flat=True)
        )

    number = blind_index.id_key(query)
    if len(number) >= 3 and any(ch.isdigit() for ch in number):
        for case_id in lookup(blind_index.ID, number):
            scores[case_id] = scores.get(case_id, 0) + 100
    phone = blind_index.phone_key(query)
    if phone:
        for case_id in lookup(blind_index.PHONE, phone):
            scores[case_id] = scores.get(case_id, 0) + 100
    tokens = blind_index.name_tokens(query)
    if tokens:
        matched: dict[int, int] | None = None
        for token in tokens:
            exact = lookup(blind_index.NAME, token)
            sound = lookup(blind_index.SOUND, blind_index.sound_key(token))
            points = {case_id: 1 for case_id in sound}
            points.update({case_id: 2 for case_id in exact})
            if matched is None:
                matched = points
            else:
                matched = {
                    case_id: matched[case_id] + points[case_id]
                    for case_id in matched.keys() & points.keys()
                }
            if not matched:
                break
        for case_id, points_won in (matched or {}).items():
            scores[case_id] = scores.get(case_id, 0) + points_won
    return sorted(scores, key=lambda case_id: (-scores[case_id], -case_id))[:SEARCH_LIMIT]


def case_search(user: User, operation: Operation, query: str) -> list[Case]:
    """The user's cases matching a name, phone or ID number, best first. Reads digests of the
    user's organisation only, then keeps the cases the user may see."""
    query = (query or "").strip()
    if not query or not access.is_case_staff(user, operation):
        return []
    # Codes are stored upper-case ("ADP-2026-00012"): an exact match uses the unique index.
    code_match = (
        list(
            access.cases_for_user(user, operation)
            .filter(code=query.upper())
            .select_related("owner", "area")
            .defer(*ENCRYPTED, "owner__totp_secret", "area__geometry")
        )
        if "-" in query and any(ch.isdigit() for ch in query)
        else []
    )
    # Case staff act for a member organisation (access.is_case_staff): never None here.
    assert user.organisation_id is not None
    ids = _matching_cases(operation, user.organisation_id, query)
    visible = {
        case.pk: case
        for case in access.cases_for_user(user, operation)
        .filter(pk__in=ids)
        .select_related("owner", "area")
        .defer(*ENCRYPTED, "owner__totp_secret", "area__geometry")
    }
    ranked = [visible[case_id] for case_id in ids if case_id in visible]
    return code_match + [case for case in ranked if case not in code_match]


def case_people(case: Case) -> list[CasePerson]:
    return list(case.people.all())


def case_documents(case: Case) -> QuerySet[CaseDocument]:
    return case.documents.select_related("person", "uploaded_by")


def case_related_ids(case: Case) -> dict[str, list[int]]:
    """The ids of the records that belong to the case, by audit entity type."""
    related: dict[str, Any] = {
        "cases.caseperson": CasePerson.objects.filter(case=case),
        "cases.casedocument": CaseDocument.objects.filter(case=case),
        "cases.consent": Consent.objects.filter(case=case),
        "cases.consentoverride": ConsentOverride.objects.filter(case=case),
        "cases.assessment": Assessment.objects.filter(case=case),
        "cases.caseplan": CasePlan.objects.filter(case=case),
        "cases.intervention": Intervention.objects.filter(plan__case=case),
        "cases.approval": Approval.objects.filter(case=case),
        "cases.followup": FollowUp.objects.filter(case=case),
        "cases.servicedelivery": ServiceDelivery.objects.filter(case=case),
        "cases.referral": Referral.objects.filter(case=case),
        "cases.transfer": Transfer.objects.filter(case=case),
    }
    return {name: list(qs.values_list("pk", flat=True)) for name, qs in related.items()}


def case_access_log(case: Case) -> QuerySet[AuditEntry]:
    """Every audit entry about the case and the records that belong to it: who read it, who
    changed what, when."""
    condition = Q(entity_type="cases.case", entity_id=str(case.pk))
    for entity_type, ids in case_related_ids(case).items():
        if ids:
            condition |= Q(entity_type=entity_type, entity_id__in=[str(i) for i in ids])
    return (
        AuditEntry.objects.filter(operation=case.operation)
        .filter(condition)
        .select_related("actor")
        .order_by("-created_at", "-id")
    )
