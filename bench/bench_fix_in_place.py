"""Fix in place benchmark: a 5W xlsx of 12,000 rows (a national cluster's monthly file) with 300
rows naming a cercle that does not exist, checked; then what the browser's fix table costs: the
page (the stored file read, decrypted, its rows with problems laid out) and saving one page of
50 corrections (the whole file checked again with them, by the task worker's code for a file
this big: run in this process here).

    .venv/bin/python bench/bench_fix_in_place.py [--rows 12000] [--bad 300]
"""

from __future__ import annotations

import argparse
import io
import time

from _setup import WORK, django_setup
from bench_5w_import import build_operation, write_xlsx


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=12_000)
    parser.add_argument("--bad", type=int, default=300)
    args = parser.parse_args()
    vendor = django_setup("fix.sqlite3", fresh=True)

    from openpyxl import load_workbook

    from tutela.activities.services.import_corrections import (
        import_corrections_save,
        import_fix_table,
    )
    from tutela.activities.services.imports import import_5w_file, import_5w_run_recorded

    operation, org, user, keys = build_operation(args.rows)
    path = WORK / f"fix-{args.rows}.xlsx"
    write_xlsx(path, keys, args.rows)
    workbook = load_workbook(path)
    sheet = workbook["5W"]
    column = [c.value for c in sheet[1]].index("admin2_pcode") + 1
    step = args.rows // args.bad
    bad = [3 + i * step for i in range(args.bad)]
    right = {}
    for row in bad:
        right[row] = sheet.cell(row=row, column=column).value
        sheet.cell(row=row, column=column, value="ML9999")
    out = io.BytesIO()
    workbook.save(out)
    data = out.getvalue()

    start = time.perf_counter()
    record = import_5w_file(
        by=user,
        operation=operation,
        file=io.BytesIO(data),
        file_name="5w.xlsx",
        organisation=org,
        dry_run=True,
    )
    t_check = time.perf_counter() - start
    assert record.status == "rejected", record.problems[:3]
    assert record.error_count == args.bad, record.error_count

    start = time.perf_counter()
    fix = import_fix_table(record=record)
    t_page = time.perf_counter() - start
    assert len(fix.rows) == args.bad

    page = fix.rows[:50]
    changes = {(r.number, column - 1): right[r.number] for r in page}
    start = time.perf_counter()
    new = import_corrections_save(record=record, by=user, changes=changes, fix=fix)
    if new.status == "pending":
        # A file over BACKGROUND_BYTES is checked again by the task worker: run its task here.
        new = import_5w_run_recorded(record_id=new.pk, dry_run=True)
    t_save = time.perf_counter() - start
    assert new.error_count == args.bad - 50, new.error_count

    print(f"\nFix in place — {args.rows:,} rows, {args.bad} with an error, {vendor}")
    print(f"check of the upload (dry run)            {t_check:6.2f} s")
    print(f"fix table (file read, rows laid out)     {t_page:6.2f} s")
    print(f"save 50 corrections + re-check the file  {t_save:6.2f} s")


if __name__ == "__main__":
    main()
