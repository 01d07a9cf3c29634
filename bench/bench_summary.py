"""One table of every goal of issue 18, measured against goal, from the figures the benchmarks
recorded (`_setup.record`, JSON under the bench directory's `results/`): run the benchmarks
first (`make bench` does), then

    TUTELA_BENCH_DIR=... .venv/bin/python bench/bench_summary.py

Goals not measured by any run are listed as such, never guessed.
"""

from __future__ import annotations

import json
from typing import Any

from _setup import WORK


def _load() -> list[dict[str, Any]]:
    folder = WORK / "results"
    if not folder.exists():
        return []
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]


def _rows(found: dict[str, Any]) -> str:
    return f"{int(found['rows']):,}"


def _after_write(item: dict[str, Any]) -> str:
    """The first request right after a write to one month, when the run measured it."""
    if "worst_after_write_excess_ms" not in item:
        return ""
    return (
        f"; after a write {item['worst_after_write_excess_ms']:+.0f} ms "
        f"({item['worst_after_write_at_ms']:.0f} ms)"
    )


def _met(item: dict[str, Any]) -> str:
    """Met when computed (nothing cached) is within the goal; otherwise which of cached and
    after a write are."""
    if item["worst_excess_ms"] <= 10:
        return "yes"
    parts = [
        f"{label}: {'yes' if item[key] <= 10 else 'no'}"
        for label, key in (
            ("cached", "worst_cached_excess_ms"),
            ("after a write", "worst_after_write_excess_ms"),
        )
        if key in item
    ]
    return f"no ({', '.join(parts)})" if parts else "no"


def main() -> None:
    results = _load()
    lines: list[tuple[str, str, str, str, str]] = []
    for item in sorted(results, key=lambda r: (r["name"], r["vendor"], int(r.get("rows", 0)))):
        name, vendor = item["name"], item["vendor"]
        if name == "pivot":
            lines.append(
                (
                    f"5W pivot - DuckDB, {_rows(item)} rows (worst query x role)",
                    vendor,
                    f"computed {item['worst_excess_ms']:+.0f} ms "
                    f"({item['worst_excess_at_ms']:.0f} ms); cached "
                    f"{item['worst_cached_excess_ms']:+.0f} ms" + _after_write(item),
                    "<= +10 ms",
                    _met(item),
                )
            )
            lines.append(
                (
                    f"freshness: summary delta in the write, {_rows(item)} rows",
                    vendor,
                    f"one row {item['delta_one_row_ms']:.0f} ms, an organisation's month "
                    f"{item['delta_month_ms']:.0f} ms; tables "
                    + ("in use" if item["summaries"] else "off (rows answer)"),
                    "fresh at commit, no raw fallback",
                    "yes (tables fresh after the write)"
                    if item["summaries"]
                    else "n/a (below ACTIVITY_SUMMARY_MIN_ROWS the rows answer)",
                )
            )
        elif name == "import":
            for label, key in (("first import", "import_ratio"), ("tables in use", "delta_")):
                ratio = item[key] if key != "delta_" else item["delta_import_ratio"]
                lines.append(
                    (
                        f"import / calamine read, {_rows(item)} rows ({label})",
                        vendor,
                        f"{ratio:.1f}x",
                        "<= 2.5x",
                        "yes" if ratio <= 2.5 else "no",
                    )
                )
        elif name == "pau":
            worst = max(item["docx_s"], item["pdf_s"])
            lines.append(
                (
                    f"PAU with charts and map, {_rows(item)} incidents (docx / pdf)",
                    vendor,
                    f"{item['docx_s']:.1f} s / {item['pdf_s']:.1f} s",
                    "< 5 s at 1M",
                    ("yes" if worst < 5 else "no") if item["rows"] >= 1_000_000 else "n/a (<1M)",
                )
            )
        elif name == "monitoring":
            lines.append(
                (
                    f"monitoring - DuckDB, {_rows(item)} incidents (worst request)",
                    vendor,
                    f"{item['worst_excess_ms']:+.0f} ms ({item['worst_excess_at_ms']:.0f} ms)"
                    + (
                        f"; cached {item['worst_cached_excess_ms']:+.0f} ms"
                        if "worst_cached_excess_ms" in item
                        else ""
                    )
                    + _after_write(item),
                    "<= +10 ms",
                    _met(item),
                )
            )
    measured = {r["name"] for r in results}
    for name, goal in (
        ("pivot", "5W pivot <= DuckDB + 10 ms at 20k, 200k, 1M rows"),
        ("import", "import <= 2.5x the calamine read at 100,000 rows"),
        ("monitoring", "monitoring <= DuckDB + 10 ms at 20k, 200k, 1M"),
        ("pau", "PAU with charts and map at 1M incidents < 5 s"),
        ("scale", "10M 5W rows on PostgreSQL: pivots p95 < 300 ms"),
    ):
        if name not in measured:
            lines.append((goal, "-", "not measured by this run", "", ""))
    widths = [max(len(line[i]) for line in lines) if lines else 4 for i in range(5)]
    header = ("measure", "database", "measured", "goal", "met")
    widths = [max(w, len(h)) for w, h in zip(widths, header, strict=True)]
    print(f"\nIssue 18 goals (figures from {WORK / 'results'})")
    for line in (header, *lines):
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))


if __name__ == "__main__":
    main()
