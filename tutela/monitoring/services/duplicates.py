"""Probable duplicates: the same event recorded by two organisations, or by one organisation from
two sources (its monitoring network and an ACLED export it imported: several sources, one
picture).

Two records are flagged when they come from different organisations or from different sources
(the source of the information: a monitoring visit, a key informant, a secondary source such as
ACLED), neither is merged into
another record, they are in the same area (or the same admin 2 area), share a protection risk,
occurred within the operation's `duplicate_window_days` of each other, and count a similar number
of people (within ±50%; a record that counts nobody is compatible with any). The score (0-1) says
how alike they are: dates, place, counts and violation types.

GBV records are never compared across organisations: under the information-sharing protocol no
one outside the reporting organisation may see them, so no one could review the pair.

A designated analyst then merges the pair (the other record points to the one kept: both sources
stay, only the survivor is counted) or keeps them apart.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tutela.core.models import AuditEntry, Operation, User
from tutela.core.services.audit import audit_write, snapshot
from tutela.monitoring.access import is_analyst
from tutela.monitoring.models import DuplicateFlag, Incident, IncidentRisk, MonitoringSettings
from tutela.monitoring.services.summaries import SummaryDelta, stored_state

COUNT_TOLERANCE = 0.5


def _window(operation: Operation) -> int:
    settings = MonitoringSettings.objects.filter(operation=operation).first()
    return settings.duplicate_window_days if settings else 3


def _count_score(a: int, b: int) -> float | None:
    """1 for equal counts, down to 0.5 at the ±50% limit; None when too different."""
    if not a and not b:
        return 1.0
    if not a or not b:
        return 0.5
    ratio = min(a, b) / max(a, b)
    if ratio < 1 - COUNT_TOLERANCE:
        return None
    return ratio


def _pairs_of(ids: Iterable[int]) -> dict[int, set[tuple[int, int | None]]]:
    pairs: dict[int, set[tuple[int, int | None]]] = {}
    id_list = list(ids)
    for start in range(0, len(id_list), 500):
        for incident_id, risk_id, violation_id in IncidentRisk.objects.filter(
            incident_id__in=id_list[start : start + 500]
        ).values_list("incident_id", "risk_id", "violation_id"):
            pairs.setdefault(incident_id, set()).add((risk_id, violation_id))
    return pairs


def duplicates_flag(*, incidents: Iterable[Incident], recheck: bool = False) -> list[DuplicateFlag]:
    """Flag the probable duplicates of `incidents` (saved records of one operation). With
    `recheck`, their open flags are dropped first (the records changed); decided pairs stay
    decided."""
    records = [i for i in incidents if i.pk is not None]
    if not records:
        return []
    operation = records[0].operation
    if recheck:
        ids = [i.pk for i in records]
        DuplicateFlag.objects.filter(
            Q(incident_id__in=ids) | Q(other_id__in=ids), status=DuplicateFlag.Status.OPEN
        ).delete()
    records = [i for i in records if not i.is_gbv and i.merged_into_id is None]
    if not records:
        return []
    window = datetime.timedelta(days=_window(operation))
    matches = _matches(records, _candidates(operation, records, window), window)
    if not matches:
        return []
    flags = _new_flags(operation, matches, window)
    DuplicateFlag.objects.bulk_create(flags)
    return flags


# A candidate record: id, organisation_id, area_id, admin2_id, occurred_on, people_affected,
# source_id.
Row = tuple[Any, ...]


@dataclass
class _Candidates:
    """The other counted, non-GBV records within the window, by area and by admin 2."""

    by_area: dict[int, list[Row]] = field(default_factory=dict)
    by_admin2: dict[int, list[Row]] = field(default_factory=dict)

    def near(self, record: Incident) -> dict[int, Row]:
        pool = {row[0]: row for row in self.by_area.get(record.area_id, [])}
        if record.admin2_id is not None:
            pool.update({row[0]: row for row in self.by_admin2.get(record.admin2_id, [])})
        return pool


def _candidates(
    operation: Operation, records: list[Incident], window: datetime.timedelta
) -> _Candidates:
    first = min(i.occurred_on for i in records) - window
    last = max(i.occurred_on for i in records) + window
    rows = Incident.objects.filter(
        operation=operation,
        merged_into__isnull=True,
        is_gbv=False,
        occurred_on__range=(first, last),
        admin1_id__in={i.admin1_id for i in records},
    ).values_list(
        "id",
        "organisation_id",
        "area_id",
        "admin2_id",
        "occurred_on",
        "people_affected",
        "source_id",
    )
    found = _Candidates()
    for row in rows:
        found.by_area.setdefault(row[2], []).append(row)
        if row[3] is not None:
            found.by_admin2.setdefault(row[3], []).append(row)
    return found


def _matches(
    records: list[Incident], candidates: _Candidates, window: datetime.timedelta
) -> dict[tuple[int, int], tuple[Incident, Row]]:
    """Pairs (lower id, higher id) of a record and another organisation's record, or the same
    organisation's record from another source, near it, in the window, with comparable counts."""
    matches: dict[tuple[int, int], tuple[Incident, Row]] = {}
    for record in records:
        for row in candidates.near(record).values():
            other_id, org_id, _area, _admin2, occurred, people, source_id = row
            if other_id == record.pk:
                continue
            # One organisation's records are compared only across its sources: one source does
            # not report an event twice, but its network and an imported ACLED export may.
            if org_id == record.organisation_id and source_id == record.source_id:
                continue
            if abs((occurred - record.occurred_on).days) > window.days:
                continue
            if _count_score(record.people_affected, people) is None:
                continue
            key = (min(record.pk, other_id), max(record.pk, other_id))
            matches.setdefault(key, (record, row))
    return matches


def _new_flags(
    operation: Operation,
    matches: dict[tuple[int, int], tuple[Incident, Row]],
    window: datetime.timedelta,
) -> list[DuplicateFlag]:
    """Flags (unsaved) for the pairs not flagged before that share a risk, scored by how close
    they are in time, place, count and risks."""
    already = set(
        DuplicateFlag.objects.filter(
            incident_id__in={k[0] for k in matches}, other_id__in={k[1] for k in matches}
        ).values_list("incident_id", "other_id")
    )
    pairs = _pairs_of({i for key in matches for i in key})
    flags = []
    for key, (record, row) in matches.items():
        if key in already:
            continue
        mine, theirs = pairs.get(record.pk, set()), pairs.get(row[0], set())
        if not ({r for r, _v in mine} & {r for r, _v in theirs}):
            continue
        days = abs((row[4] - record.occurred_on).days)
        scores = [
            1 - days / (window.days + 1),
            1.0 if row[2] == record.area_id else 0.7,
            _count_score(record.people_affected, row[5]) or 0.0,
            len(mine & theirs) / len(mine | theirs),
        ]
        flags.append(
            DuplicateFlag(
                operation=operation,
                incident_id=key[0],
                other_id=key[1],
                score=round(sum(scores) / len(scores), 2),
            )
        )
    return flags


def duplicates_to_review(operation: Operation) -> QuerySet[DuplicateFlag]:
    """Open flags whose two records are both still counted, most alike first."""
    return (
        DuplicateFlag.objects.filter(
            operation=operation,
            status=DuplicateFlag.Status.OPEN,
            incident__merged_into__isnull=True,
            other__merged_into__isnull=True,
            incident__is_gbv=False,
            other__is_gbv=False,
        )
        .select_related(
            "incident__organisation",
            "incident__area",
            "incident__primary_risk",
            "incident__verification",
            "other__organisation",
            "other__area",
            "other__primary_risk",
            "other__verification",
        )
        .order_by("-score", "incident__occurred_on", "pk")
    )


def _require_analyst(flag: DuplicateFlag, by: User) -> None:
    if not is_analyst(by, flag.operation) or flag.incident.is_gbv or flag.other.is_gbv:
        raise PermissionDenied


def _decide(flag: DuplicateFlag, by: User, status: str) -> None:
    if flag.status != DuplicateFlag.Status.OPEN:
        raise ValidationError(
            _("This pair was already reviewed (%(status)s).")
            % {"status": flag.get_status_display()},
            code="decided",
        )
    before = snapshot(flag)
    flag.status = status
    flag.decided_by = by
    flag.decided_at = timezone.now()
    flag.full_clean()
    flag.save()
    audit_write(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        instance=flag,
        operation=flag.operation,
        before=before,
        after=snapshot(flag),
    )


@transaction.atomic
def duplicate_merge(*, flag: DuplicateFlag, by: User, keep: Incident) -> DuplicateFlag:
    """Merge the pair: the other record points to `keep` (both sources stay; only `keep` is
    counted)."""
    _require_analyst(flag, by)
    if keep.pk not in (flag.incident_id, flag.other_id):
        raise ValidationError(_("The record kept must be one of the pair."), code="not_in_pair")
    other = flag.other if keep.pk == flag.incident_id else flag.incident
    if keep.merged_into_id is not None or other.merged_into_id is not None:
        raise ValidationError(
            _("One of these records was already merged into another."), code="already_merged"
        )
    _decide(flag, by, DuplicateFlag.Status.MERGED)
    # The merged record is no longer counted (those merged into it were not counted either).
    delta = SummaryDelta(flag.operation_id)
    delta.remove(stored_state([other.pk]).get(other.pk))
    before = snapshot(other, ["merged_into"])
    other.merged_into = keep
    other.save(update_fields=["merged_into", "updated_at"])
    # Records merged earlier into the one merged now follow it to the survivor.
    Incident.objects.filter(merged_into=other).update(merged_into=keep)
    delta.apply()
    audit_write(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        instance=other,
        operation=flag.operation,
        before=before,
        after=snapshot(other, ["merged_into"]),
        summary=f"{other} merged into {keep}",
    )
    return flag


@transaction.atomic
def duplicate_keep(*, flag: DuplicateFlag, by: User) -> DuplicateFlag:
    """Keep the two records apart (they describe different events)."""
    _require_analyst(flag, by)
    _decide(flag, by, DuplicateFlag.Status.KEPT)
    return flag
