"""Import profiles of 5W files (tutela.core.imports.profiles): the ones Tutela ships
(`imports/profile_files/*.json`: the HDX HXL 3W) and the ones an operation imported (core
ImportProfile rows with importer "activities.5w", which win over a shipped profile of the same
name).

    profile = profile_get(operation, "hxl-3w")
    mapping = profile_mapping(operation, profile, table.headers, table.hxl_tags)  # unsaved
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from tutela.activities.models import ColumnMapping, ImportRecord
from tutela.core.imports.profile_rows import profile_row_import
from tutela.core.imports.profiles import (
    Profile,
    ProfileError,
    profile_dump,
    profile_parse,
    profiles_in,
)
from tutela.core.imports.readers import Table
from tutela.core.models import ImportProfile, Operation, User

SHIPPED = Path(__file__).resolve().parent.parent / "imports" / "profile_files"
IMPORTER = "activities.5w"


@cache
def shipped_profiles() -> dict[str, Profile]:
    return profiles_in(SHIPPED)


def profiles_for(operation: Operation) -> dict[str, Profile]:
    """The 5W profiles usable in the operation, by name: Tutela's, then the operation's."""
    found = {n: p for n, p in shipped_profiles().items() if p.importer == IMPORTER}
    for row in ImportProfile.objects.filter(operation=operation, importer=IMPORTER):
        try:
            found[row.name] = profile_parse(row.document, origin="operation")
        except ProfileError:
            # Checked when imported; a row changed by hand since is left out, not fatal.
            continue
    return dict(sorted(found.items()))


def profile_get(operation: Operation, name: str) -> Profile:
    """The 5W profile called `name`; LookupError when there is none."""
    profile = profiles_for(operation).get(name.strip())
    if profile is None:
        raise LookupError(name)
    return profile


def profile_dump_named(operation: Operation, name: str) -> bytes:
    """The JSON file of the 5W profile called `name`; LookupError when there is none."""
    return profile_dump(profile_get(operation, name))


def profile_import(
    *, operation: Operation, by: User | None, data: bytes | str, request: Any = None
) -> ImportProfile:
    """Take a 5W profile file into the operation (replacing its profile of the same name);
    raises ProfileError listing what is wrong with the file, PermissionDenied for a
    non-manager."""
    return profile_row_import(
        operation=operation, by=by, data=data, importers={IMPORTER}, request=request
    )


def profile_mapping(
    operation: Operation,
    profile: Profile,
    headers: Sequence[str],
    hxl_tags: Sequence[str] | None,
) -> ColumnMapping:
    """The mapping the profile means for a file with these headers and hashtags (unsaved:
    applied like a saved mapping, never written)."""
    columns, values = profile.resolve(headers, hxl_tags)
    return ColumnMapping(operation=operation, name=profile.name, columns=columns, values=values)


def record_profile(record: ImportRecord) -> Profile | None:
    """The profile an upload was read with (None: a saved mapping or the template, or a profile
    deleted since)."""
    if not record.profile:
        return None
    try:
        return profile_get(record.operation, record.profile)
    except LookupError:
        return None


def mapping_of(
    operation: Operation, mapping: ColumnMapping | None, profile: Profile | None, table: Table
) -> ColumnMapping | None:
    """The mapping a file is read with: the profile's for this file when there is one (it names
    columns by header or hashtag, so it is resolved once the file is read), else `mapping`."""
    if profile is not None:
        return profile_mapping(operation, profile, table.headers, table.hxl_tags)
    return mapping


def record_mapping(record: ImportRecord, table: Table) -> ColumnMapping | None:
    """The mapping the upload of `record` was read with, for this read of its file."""
    return mapping_of(record.operation, record.mapping, record_profile(record), table)
