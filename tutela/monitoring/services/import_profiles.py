"""Import profiles of monitoring files (tutela.core.imports.profiles): the ones Tutela ships
(`imports/profile_files/*.json`: ACLED exports, Tutela's own incident files) and the ones an
operation imported (core ImportProfile rows, which win over a shipped profile of the same name).

    profile = profile_get(operation, "incidents", "acled")
    mapping = profile_mapping(profile, table.headers)   # an unsaved MonitoringMapping
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.http import HttpRequest

from tutela.core.imports.profile_rows import profile_row_delete, profile_row_import
from tutela.core.imports.profiles import (
    Profile,
    ProfileError,
    profile_dump,
    profile_parse,
    profiles_in,
)
from tutela.core.models import ImportProfile, Operation, User
from tutela.monitoring.models import Kind, MonitoringMapping

SHIPPED = Path(__file__).resolve().parent.parent / "imports" / "profile_files"
IMPORTERS: dict[str, str] = {
    Kind.INCIDENTS.value: "monitoring.incidents",
    Kind.COMMUNITY.value: "monitoring.community",
}


@cache
def shipped_profiles() -> dict[str, Profile]:
    return profiles_in(SHIPPED)


def profiles_for(operation: Operation, kind: str) -> dict[str, Profile]:
    """The profiles usable for `kind` in the operation, by name: Tutela's, then the
    operation's (an operation's profile of the same name replaces Tutela's)."""
    importer = IMPORTERS.get(kind, "")
    found = {n: p for n, p in shipped_profiles().items() if p.importer == importer}
    for row in ImportProfile.objects.filter(operation=operation, importer=importer):
        try:
            found[row.name] = profile_parse(row.document, origin="operation")
        except ProfileError:
            # Checked when imported; a row changed by hand since is left out, not fatal.
            continue
    return dict(sorted(found.items()))


def profile_get(operation: Operation, kind: str, name: str) -> Profile:
    """The profile called `name`; LookupError when there is none."""
    profile = profiles_for(operation, kind).get(name.strip())
    if profile is None:
        raise LookupError(name)
    return profile


def profile_dump_named(operation: Operation, kind: str, name: str) -> bytes:
    """The JSON file of the profile called `name`; LookupError when there is none."""
    return profile_dump(profile_get(operation, kind, name))


def profile_mapping(profile: Profile, headers: list[str]) -> MonitoringMapping:
    """The mapping the profile means for a file with `headers` (unsaved: applied like a saved
    mapping, never written)."""
    columns, values = profile.resolve(headers)
    return MonitoringMapping(name=profile.name, columns=columns, values=values)


def profile_import(
    *,
    operation: Operation,
    by: User | None,
    data: bytes | str,
    request: HttpRequest | None = None,
) -> ImportProfile:
    """Take a monitoring profile file into the operation (replacing its profile of the same
    name); raises ProfileError listing what is wrong with the file, PermissionDenied for a
    non-manager. `by` None: the command line (`tutela import_profiles`)."""
    return profile_row_import(
        operation=operation, by=by, data=data, importers=IMPORTERS.values(), request=request
    )


def profile_delete(*, row: ImportProfile, by: User, request: HttpRequest | None = None) -> None:
    """Remove an operation's profile (Tutela's own of the same name, if any, applies again)."""
    profile_row_delete(row=row, by=by, request=request)
