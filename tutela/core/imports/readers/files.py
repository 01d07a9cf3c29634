"""Reading an uploaded file into a table: its kind told by its first bytes, CSV decoded (encoding
and delimiter detected), workbooks read through python-calamine in a child process with memory
and CPU limits (`tutela.core.sandbox`) after the checks of `tutela.core.imports.limits`, and
the sheet chosen.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _

from tutela.core import sandbox
from tutela.core.imports import limits as read_limits
from tutela.core.imports.limits import ReadLimits
from tutela.core.imports.problems import ImportFileError
from tutela.core.imports.readers.tables import HEADER_SEARCH_ROWS, Table, build_table, is_empty

# Upload limits; settings can change them (README "Limits on uploaded files").
MAX_BYTES = read_limits.MAX_BYTES
MAX_ROWS = read_limits.MAX_ROWS
SPREADSHEET_KINDS = {"xlsx", "xlsm", "xls", "ods"}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
# Stream name of an encrypted (password-protected) Office Open XML file, in UTF-16.
_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")
CSV_DELIMITERS = (",", ";", "\t", "|")


def _read_bytes(source: Any, max_bytes: int) -> tuple[bytes, str]:
    """The file's content and name, refusing files over the size limit before reading them."""
    if isinstance(source, bytes | bytearray):
        data, name = bytes(source), ""
    elif isinstance(source, str | os.PathLike):
        path = Path(source)
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise ImportFileError(_("The file could not be opened.")) from exc
        if size > max_bytes:
            raise _too_big(max_bytes)
        data, name = path.read_bytes(), path.name
    else:
        name = str(getattr(source, "name", "") or "")
        declared = getattr(source, "size", None)
        if isinstance(declared, int) and declared > max_bytes:
            raise _too_big(max_bytes)
        if hasattr(source, "seek"):
            with contextlib.suppress(OSError, ValueError):
                source.seek(0)
        if hasattr(source, "chunks"):
            data = b"".join(source.chunks())
        else:
            data = source.read(max_bytes + 1)
        # A file opened in text mode reads str, whatever its type says.
        if isinstance(data, str):  # type: ignore[unreachable]
            data = data.encode("utf-8")  # type: ignore[unreachable]
    if len(data) > max_bytes:
        raise _too_big(max_bytes)
    return data, os.path.basename(name)


def _too_big(max_bytes: int) -> ImportFileError:
    return ImportFileError(
        _("The file is too big (more than %(size)d MB).") % {"size": max_bytes // (1024 * 1024)},
        code="too_big",
    )


def _kind(data: bytes, name: str) -> str:
    extension = Path(name).suffix.lower().lstrip(".")
    if data.startswith(_OLE_MAGIC):
        if _ENCRYPTION_INFO in data[:2_000_000] or b"EncryptedPackage" in data:
            raise ImportFileError(
                _("The file is protected by a password. Remove the password and upload it again."),
                code="password",
            )
        return "xls"
    if data.startswith(_ZIP_MAGIC):
        if b"application/vnd.oasis.opendocument.spreadsheet" in data[:200]:
            return "ods"
        return extension if extension in {"xlsx", "xlsm"} else "xlsx"
    if extension in SPREADSHEET_KINDS:
        raise ImportFileError(
            _("The file is not a valid spreadsheet (it may be damaged)."), code="unreadable"
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # "Unicode text" saved by Excel: UTF-16 with a byte order mark.
        return "csv"
    if b"\x00" in data[:8192]:
        raise ImportFileError(
            _("The file is not a spreadsheet or a CSV file (xlsx, xls, ods or csv expected)."),
            code="unreadable",
        )
    return "csv"


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _delimiter(text: str) -> str:
    sample = text[:65536]
    try:
        return csv.Sniffer().sniff(sample, delimiters="".join(CSV_DELIMITERS)).delimiter
    except csv.Error:
        pass
    first = next((line for line in sample.splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in CSV_DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(data: bytes, limits: ReadLimits) -> list[list[Any]]:
    text = _decode(data)
    if not text.strip():
        raise ImportFileError(_("The file is empty."), code="empty")
    return read_limits.read_csv_rows(text, _delimiter(text), limits)


def _visible_sheets(workbook: Any) -> list[str]:
    names = []
    for meta in workbook.sheets_metadata:
        visible = str(getattr(meta, "visible", "Visible")).rsplit(".", 1)[-1].lower()
        typ = str(getattr(meta, "typ", "WorkSheet")).rsplit(".", 1)[-1].lower()
        if visible == "visible" and typ == "worksheet":
            names.append(meta.name)
    return names or list(workbook.sheet_names)


class _Sheets:
    """Each sheet parsed once (calamine parses the whole sheet when it is opened), and its grid
    checked against the limits before anything is made of it."""

    def __init__(self, workbook: Any, limits: ReadLimits) -> None:
        self.workbook = workbook
        self.limits = limits
        self.opened: dict[str, Any] = {}

    def get(self, name: str) -> Any:
        if name not in self.opened:
            sheet = self.workbook.get_sheet_by_name(name)
            if sheet.end is not None:
                rows, columns = sheet.end[0] + 1, sheet.end[1] + 1
                read_limits.check_grid(name, rows, columns, self.limits)
            self.opened[name] = sheet
        return self.opened[name]


def _sheet_rows(sheets: _Sheets, name: str) -> list[list[Any]]:
    # From A1, so that list index + 1 is the spreadsheet row number.
    rows = sheets.get(name).to_python(skip_empty_area=False)
    return rows if isinstance(rows, list) else list(rows)


def _peek(sheets: _Sheets, name: str) -> list[list[Any]]:
    sheet = sheets.get(name)
    rows: list[list[Any]] = []
    for row in sheet.iter_rows():
        rows.append(list(row))
        if len(rows) >= HEADER_SEARCH_ROWS:
            break
    # iter_rows starts at the first used row; pad so that indexes stay row numbers.
    start_row = sheet.start[0] if sheet.start else 0
    return [[] for _ in range(start_row)] + rows


def read_table(
    source: str | os.PathLike[str] | bytes | IO[bytes] | Any,
    *,
    sheet: str | int | None = None,
    header_row: int | None = None,
    file_name: str = "",
    prefer: Callable[[list[str], list[str] | None], float] | None = None,
    max_bytes: int | None = None,
    max_rows: int | None = None,
) -> Table:
    """Read the table of an uploaded file.

    `sheet`: a sheet name or 0-based index; by default the visible worksheet that `prefer`
    (a score of its headers and hashtags) rates highest, or the first visible worksheet with data.
    `header_row`: 1-based; found automatically when not given. Raises ImportFileError, with a
    message for the user, for a file that cannot be read, is over the limits, or whose reading
    ran out of memory or time (code "parse_failed").
    """
    limits = ReadLimits.current(max_bytes=max_bytes, max_rows=max_rows)
    data, file_name, kind = _opened(source, file_name, limits)
    try:
        # A workbook's safety scan (what it unzips to, how far its cells reach) and its parse
        # run at once, in two children: the parse is bounded by its child's limits, and the
        # scan's verdict is taken first, so a file the scan refuses gets the scan's message.
        scan = _start_scan(data, kind, limits)
        try:
            parse = sandbox.start_bounded(
                _parse,
                data,
                kind=kind,
                sheet=sheet,
                header_row=header_row,
                prefer=prefer,
                limits=limits,
                file_name=file_name,
            )
        except BaseException:
            if scan is not None:
                scan.cancel()
            raise
        if scan is not None:
            try:
                scan.result()
            except BaseException:
                parse.cancel()
                raise
        return parse.result()
    except sandbox.SandboxFailure as failure:
        raise parse_failed(failure) from failure


def _opened(source: Any, file_name: str, limits: ReadLimits) -> tuple[bytes, str, str]:
    """The file's bytes (within the size limit), name and kind; ImportFileError when empty."""
    data, name = _read_bytes(source, limits.max_bytes)
    file_name = file_name or name
    if not data.strip():
        raise ImportFileError(_("The file is empty."), code="empty")
    kind = _kind(data, file_name)
    # Imported here, before a child is forked, so that each child does not import them again.
    import hxl.model  # noqa: F401
    import python_calamine  # noqa: F401

    return data, file_name, kind


def _start_scan(data: bytes, kind: str, limits: ReadLimits) -> sandbox.Pending[None] | None:
    """A zipped workbook's safety scan started in its own child (None for other kinds)."""
    if kind not in ZIPPED:
        return None
    return sandbox.start_bounded(read_limits.check_archive, data, kind, limits)


def parse_failed(failure: sandbox.SandboxFailure) -> ImportFileError:
    """The error of a file whose reading was stopped (the child process reading it died or ran
    out of time): the import is rejected with this message and can be run again."""
    limits = sandbox.budget()
    if failure.reason == sandbox.MEMORY:
        message = _(
            "Reading the file needed more memory than the limit (%(limit)s MB), so it was "
            "stopped; nothing was saved. A sheet may reach far beyond its data (a value in a "
            "distant cell): delete the empty rows and columns, or split the file."
        ) % {"limit": limits.memory_mb}
    elif failure.reason == sandbox.TIME:
        message = _(
            "Reading the file took longer than the limit (%(seconds)s seconds), so it was "
            "stopped; nothing was saved. Try again, or split the file."
        ) % {"seconds": int(limits.wall_seconds)}
    else:
        message = _(
            "Reading the file stopped unexpectedly (it may be damaged, or built to harm); "
            "nothing was saved."
        )
    return ImportFileError(message, code=PARSE_FAILED)


# The code of the problem of a file whose reading was stopped.
PARSE_FAILED = "parse_failed"
# Workbooks that are zip archives of XML parts, scanned by read_limits.check_archive.
ZIPPED = frozenset({"xlsx", "xlsm", "ods"})


def _parse(
    data: bytes,
    *,
    kind: str,
    sheet: str | int | None,
    header_row: int | None,
    prefer: Callable[[list[str], list[str] | None], float] | None,
    limits: ReadLimits,
    file_name: str,
) -> Table:
    """The table of a file (run in the child process, see read_table)."""
    if kind == "csv":
        return build_table(
            _read_csv(data, limits),
            header_row=header_row,
            max_rows=limits.max_rows,
            kind=kind,
            sheet="",
            sheet_names=[],
            file_name=file_name,
        )
    # (A zipped workbook's safety scan runs alongside, in its own child: read_table.)
    return _read_workbook(
        data,
        kind=kind,
        sheet=sheet,
        header_row=header_row,
        prefer=prefer,
        limits=limits,
        file_name=file_name,
    )


def _read_workbook(
    data: bytes,
    *,
    kind: str,
    sheet: str | int | None,
    header_row: int | None,
    prefer: Callable[[list[str], list[str] | None], float] | None,
    limits: ReadLimits,
    file_name: str,
) -> Table:
    # The Rust reader of .xlsx/.xls/.ods, loaded only when a workbook is read.
    import python_calamine

    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError as exc:
        raise ImportFileError(
            _("The file is protected by a password. Remove the password and upload it again."),
            code="password",
        ) from exc
    except Exception as exc:  # noqa: BLE001 (calamine raises several error types on bad files)
        raise ImportFileError(
            _("The file is not a valid spreadsheet (it may be damaged)."), code="unreadable"
        ) from exc
    try:
        names = list(workbook.sheet_names)
        if not names:
            raise ImportFileError(_("The workbook has no sheet."), code="empty")
        sheets = _Sheets(workbook, limits)
        chosen = _choose_sheet(sheets, names, sheet, header_row, prefer)
        try:
            raw = _sheet_rows(sheets, chosen)
        except ImportFileError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise ImportFileError(
                _("The sheet “%(sheet)s” could not be read.") % {"sheet": chosen},
                code="unreadable",
            ) from exc
        if not any(not is_empty(c) for row in raw for c in row[:200]):
            raise ImportFileError(
                _("The sheet “%(sheet)s” is empty.") % {"sheet": chosen}, code="empty"
            )
        return build_table(
            raw,
            header_row=header_row,
            max_rows=limits.max_rows,
            kind=kind,
            sheet=chosen,
            sheet_names=names,
            file_name=file_name,
        )
    finally:
        # Closing a workbook already closed raises; nothing to do then.
        with contextlib.suppress(Exception):
            workbook.close()


def _choose_sheet(
    sheets: _Sheets,
    names: list[str],
    sheet: str | int | None,
    header_row: int | None,
    prefer: Callable[[list[str], list[str] | None], float] | None,
) -> str:
    if isinstance(sheet, int):
        if not 0 <= sheet < len(names):
            raise ImportFileError(
                _("The workbook has no sheet number %(number)d.") % {"number": sheet + 1},
                code="sheet",
            )
        return names[sheet]
    if sheet:
        if sheet in names:
            return sheet
        folded = {n.strip().casefold(): n for n in names}
        if sheet.strip().casefold() in folded:
            return folded[sheet.strip().casefold()]
        raise ImportFileError(
            _("The workbook has no sheet named “%(sheet)s” (sheets: %(sheets)s).")
            % {"sheet": sheet, "sheets": ", ".join(names)},
            code="sheet",
        )
    candidates = _visible_sheets(sheets.workbook)
    best_name, best_score = "", float("-inf")
    for name in candidates:
        try:
            head = _peek(sheets, name)
        except ImportFileError:
            # A sheet over the limits is refused, not skipped.
            raise
        except Exception:  # noqa: BLE001, S112 (an unreadable sheet is skipped)
            continue
        if not any(not is_empty(c) for row in head for c in row):
            continue
        if prefer is None:
            return name
        try:
            table = build_table(
                head,
                header_row=header_row,
                max_rows=HEADER_SEARCH_ROWS,
                kind="",
                sheet=name,
                sheet_names=names,
                file_name="",
            )
        except ImportFileError:
            continue
        score = prefer(table.headers, table.hxl_tags)
        if score > best_score:
            best_name, best_score = name, score
    if best_name:
        return best_name
    raise ImportFileError(_("Every sheet of the workbook is empty."), code="empty")
