"""A corpus of hostile files, generated (no committed binaries): each is small on disk and would
make a naive reader materialise gigabytes, loop, or abort.

    CORPUS["dimension_bomb"]  -> (file name, bytes)

The reported case is `dimension_bomb`: a 1.5 KB xlsx whose sheet declares A1:XFD1048576 and puts
one cell at XFD1048576 (python-calamine asked for 512 GiB and aborted the process);
`dimension_bomb_padded` is the same padded to ~700 KB, so that uploads send it to the background
worker.
"""

from __future__ import annotations

import io
import json
import random
import zipfile
from collections.abc import Callable

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
HEAD = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">'
HEADER_ROW = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>month</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t>activity</t></is></c></row>'
)


def xlsx(sheet_xml: str, *, extra: dict[str, bytes] | None = None, shared: str = "") -> bytes:
    """A minimal workbook of one sheet "5W" holding `sheet_xml` (its worksheet part)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org'
            '/package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http:'
            '//schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="http://'
            'schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet '
            'name="5W" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        relations = (
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        )
        if shared:
            relations += (
                '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/'
                '2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
            )
            archive.writestr("xl/sharedStrings.xml", shared)
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            f'openxmlformats.org/package/2006/relationships">{relations}</Relationships>',
        )
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        for name, content in (extra or {}).items():
            archive.writestr(zipfile.ZipInfo(name), content, compress_type=zipfile.ZIP_STORED)
    return buffer.getvalue()


def dimension_bomb() -> bytes:
    return xlsx(
        HEAD + '<dimension ref="A1:XFD1048576"/><sheetData>' + HEADER_ROW
        + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>'
    )  # fmt: skip


def dimension_bomb_padded() -> bytes:
    # Random bytes do not compress: the file weighs ~700 KB, like the one reported.
    noise = random.Random(7).randbytes(700 * 1024)
    return xlsx(
        HEAD + '<dimension ref="A1:XFD1048576"/><sheetData>' + HEADER_ROW
        + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>',
        extra={"xl/media/image1.png": noise},
    )  # fmt: skip


def lying_dimension() -> bytes:
    """Declares A1:B2 but holds a value at XFD1048576."""
    return xlsx(
        HEAD + '<dimension ref="A1:B2"/><sheetData>' + HEADER_ROW
        + '<row r="2"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
        "</sheetData></worksheet>"
    )  # fmt: skip


def cells_without_references() -> bytes:
    """8,000 cells without an `r`: each one column after the previous (no reference to read)."""
    rng = random.Random(5)
    cells = "".join(f"<c><v>{rng.randrange(10**9)}</v></c>" for _ in range(8000))
    return xlsx(
        HEAD + "<sheetData>" + HEADER_ROW + f'<row r="2">{cells}</row></sheetData></worksheet>'
    )


def zip_bomb() -> bytes:
    """A 40 MB string that deflates to ~40 KB."""
    text = "A" * (40 * 1024 * 1024)
    return xlsx(
        HEAD + "<sheetData>" + HEADER_ROW
        + f'<row r="2"><c r="A2" t="inlineStr"><is><t>{text}</t></is></c></row>'
        "</sheetData></worksheet>"
    )  # fmt: skip


def zip_of_many_parts() -> bytes:
    buffer = io.BytesIO(xlsx(HEAD + "<sheetData>" + HEADER_ROW + "</sheetData></worksheet>"))
    with zipfile.ZipFile(buffer, "a") as archive:
        for number in range(12_000):
            archive.writestr(f"xl/media/p{number}.bin", b"")
    return buffer.getvalue()


def billion_laughs() -> bytes:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10 if n > 1 else "&lol;" * 10}">'
        for n in range(1, 10)
    )
    return xlsx(
        f'<?xml version="1.0"?><!DOCTYPE worksheet [{entities}]><worksheet xmlns="{MAIN}">'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
        "</sheetData></worksheet>"
    )


def deeply_nested() -> bytes:
    """200,000 nested elements of random names (so that the part does not compress 100-fold)."""
    rng = random.Random(3)
    names = [
        "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(6)) for _ in range(200_000)
    ]
    opening = "".join(f"<{n}>" for n in names)
    closing = "".join(f"</{n}>" for n in reversed(names))
    return xlsx(
        HEAD + "<sheetData>" + HEADER_ROW + "</sheetData>" + opening + closing + "</worksheet>"
    )


def huge_shared_strings() -> bytes:
    """Sixteen million empty shared strings (80 MB of XML)."""
    strings = "<si/>" * 16_000_000
    shared = f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">{strings}</sst>'
    return xlsx(HEAD + "<sheetData>" + HEADER_ROW + "</sheetData></worksheet>", shared=shared)


def xls_bomb() -> bytes:
    """One value at IV65536: a 65,536 × 256 grid from a 6 KB .xls."""
    import xlwt

    workbook = xlwt.Workbook()
    sheet = workbook.add_sheet("5W")
    sheet.write(0, 0, "month")
    sheet.write(0, 1, "activity")
    sheet.write(65535, 255, 1)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


ODS_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names'
    ':tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:'
    '1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
    '<office:body><office:spreadsheet><table:table table:name="5W"><table:table-row>'
    '<table:table-cell office:value-type="string"><text:p>month</text:p></table:table-cell>'
    '<table:table-cell office:value-type="string"><text:p>activity</text:p></table:table-cell>'
    "</table:table-row>"
)
ODS_TAIL = "</table:table></office:spreadsheet></office:body></office:document-content>"


def ods(rows_xml: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"),
            "application/vnd.oasis.opendocument.spreadsheet",
            compress_type=zipfile.ZIP_STORED,
        )
        archive.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:'
            'names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry'
            ' manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.'
            'spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-'
            'type="text/xml"/></manifest:manifest>',
        )
        archive.writestr("content.xml", ODS_HEAD + rows_xml + ODS_TAIL)
    return buffer.getvalue()


def ods_repeated_bomb() -> bytes:
    """A value repeated across 16,384 columns in a row repeated a million times."""
    return ods(
        '<table:table-row table:number-rows-repeated="1048575"><table:table-cell office:'
        'value-type="float" office:value="1" table:number-columns-repeated="16384"/>'
        "</table:table-row>"
    )


def ods_far_cell() -> bytes:
    """Empty rows and cells repeated, then one value at the far corner."""
    return ods(
        '<table:table-row table:number-rows-repeated="1048574"><table:table-cell table:number-'
        'columns-repeated="16384"/></table:table-row><table:table-row><table:table-cell table:'
        'number-columns-repeated="16383"/><table:table-cell office:value-type="float" office:'
        'value="1"/></table:table-row>'
    )


def csv_long_line() -> bytes:
    """One 60 MB line: over the 50 MB size limit."""
    return b"month,activity\n" + b"x" * (60 * 1024 * 1024) + b"\n"


def csv_long_value() -> bytes:
    """A 20 MB value on one line."""
    return b"month,activity\n2026-03," + b"x" * (20 * 1024 * 1024) + b"\n"


def csv_many_columns() -> bytes:
    """Three million columns on one line (6 MB)."""
    return b"month,activity\n" + b"1," * 3_000_000 + b"1\n"


def csv_many_rows() -> bytes:
    """600,000 rows (over the 500,000-row limit)."""
    return b"month,activity\n" + b"2026-03,PRO-PSS\n" * 600_000


CORPUS: dict[str, tuple[str, Callable[[], bytes]]] = {
    "dimension_bomb": ("bomb.xlsx", dimension_bomb),
    "dimension_bomb_padded": ("bomb-padded.xlsx", dimension_bomb_padded),
    "lying_dimension": ("lying.xlsx", lying_dimension),
    "cells_without_references": ("no-refs.xlsx", cells_without_references),
    "zip_bomb": ("zip-bomb.xlsx", zip_bomb),
    "zip_of_many_parts": ("many-parts.xlsx", zip_of_many_parts),
    "billion_laughs": ("laughs.xlsx", billion_laughs),
    "deeply_nested": ("nested.xlsx", deeply_nested),
    "huge_shared_strings": ("strings.xlsx", huge_shared_strings),
    "xls_bomb": ("bomb.xls", xls_bomb),
    "ods_repeated_bomb": ("repeated.ods", ods_repeated_bomb),
    "ods_far_cell": ("far.ods", ods_far_cell),
    "csv_long_line": ("long-line.csv", csv_long_line),
    "csv_long_value": ("long-value.csv", csv_long_value),
    "csv_many_columns": ("wide.csv", csv_many_columns),
    "csv_many_rows": ("long.csv", csv_many_rows),
}

_cache: dict[str, bytes] = {}


def corpus_file(name: str) -> tuple[str, bytes]:
    """(file name, content) of a corpus entry, built once per test process."""
    file_name, build = CORPUS[name]
    if name not in _cache:
        _cache[name] = build()
    return file_name, _cache[name]


def geojson_bombs() -> dict[str, bytes]:
    """GeoJSON files a boundary loader must survive: nesting a million levels deep, and a
    FeatureCollection whose one polygon has 300,000 points (7 MB)."""
    deep = (
        b'{"type": "FeatureCollection", "features": ' + b"[" * 1_000_000 + b"]" * 1_000_000 + b"}"
    )
    ring = [[i % 180, (i // 180) % 90] for i in range(300_000)]
    ring.append(ring[0])
    big = json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"pcode": "ZZ", "admin_level": 0, "name": "Big"},
                    "geometry": {"type": "Polygon", "coordinates": [ring]},
                }
            ],
        }
    ).encode()
    return {"deep.geojson": deep, "big.geojson": big}
