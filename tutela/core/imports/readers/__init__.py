"""Reading an uploaded table: xlsx, xlsm, xls, ods (through python-calamine, which is several times
faster than openpyxl) and CSV (encoding and delimiter detected).

    table = read_table(upload, file_name=upload.name)
    table.headers      -> ["Mois", "Activité", ...]      (as written in the file)
    table.hxl_tags     -> ["#date+reported", ...] or None (an HXL hashtag row under the header)
    table.rows         -> [(3, ["2026-03", "PRO-PSS", ...]), ...]  (spreadsheet row numbers)

Row numbers are those the user sees in Excel (1-based, header rows included), so that a problem
"row 12" is found where the user looks for it. Entirely empty rows are skipped.

Every file is parsed in a child process with memory and CPU limits (`tutela.core.sandbox`), after
checks that refuse what would cost more than the limits (`tutela.core.imports.limits`): a hostile
file gets a clear message and never takes the web worker or the task worker down with it.
"""

from tutela.core.imports.readers.files import (
    CSV_DELIMITERS,
    MAX_BYTES,
    MAX_ROWS,
    PARSE_FAILED,
    SPREADSHEET_KINDS,
    parse_failed,
    read_table,
)
from tutela.core.imports.readers.streamed import read_table_then
from tutela.core.imports.readers.tables import (
    HEADER_SEARCH_ROWS,
    Table,
    iter_records,
    parse_hxl_tag,
)

__all__ = [
    "CSV_DELIMITERS",
    "HEADER_SEARCH_ROWS",
    "MAX_BYTES",
    "MAX_ROWS",
    "PARSE_FAILED",
    "SPREADSHEET_KINDS",
    "Table",
    "iter_records",
    "parse_failed",
    "parse_hxl_tag",
    "read_table",
    "read_table_then",
]
