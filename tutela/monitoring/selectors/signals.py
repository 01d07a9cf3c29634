"""Early-warning signals as a user may see them: the evidence (the month's count and the baseline
months' counts) comes from the same safe atoms and suppression as every other aggregate
(`selectors.base`), never from the raw figures stored on the signal."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tutela.core.disclosure import suppress_counts
from tutela.core.models import Operation
from tutela.monitoring.models import EarlyWarningSignal
from tutela.monitoring.selectors.base import (
    AnalysisFilters,
    Reader,
    add_months,
    month_label,
    viewer_for,
)
from tutela.monitoring.selectors.incidents import incident_atoms


@dataclass
class SignalView:
    signal: EarlyWarningSignal
    observed: int | None
    baseline: list[tuple[str, int | None]]
    expected: float | None
    p_band: str
    controlled: bool
    # The months the count was compared with ("March 2026 – August 2026"), and how many.
    months: int = 6
    period: str = ""
    # How the month compares with its baseline ("9× the 6-month average"), from the figures as
    # shown (so it gives nothing away that they do not), and the test that raised it.
    comparison: str = ""
    rule: str = ""


def _comparison(observed: int | None, expected: float | None, months: int) -> str:
    if observed is None or expected is None:
        return ngettext(
            "above its average of the month before",
            "above its average of the %(months)d months before",
            months,
        ) % {"months": months}
    if expected == 0:
        return ngettext(
            "none in the month before", "none in the %(months)d months before", months
        ) % {"months": months}
    ratio = observed / expected
    return ngettext(
        "%(ratio)s× the average of the month before (%(mean)s a month)",
        "%(ratio)s× the %(months)d-month average (%(mean)s a month)",
        months,
    ) % {
        "ratio": formats.number_format(round(ratio, 1), 1),
        "months": months,
        "mean": formats.number_format(expected, 1),
    }


def _rule(signal: EarlyWarningSignal) -> str:
    evidence = signal.evidence or {}
    return _(
        "Raised at %(min)s incidents or more when a count that high would come by chance with "
        "a probability under %(alpha)s (Poisson, on the baseline average)."
    ) % {
        "min": evidence.get("min_count", "—"),
        "alpha": formats.number_format(evidence.get("significance", 0.01)),
    }


def _month_name(month: datetime.date) -> str:
    return formats.date_format(month, "YEAR_MONTH_FORMAT")


def p_band(p: float) -> str:
    """The p-value in bands (an exact p-value and the mean would give the count back)."""
    for bound in (0.001, 0.01, 0.05):
        if p < bound:
            return f"< {bound:g}"
    return "≥ 0.05"


def signals_for_user(
    *, user: Reader, operation: Operation, signals: Sequence[EarlyWarningSignal]
) -> list[SignalView]:
    if not signals:
        return []
    viewer = viewer_for(user, operation)
    months_back = max(int(s.evidence.get("months", 6) or 6) for s in signals)
    first = add_months(min(s.month for s in signals), -months_back)
    last = max(s.month for s in signals)
    atoms = incident_atoms(viewer, AnalysisFilters(month_from=first, month_to=last))
    controlled = atoms.controlled
    # Blocks wholly inside an area × risk (those pooled across either are left out, as in the
    # trend filtered on that area and risk).
    counts: dict[tuple[Any, Any, datetime.date], int] = defaultdict(int)
    for key, n in atoms.blocks():
        counts[(key["admin1_id"], key["primary_risk_id"], key["month"])] += n
        if key["admin2_id"] is not None:
            counts[(key["admin2_id"], key["primary_risk_id"], key["month"])] += n
    out = []
    for signal in signals:
        n_months = int(signal.evidence.get("months", months_back) or months_back)
        window = [add_months(signal.month, -i) for i in range(n_months, -1, -1)]
        series = {m: counts.get((signal.area_id, signal.risk_id, m), 0) for m in window}
        if controlled:
            shown = suppress_counts(series, threshold=viewer.threshold).values
        else:
            shown = dict(series)
        baseline = [(month_label(m), shown[m]) for m in window[:-1]]
        values = [v for _label, v in baseline]
        expected = (
            round(sum(values) / len(values), 2)  # type: ignore[arg-type]
            if values and all(v is not None for v in values)
            else None
        )
        observed = shown[window[-1]]
        out.append(
            SignalView(
                signal=signal,
                observed=observed,
                baseline=baseline,
                expected=expected,
                p_band=p_band(signal.p_value),
                controlled=controlled,
                months=n_months,
                period=f"{_month_name(window[0])} – {_month_name(window[-2])}" if n_months else "",
                comparison=_comparison(observed, expected, n_months),
                rule=_rule(signal),
            )
        )
    return out
