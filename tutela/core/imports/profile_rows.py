"""An operation's own import profiles (core ImportProfile rows), for every importer: taken in
from a profile file by the operation's managers, replacing the operation's profile of the same
name, each write audited. Which importers a profile may be for is the importer app's to say
(monitoring: its two kinds; 5W: "activities.5w").
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from tutela.core import access
from tutela.core.imports.profiles import ProfileError, profile_parse
from tutela.core.models import AuditEntry, ImportProfile, Operation, User
from tutela.core.services.audit import audit_create, audit_update, audit_write, snapshot


def profile_may_manage(by: User | None, operation: Operation) -> None:
    """The command line (by=None) may; on the web, the operation's managers (coordinators,
    IMOs). PermissionDenied otherwise."""
    if by is not None and not access.is_manager(by, operation):
        raise PermissionDenied(_("Only the operation's coordinators and IMOs manage profiles."))


@transaction.atomic
def profile_row_import(
    *,
    operation: Operation,
    by: User | None,
    data: bytes | str,
    importers: Collection[str],
    request: Any = None,
) -> ImportProfile:
    """Take a profile file for one of `importers` into the operation (replacing its profile of
    the same name); raises ProfileError listing what is wrong with the file, PermissionDenied
    for a non-manager."""
    profile_may_manage(by, operation)
    profile = profile_parse(data)
    if profile.importer not in importers:
        raise ProfileError(
            [
                _("This profile is for another importer (%(importer)s).")
                % {"importer": profile.importer}
            ]
        )
    existing = (
        ImportProfile.objects.select_for_update()
        .filter(operation=operation, importer=profile.importer, name=profile.name)
        .first()
    )
    if existing is None:
        row = ImportProfile(
            operation=operation,
            importer=profile.importer,
            name=profile.name,
            document=dict(profile.document),
        )
        row.full_clean(validate_constraints=False)
        row.save()
        audit_create(actor=by, instance=row, operation=operation, request=request)
        return row
    before = snapshot(existing)
    existing.document = dict(profile.document)
    existing.save()
    audit_update(actor=by, instance=existing, operation=operation, before=before, request=request)
    return existing


@transaction.atomic
def profile_row_delete(*, row: ImportProfile, by: User | None, request: Any = None) -> None:
    """Remove an operation's profile (Tutela's own of the same name, if any, applies again)."""
    profile_may_manage(by, row.operation)
    audit_write(
        actor=by,
        action=AuditEntry.Action.DELETE,
        instance=row,
        operation=row.operation,
        before=snapshot(row),
        request=request,
    )
    row.delete()
