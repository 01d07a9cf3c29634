"""Reading an uploaded file in a child process that goes on with the table (`read_table_then`):
the 5W importer maps and checks a big upload's rows where they were read, the checked rows coming
over in chunks (tutela.core.imports.engine, streamed importers)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any, TypeVar

from tutela.core import sandbox
from tutela.core.imports.limits import ReadLimits
from tutela.core.imports.readers.files import _opened, _parse, _start_scan, parse_failed
from tutela.core.imports.readers.tables import Table

T = TypeVar("T")


@contextlib.contextmanager
def read_table_then(
    source: str | os.PathLike[str] | bytes | IO[bytes] | Any,
    then: Callable[[Table], Iterable[T]],
    *,
    sheet: str | int | None = None,
    header_row: int | None = None,
    file_name: str = "",
    prefer: Callable[[list[str], list[str] | None], float] | None = None,
) -> Iterator[Iterator[T]]:
    """Read the file's table as `read_table` does, then go on in the same child process with
    `then(table)`, whose items come to this process as they are made:

        with read_table_then(data, check_rows, file_name=name) as items:
            for item in items: ...

    The table itself never crosses over (the 5W importer maps and checks a big upload's rows in
    the child that read them while this process saves the rows already checked: no table to
    copy, and two cores at work). `then` runs in the child: it must not touch the database
    (what it needs, it has from the fork). ImportFileError as from read_table, raised when the
    items are taken; a child that dies or runs out of time before its first item is a file whose
    reading failed (ImportFileError "parse_failed"), after it SandboxFailure. Leaving the block
    kills the child if it still runs."""
    limits = ReadLimits.current()
    data, file_name, kind = _opened(source, file_name, limits)
    try:
        scan = _start_scan(data, kind, limits)
    except sandbox.SandboxFailure as failure:
        raise parse_failed(failure) from failure
    try:
        stream = sandbox.start_stream(
            _parse_then,
            data,
            then,
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
    with stream:
        if scan is not None:
            try:
                scan.result()
            except sandbox.SandboxFailure as failure:
                raise parse_failed(failure) from failure
        yield _first_failure_as_file_error(stream)


def _first_failure_as_file_error(stream: Iterable[T]) -> Iterator[T]:
    taken = False
    try:
        for item in stream:
            taken = True
            yield item
    except sandbox.SandboxFailure as failure:
        if taken:
            raise
        raise parse_failed(failure) from failure


def _parse_then(data: bytes, then: Callable[[Table], Iterable[T]], **parse: Any) -> Iterator[T]:
    """The table parsed, then `then`'s items (run in the child, see read_table_then)."""
    table = _parse(data, **parse)
    yield from then(table)
