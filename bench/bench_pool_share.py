"""How much of each monitoring table disclosure control pools (issue 14, "Disclosure control
drowns the products"), on the demo operation, as readers outside the organisations that recorded
the incidents: the partner focal point, the cluster coordinator and the PAU's reader
(PUBLICATION).

    .venv/bin/python bench/bench_pool_share.py
    DATABASE_URL=sqlite:///$PWD/var/tutela.sqlite3 TUTELA_VAR_DIR=$PWD/var \\
        .venv/bin/python bench/bench_pool_share.py        (the demo `make run` loaded)

For every table of the analysis dashboard (trend by risk, by admin 1 and by admin 2; top risks;
hot spots by admin 1 and admin 2) over the dashboard's default period (the last 12 months with
data) and of the PAU (last quarter with data against the previous one, by risk and by area),
prints the share of the table's incidents that fall in its "pooled small groups" row or column
when it is answered at the grain asked for ("before") and at the grain the selectors choose
(`selectors.incidents.MAX_POOLED_SHARE`: a coarser area, then for a trend quarters instead of
months, when the asked one would pool more than that share; "after"), and the grain used. A
measurement, not a test.
"""

from __future__ import annotations

import sys
from typing import Any

from _setup import django_setup


def main() -> None:
    django_setup("pool-share-demo.sqlite3")

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import translation

    from tutela.core.models import Operation
    from tutela.monitoring.pau.figures import parse_period
    from tutela.monitoring.selectors.base import PUBLICATION, AnalysisFilters, add_months
    from tutela.monitoring.selectors.comparisons import period_comparison
    from tutela.monitoring.selectors.incidents import (
        MAX_POOLED_SHARE,
        hotspots,
        incident_trend,
        last_incident_month,
        top_risks,
    )

    translation.activate("en")
    operation = Operation.objects.filter(slug="mali-demo").first()
    if operation is None:
        print("loading the demo operation (once, a few minutes)...", flush=True)
        call_command("demo", verbosity=0)
        operation = Operation.objects.get(slug="mali-demo")
    users = get_user_model().objects
    readers = [
        ("partner", users.get(email="partner@demo.tutela.org")),
        ("coordinator", users.get(email="coordinator@demo.tutela.org")),
        ("PAU reader", PUBLICATION),
    ]
    print(f"threshold {operation.disclosure_threshold}; coarser grain above {MAX_POOLED_SHARE:.0%}")
    print(f"{'reader':<12} {'table':<34} {'incidents':>9} {'before':>7} {'after':>7}  grain")
    for name, user in readers:
        last = last_incident_month(user=user, operation=operation)
        if last is None:
            print(f"{name}: no incident")
            continue
        dashboard = AnalysisFilters(month_from=add_months(last, -11), month_to=last)
        quarter = parse_period(f"{last.year}Q{(last.month - 1) // 3 + 1}")
        previous = quarter.previous()
        pau = AnalysisFilters(month_from=quarter.start, month_to=quarter.end.replace(day=1))
        common = {"user": user, "operation": operation}
        pau_common = {
            "filters": pau,
            "previous_from": previous.start,
            "previous_to": previous.end.replace(day=1),
        }

        def hot(**kwargs: Any) -> Any:
            return hotspots(**kwargs).table

        # (label, selector, arguments, whether it has a coarser grain to choose)
        tables: list[tuple[str, Any, dict[str, Any], bool]] = [
            ("dashboard trend by risk", incident_trend, {"filters": dashboard}, True),
            (
                "dashboard trend by admin 1",
                incident_trend,
                {"filters": dashboard, "by": "area"},
                True,
            ),
            (
                "dashboard trend by admin 2",
                incident_trend,
                {"filters": dashboard, "by": "area", "level": 2},
                True,
            ),
            ("dashboard top risks", top_risks, {"filters": dashboard}, False),
            ("hot spots by admin 1", hot, {"filters": dashboard, "level": 1}, True),
            ("hot spots by admin 2", hot, {"filters": dashboard, "level": 2}, True),
            ("PAU by risk", period_comparison, {**pau_common, "by": "risk"}, False),
            ("PAU by admin 1", period_comparison, {**pau_common, "by": "area"}, True),
        ]
        for label, selector, kwargs, grains in tables:
            if grains:
                before = selector(**common, **kwargs, coarsen=False)
                after = selector(**common, **kwargs)
            else:
                before = after = selector(**common, **kwargs)
            grain = after.extra.get("grain")
            used = grain["notice"] if grain and grain.get("coarsened") else "as asked"
            print(
                f"{name:<12} {label:<34} {before.extra['incidents']:>9} "
                f"{before.extra['pooled_share']:>7.0%} {after.extra['pooled_share']:>7.0%}  {used}"
            )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
