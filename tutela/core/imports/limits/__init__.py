"""What reading an uploaded table may cost, checked before (and as) it is parsed.

The threat is a small file that makes a reader materialise far more than it holds:
- a dimension bomb: a 1.7 KB xlsx whose sheet declares `A1:XFD1048576` and puts one cell at
  XFD1048576; python-calamine builds the whole 1,048,576 × 16,384 grid (512 GiB) and aborts;
- the same in ods (a cell repeated 16,384 times in a row repeated a million times) and in xls
  (one cell at IV65536: a 16.7 million cell grid, 1 GB, from 6 KB);
- a zip bomb: a part that inflates a thousand-fold (300 MB of text from 300 KB), or a directory
  of a hundred thousand entries;
- XML with a document type declaration (billion laughs; spreadsheets never have one), huge
  shared-string tables, or text in an encoding the checks below cannot read;
- a CSV with a 50 MB line, a million columns or millions of rows.

`check_archive` reads a zip-based workbook (xlsx, xlsm, ods) part by part, streaming and counting
what each part really inflates to (not what its directory says), and computes each sheet's extent
(the highest row and column holding a value, as the reader will lay the grid out) before the
reader sees the file: a sheet over the limits is refused with a message naming the sheet, what it
declares or holds, and the limit. The fast path is a handful of regular expressions over the XML
(about a second per 100,000 rows × 18 columns); a sheet whose cells lack their `r` reference is
walked exactly with expat. `check_grid` checks the grid a reader did build (xls, and every sheet
again), and `read_csv_rows` bounds CSV rows, columns, cells and field length.

Limits are settings (README "Limits on uploaded files"); the reading itself also runs under
memory and CPU limits in a child process (`tutela.core.sandbox`), for whatever this does not
foresee.
"""

from tutela.core.imports.limits.archives import (
    check_archive,
)
from tutela.core.imports.limits.budget import (
    CHUNK,
    HEADER_ROWS,
    MAX_BYTES,
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_FIELD_CHARS,
    MAX_ROWS,
    MAX_TAG_BYTES,
    MAX_UNZIPPED_BYTES,
    MAX_ZIP_ENTRIES,
    MIN_INFLATE_RATIO,
    RATIO_GRACE_BYTES,
    Extent,
    ReadLimits,
    check_grid,
    column_number,
)
from tutela.core.imports.limits.csv_rows import (
    read_csv_rows,
)

__all__ = [
    "CHUNK",
    "Extent",
    "HEADER_ROWS",
    "MAX_BYTES",
    "MAX_CELLS",
    "MAX_COLUMNS",
    "MAX_FIELD_CHARS",
    "MAX_ROWS",
    "MAX_TAG_BYTES",
    "MAX_UNZIPPED_BYTES",
    "MAX_ZIP_ENTRIES",
    "MIN_INFLATE_RATIO",
    "RATIO_GRACE_BYTES",
    "ReadLimits",
    "check_archive",
    "check_grid",
    "column_number",
    "read_csv_rows",
]
