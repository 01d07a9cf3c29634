"""`check_archive`: a zip-based workbook (xlsx, xlsm, ods) read part by part before any reader sees
it, streaming and counting what each part really inflates to, refusing XML with a document type
declaration, and computing each sheet's extent (a fast path of regular expressions over the XML;
expat for sheets whose cells lack their references).
"""

from __future__ import annotations

import functools
import html
import io
import operator
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat

from django.utils.translation import gettext as _

from tutela.core.imports.limits.budget import (
    CHUNK,
    MAX_TAG_BYTES,
    MAX_ZIP_ENTRIES,
    MIN_INFLATE_RATIO,
    RATIO_GRACE_BYTES,
    Extent,
    ReadLimits,
    check_grid,
    column_number,
    too_big,
    unsafe,
)
from tutela.core.imports.problems import ImportFileError

# --- zip-based workbooks ------------------------------------------------------------------------

_DOCTYPE = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_ROOT = re.compile(rb"<(?:[\w.-]+:)?([A-Za-z][\w.-]*)[\s/>]")
_SHEET_ROOTS = {b"worksheet", b"dialogsheet", b"macrosheet"}
_DIMENSION = re.compile(
    rb"""<(?:[\w.-]+:)?dimension\s[^>]*?\bref\s*=\s*["']\$?([A-Za-z]{0,4})\$?([0-9]{0,9})"""
    rb"""(?::\$?([A-Za-z]{1,4})\$?([0-9]{1,9}))?["']"""
)
# A cell start tag with its reference: letters, digits and what follows up to ">" (a tag ending
# in "/>" holds no value, and the reader leaves it out of the grid). Spreadsheet programs write the
# reference first (`<c r="B7" s="1">`): the fast patterns read those; a text with any other cell
# tag (reference later or missing, a namespace prefix: the reader knows elements by their local
# name, whatever their prefix) is read with the generic patterns, several times slower.
_REF_VALUE = rb"""\$?([A-Za-z]{1,8})\$?([0-9]{1,12})["'][^>]*(?<!/)>"""
_FAST_CELL = re.compile(rb"""<c\s+r\s*=\s*["']""" + _REF_VALUE)
_ODD_CELL = re.compile(rb"<c(?:>|/>|\s+(?!r\s*=))")
_ODD_ROW = re.compile(rb"<row(?:>|/>|\s+(?!r\s*=))")
_PREFIXED = re.compile(rb":(c|row|si)[\s/>]")
_FAST_SHARED_STRING = re.compile(rb"<si[\s/>]")
_FIRST = operator.itemgetter(0)
_SECOND = operator.itemgetter(1)
_ANY = rb"<(?:[\w.-]+:)?"
_CELL = re.compile(_ANY + rb"""c\s(?:[^>]*?\s)?r\s*=\s*["']""" + _REF_VALUE)
_ROW = re.compile(_ANY + rb"""row\s(?:[^>]*?\s)?r\s*=\s*["']([0-9]{1,12})["']""")
# Cells and rows without a reference: the reader places them after the previous one.
_CELL_NO_REF = re.compile(_ANY + rb"c(?=[\s/>])(?![^>]*\sr\s*=)")
_ROW_NO_REF = re.compile(_ANY + rb"row(?=[\s/>])(?![^>]*\sr\s*=)")
_SHARED_STRING = re.compile(_ANY + rb"si[\s/>]")


@dataclass
class _Part:
    """What the scan found in one XML part of a workbook."""

    name: str
    root: bytes = b""
    declared: tuple[int, int] | None = None
    extent: Extent = field(default_factory=Extent)
    without_reference: int = 0
    shared_strings: int = 0


class _XlsxScan:
    """Streams one part of an xlsx: its XML prolog, root element, declared dimension, the
    references of its cells and rows, its shared strings."""

    def __init__(self, name: str) -> None:
        self.part = _Part(name)
        self.carry = b""
        self.started = False
        self.cells_without_ref = 0
        self.rows_without_ref = 0
        self.cell_columns: set[bytes] = set()
        self.cell_rows: set[bytes] = set()
        self.max_row_tag = 0

    def feed(self, chunk: bytes) -> None:
        data = self.carry + chunk
        if not self.started:
            self.started = True
            _check_prolog(data, self.part.name)
            root = _ROOT.search(data, _prolog_end(data))
            self.part.root = root.group(1) if root else b""
            if self.part.root in _SHEET_ROOTS:
                declared = _DIMENSION.search(data, 0, 65536)
                if declared:
                    self.part.declared = _declared(declared)
        # Cut at the last "<": a tag is never split between two chunks.
        cut = data.rfind(b"<")
        if cut <= 0 or len(data) - cut > MAX_TAG_BYTES:
            cut = len(data)
        body, self.carry = data[:cut], data[cut:]
        self._scan(body)

    def finish(self) -> _Part:
        self._scan(self.carry)
        self.carry = b""
        if self.part.root in _SHEET_ROOTS:
            extent = self.part.extent
            if self.cell_columns:
                extent.grow(0, max(column_number(c.upper()) for c in self.cell_columns))
            if self.cell_rows:
                extent.grow(max(int(r) for r in self.cell_rows), 0)
            if self.cells_without_ref or self.rows_without_ref:
                # Each cell without a reference is one column after the previous cell, each
                # row one row after the previous row: bounded by their counts.
                extent.rows = max(extent.rows, self.max_row_tag) + self.rows_without_ref
                extent.columns += self.cells_without_ref
                self.part.without_reference = self.cells_without_ref + self.rows_without_ref
        return self.part

    def _scan(self, body: bytes) -> None:
        if not body:
            return
        root = self.part.root
        prefixed = set(_PREFIXED.findall(body))
        if root in _SHEET_ROOTS:
            generic = b"c" in prefixed or _ODD_CELL.search(body) is not None
            found = (_CELL if generic else _FAST_CELL).findall(body)
            self.cell_columns.update(map(_FIRST, found))
            self.cell_rows.update(map(_SECOND, found))
            if generic:
                self.cells_without_ref += len(_CELL_NO_REF.findall(body))
            if b"row" in prefixed or _ODD_ROW.search(body) is not None:
                self.rows_without_ref += len(_ROW_NO_REF.findall(body))
                for number in _ROW.findall(body):
                    self.max_row_tag = max(self.max_row_tag, int(number))
        elif root == b"sst":
            pattern = _SHARED_STRING if b"si" in prefixed else _FAST_SHARED_STRING
            self.part.shared_strings += len(pattern.findall(body))


def _prolog_end(data: bytes) -> int:
    end = data.find(b"?>") + 2 if data.lstrip().startswith(b"<?xml") else 0
    return max(end, 0)


def _check_prolog(data: bytes, name: str) -> None:
    """Refuse a part that is not UTF-8 XML, or that declares a document type (entities: the
    "billion laughs"; spreadsheets never have one)."""
    head = data[:65536]
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00<", b"<\x00")):
        raise unsafe(
            _("The workbook holds a part in an unusual text encoding (%(part)s)."), part=name
        )
    declared = _ENCODING.search(head)
    if declared and declared.group(1).lower() not in {b"utf-8", b"utf8", b"us-ascii", b"ascii"}:
        raise unsafe(
            _("The workbook holds a part in an unusual text encoding (%(part)s)."), part=name
        )
    first_element = _ROOT.search(head, _prolog_end(head))
    prolog = head[: first_element.start()] if first_element else head
    if _DOCTYPE.search(prolog):
        raise unsafe(
            _(
                "The workbook holds XML with a document type declaration (%(part)s), which "
                "spreadsheets never have; it may be built to harm. Save it again from your "
                "spreadsheet program."
            ),
            part=name,
        )


def _declared(match: re.Match[bytes]) -> tuple[int, int]:
    first_letters, first_digits, last_letters, last_digits = match.groups()
    letters = last_letters or first_letters or b"A"
    digits = last_digits or first_digits or b"1"
    return int(digits), column_number(letters)


def _exact_sheet_extent(read: Callable[[], Iterable[bytes]]) -> Extent:
    """The grid of a sheet whose cells or rows lack references, walked as the reader does: a
    row without a reference follows the previous row, a cell without one the previous cell."""
    extent = Extent()
    state = {"row": 0, "column": 0}

    def start(name: str, attributes: dict[str, str]) -> None:
        local = name.rpartition(":")[2]
        if local == "row":
            reference = _attribute(attributes, "r")
            state["row"] = int(reference) if reference.isdigit() else state["row"] + 1
            state["column"] = 0
        elif local == "c":
            reference = _attribute(attributes, "r")
            found = re.fullmatch(r"\$?([A-Za-z]{1,8})\$?([0-9]{1,12})", reference)
            if found:
                row, column = int(found.group(2)), column_number(found.group(1))
            else:
                row, column = state["row"], state["column"] + 1
            state["column"] = column
            extent.grow(row, column)

    parser = _expat(start)
    for chunk in read():
        parser.Parse(chunk, False)
    parser.Parse(b"", True)
    return extent


def _attribute(attributes: dict[str, str], local: str) -> str:
    for key, value in attributes.items():
        if key.rpartition(":")[2] == local:
            return value
    return ""


def _expat(start: Callable[[str, dict[str, str]], None]) -> Any:
    parser = expat.ParserCreate()

    def refuse(*_args: Any) -> None:
        raise unsafe(_("The workbook holds XML with a document type declaration."))

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.StartElementHandler = start
    return parser


@dataclass
class _OdsTable:
    name: str
    extent: Extent = field(default_factory=Extent)


def _ods_tables(read: Callable[[], Iterable[bytes]]) -> list[_OdsTable]:
    """The grid of each table of an ods content.xml, as the reader lays it out: repeated rows
    and cells count as many times as repeated, cells without a value (no value type, no text)
    are left out."""
    tables: list[_OdsTable] = []
    state: dict[str, Any] = {"row": 0, "column": 0, "cell": None}

    def start(name: str, attributes: dict[str, str]) -> None:
        local = name.rpartition(":")[2]
        cell = state["cell"]
        if cell is not None:
            # Anything inside a cell (a paragraph of text) gives it a value.
            cell["value"] = True
            return
        if local == "table":
            tables.append(_OdsTable(_attribute(attributes, "name")))
            state.update(row=0, column=0)
        elif local == "table-row":
            state["row"] += _count(_attribute(attributes, "number-rows-repeated"))
            state["column"] = 0
        elif local in ("table-cell", "covered-table-cell"):
            state["column"] += _count(_attribute(attributes, "number-columns-repeated"))
            state["cell"] = {
                "last": state["column"],
                "value": bool(_attribute(attributes, "value-type")),
            }

    def end(name: str) -> None:
        local = name.rpartition(":")[2]
        cell = state["cell"]
        if cell is not None and local in ("table-cell", "covered-table-cell"):
            state["cell"] = None
            if cell["value"] and tables:
                tables[-1].extent.grow(state["row"], cell["last"])

    parser = _expat(start)
    parser.EndElementHandler = end
    for chunk in read():
        parser.Parse(chunk, False)
    parser.Parse(b"", True)
    return tables


def _count(text: str) -> int:
    return int(text) if text.isdigit() and 0 < len(text) <= 12 else 1


def _stream(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterable[bytes]:
    with archive.open(info) as handle:
        while True:
            chunk = handle.read(CHUNK)
            if not chunk:
                return
            yield chunk


def check_archive(data: bytes, kind: str, limits: ReadLimits) -> None:
    """Refuse a zip-based workbook (xlsx, xlsm, ods) that would cost the reader more than the
    limits allow. Raises ImportFileError."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ImportFileError(
            _("The file is not a valid spreadsheet (it may be damaged)."), code="unreadable"
        ) from exc
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ZIP_ENTRIES:
            raise too_big(
                _("The workbook holds %(count)s parts; the limit is %(limit)s."),
                count=len(entries), limit=MAX_ZIP_ENTRIES,
            )  # fmt: skip
        declared_total = sum(info.file_size for info in entries)
        if declared_total > limits.max_unzipped:
            raise _unzipped_too_big(declared_total, limits)
        parts = _scan_parts(archive, entries, kind, limits)
        names = _sheet_names(archive, kind)
    if kind == "ods":
        return
    shared = sum(p.shared_strings for p in parts)
    if shared > limits.max_cells:
        raise too_big(
            _("The workbook holds %(count)s shared texts; the limit is %(limit)s."),
            count=shared, limit=limits.max_cells,
        )  # fmt: skip
    for part in parts:
        if part.root not in _SHEET_ROOTS:
            continue
        sheet = names.get(part.name, part.name)
        if part.declared is not None:
            check_grid(sheet, *part.declared, limits, declared=True)
        check_grid(sheet, part.extent.rows, part.extent.columns, limits)


def _unzipped_too_big(size: int, limits: ReadLimits) -> ImportFileError:
    return too_big(
        _("The workbook unpacks to more than %(size)s MB; the limit is %(limit)s MB."),
        size=size // (1024 * 1024), limit=limits.max_unzipped // (1024 * 1024),
    )  # fmt: skip


def _scan_parts(
    archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo], kind: str, limits: ReadLimits
) -> list[_Part]:
    """Inflate every part once, counting what it really inflates to; scan the XML parts."""
    total = 0
    parts: list[_Part] = []
    for info in entries:
        if info.is_dir():
            continue
        is_xml = (
            info.filename.lower().endswith((".xml", ".rels"))
            or info.filename == "[Content_Types].xml"
        )
        scan = _XlsxScan(info.filename) if is_xml and kind != "ods" else None
        head = b""
        size = 0
        try:
            for chunk in _stream(archive, info):
                size += len(chunk)
                total += len(chunk)
                if total > limits.max_unzipped:
                    raise _unzipped_too_big(total, limits)
                if size > RATIO_GRACE_BYTES and info.compress_size < size * MIN_INFLATE_RATIO:
                    raise unsafe(
                        _(
                            "A part of the workbook (%(part)s) inflates more than 100-fold, as "
                            "zip bombs do; it is not read."
                        ),
                        part=info.filename,
                    )
                if scan is not None:
                    scan.feed(chunk)
                elif is_xml and not head:
                    head = chunk[:65536]
                    _check_prolog(head, info.filename)
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
            raise ImportFileError(
                _("The file is not a valid spreadsheet (it may be damaged)."), code="unreadable"
            ) from exc
        if scan is not None:
            part = scan.finish()
            if part.without_reference and _over(part.extent, limits):
                part.extent = _exact_sheet_extent(functools.partial(_stream, archive, info))
            parts.append(part)
        if kind == "ods" and info.filename == "content.xml":
            _check_ods(functools.partial(_stream, archive, info), limits)
    return parts


def _over(extent: Extent, limits: ReadLimits) -> bool:
    return (
        extent.rows > limits.max_sheet_rows
        or extent.columns > limits.max_columns
        or extent.rows * extent.columns > limits.max_cells
    )


def _check_ods(read: Callable[[], Iterable[bytes]], limits: ReadLimits) -> None:
    try:
        tables = _ods_tables(read)
    except expat.ExpatError as exc:
        raise ImportFileError(
            _("The file is not a valid spreadsheet (it may be damaged)."), code="unreadable"
        ) from exc
    for table in tables:
        check_grid(table.name, table.extent.rows, table.extent.columns, limits)


_SHEET_ENTRY = re.compile(
    rb"""<(?:[\w.-]+:)?sheet\s[^>]*?\bname\s*=\s*["']([^"']*)["'][^>]*?\b(?:[\w.-]+:)?id\s*=\s*["']([^"']*)["']"""
)
_RELATION = re.compile(
    rb"""<(?:[\w.-]+:)?Relationship\s[^>]*?\bId\s*=\s*["']([^"']*)["'][^>]*?\bTarget\s*=\s*["']([^"']*)["']"""
)


def _sheet_names(archive: zipfile.ZipFile, kind: str) -> dict[str, str]:
    """Part name -> sheet name, for messages (best effort: the part's name otherwise)."""
    if kind == "ods":
        return {}
    try:
        workbook = archive.read("xl/workbook.xml")[: 4 * 1024 * 1024]
        relations = archive.read("xl/_rels/workbook.xml.rels")[: 4 * 1024 * 1024]
    except (KeyError, zipfile.BadZipFile, OSError):
        return {}
    targets = {}
    for rid, target in _RELATION.findall(relations):
        path = target.decode("utf-8", "replace").lstrip("/")
        targets[rid] = path if path.startswith("xl/") else f"xl/{path}"
    names = {}
    for name, rid in _SHEET_ENTRY.findall(workbook):
        if rid in targets:
            names[targets[rid]] = _xml_text(name.decode("utf-8", "replace"))
    return names


def _xml_text(text: str) -> str:
    return html.unescape(text)
