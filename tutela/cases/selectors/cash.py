"""Reads of cash for protection: a team's cash records, and the post-distribution monitoring
summary.

The PDM summary comes in two forms. Inside the organisation (its case staff) it counts the
organisation's own interviews as they are. What leaves the organisation — the cluster's summary
that coordinators, IMOs, focal points and donors see — counts only interviews about cases whose
consent allows anonymous statistics (GBV cases only from organisations that share GBV
statistics, as the case statistics do), never names an organisation, and passes every series
through tutela.core.disclosure so that no small count is shown or can be worked out from the
total.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from tutela.cases import access
from tutela.cases.models import CashAssistance, CashInstalment, DistributionMonitoring
from tutela.cases.selectors.statistics import consenting_cases
from tutela.core.disclosure import suppress_counts, threshold_for
from tutela.core.models import Operation, User


def cash_list(user: User, operation: Operation) -> QuerySet[CashAssistance]:
    return (
        access.cash_for_user(user, operation)
        .select_related("case", "organisation")
        .order_by("-created_at", "-id")
    )


@dataclass
class PdmSummary:
    """Counts of interviews; None where a count is suppressed."""

    interviews: int | None
    received_in_full: int | None
    on_time: int | None
    safety_problems: int | None
    uses: list[tuple[str, int | None]]
    satisfaction: list[tuple[int, int | None]]
    suppressed: bool
    threshold: int | None


def _counts(rows: QuerySet[DistributionMonitoring]) -> dict[str, Any]:
    interviews = 0
    full = on_time = safety = 0
    uses: Counter[str] = Counter()
    satisfaction: Counter[int] = Counter()
    for received, timely, problem, used, score in rows.values_list(
        "received_in_full", "on_time", "safety_problem", "uses", "satisfaction"
    ):
        interviews += 1
        full += bool(received)
        on_time += bool(timely)
        safety += bool(problem)
        uses.update(code for code in (used or []) if code in DistributionMonitoring.Use.values)
        satisfaction[int(score)] += 1
    return {
        "interviews": interviews,
        "full": full,
        "on_time": on_time,
        "safety": safety,
        "uses": uses,
        "satisfaction": satisfaction,
    }


def _use_labels() -> dict[str, str]:
    return {code: str(label) for code, label in DistributionMonitoring.Use.choices}


def pdm_summary_for_organisation(operation: Operation, organisation_id: int) -> PdmSummary:
    """The organisation's own summary (inside the organisation: not suppressed)."""
    counts = _counts(
        DistributionMonitoring.objects.filter(
            instalment__assistance__operation=operation,
            instalment__assistance__organisation_id=organisation_id,
        )
    )
    labels = _use_labels()
    return PdmSummary(
        interviews=counts["interviews"],
        received_in_full=counts["full"],
        on_time=counts["on_time"],
        safety_problems=counts["safety"],
        uses=[(labels[code], counts["uses"].get(code, 0)) for code in labels],
        satisfaction=[(score, counts["satisfaction"].get(score, 0)) for score in range(1, 6)],
        suppressed=False,
        threshold=None,
    )


def pdm_summary_for_cluster(operation: Operation) -> PdmSummary:
    """The operation-wide summary: consenting cases only, small counts suppressed."""
    threshold = threshold_for(operation)
    counts = _counts(
        DistributionMonitoring.objects.filter(
            instalment__assistance__operation=operation,
            instalment__assistance__case__in=consenting_cases(operation).values("pk"),
        )
    )
    # Each answer is one series against the number of interviews: received in full or not, etc.
    headline = {}
    for key in ("full", "on_time", "safety"):
        series = suppress_counts(
            {"yes": counts[key], "no": counts["interviews"] - counts[key]}, threshold=threshold
        )
        headline[key] = series.values["yes"]
        headline["interviews"] = series.total
    if not counts["interviews"]:
        headline = {"full": 0, "on_time": 0, "safety": 0, "interviews": 0}
    labels = _use_labels()
    uses = suppress_counts(
        {code: counts["uses"].get(code, 0) for code in labels}, threshold=threshold
    )
    satisfaction = suppress_counts(
        {score: counts["satisfaction"].get(score, 0) for score in range(1, 6)},
        threshold=threshold,
    )
    return PdmSummary(
        interviews=headline["interviews"],
        received_in_full=headline["full"],
        on_time=headline["on_time"],
        safety_problems=headline["safety"],
        uses=[(labels[code], uses.values[code]) for code in labels],
        satisfaction=[(score, satisfaction.values[score]) for score in range(1, 6)],
        suppressed=True,
        threshold=threshold,
    )


def reconciliation_rows(user: User, operation: Operation) -> QuerySet[CashInstalment]:
    """Every instalment of the team's cash records, for the reconciliation export."""
    return (
        CashInstalment.objects.filter(
            assistance__in=access.cash_for_user(user, operation).exclude(
                status=CashAssistance.Status.DRAFT
            )
        )
        .select_related("assistance", "assistance__case")
        .order_by("assistance__code", "number")
    )
