"""Value mapping benchmark: the 5W mapping page of a file whose population group column holds N
distinct values Tutela does not know (default 500), rendered through Django's test client as a
signed-in IMO, as an IMO opens it (GET) and as they page, search and accept every suggestion
(POST).

    .venv/bin/python bench/bench_value_mapping.py [--values 500] [--rows 5000] [--runs 10]
    DATABASE_URL=postgres://... .venv/bin/python bench/bench_value_mapping.py   (PostgreSQL)

The time includes reading the stored upload again (the page does on every request), counting
every distinct value of the coded columns, building one form field per value and rendering one
page of them. Goal (issue 13): < 1 s at 500 distinct values.
"""

from __future__ import annotations

import argparse
import io

from _setup import django_setup, median, ms, p95, timed
from _setup import record as record_figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--values", type=int, default=500)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    vendor = django_setup("value-mapping.sqlite3", fresh=True)

    from bench_5w_import import build_operation
    from django.test import Client

    from tutela.activities.services.imports import import_5w_file

    operation, org, user, keys = build_operation(args.rows)
    keys = list(keys)
    header = "month,activity,indicator,admin1_pcode,admin2_pcode,population_group,total"
    lines = [header]
    for number, (month, activity, commune, _group) in enumerate(keys):
        lines.append(
            ",".join(
                [
                    month.strftime("%Y-%m"),
                    activity.code,
                    activity.indicators.all()[0].code,
                    commune.parent.parent.pcode,
                    commune.parent.pcode,
                    f"Groupe de population local numéro {number % args.values:04d}",
                    "12",
                ]
            )
        )
    content = ("\n".join(lines) + "\n").encode()
    record = import_5w_file(
        by=user,
        operation=operation,
        file=io.BytesIO(content),
        file_name="values.csv",
        organisation=org,
        dry_run=True,
    )
    assert record.file, record.status
    # The page as served on this machine (localhost is an allowed host by default).
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    url = f"/o/{operation.slug}/5w/imports/{record.pk}/mapping/"
    columns = {
        "col_0": "month",
        "col_1": "activity",
        "col_2": "indicator",
        "col_3": "admin1_pcode",
        "col_4": "admin2_pcode",
        "col_5": "population_group",
        "col_6": "total",
        "name": "bench",
    }

    def get() -> None:
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        assert f"{args.values} values" in response.content.decode()

    def page() -> None:
        response = client.post(url, {**columns, "vpage": "3", "vq": "local"})
        assert response.status_code == 200, response.status_code

    def accept() -> None:
        response = client.post(url, {**columns, "accept": "all"})
        assert response.status_code == 200, response.status_code

    print(f"{vendor}: mapping page, {args.values} distinct values over {len(keys)} rows")
    figures: dict[str, object] = {"rows": args.values, "file_rows": len(keys)}
    for name, fn in (("open", get), ("page_search", page), ("accept_all", accept)):
        times = timed(fn, args.runs)
        figures[f"{name}_median_s"] = median(times)
        figures[f"{name}_p95_s"] = p95(times)
        print(f"  {name:12} median {ms(median(times))}  p95 {ms(p95(times))}  (goal < 1 s)")
    record_figures("value_mapping", vendor, figures)


if __name__ == "__main__":
    main()
