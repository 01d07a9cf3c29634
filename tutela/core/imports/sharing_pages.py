"""What the profile and saved-mapping pages of every importer (5W, monitoring) do the same way:
take in a profile file posted by a manager, list profiles, download one as its JSON file, and
exchange a saved mapping's value tables as CSV (every problem of a file at once, nothing merged
while there is one). The views keep their own access checks and call these once they know the
user may do what they ask.

Each importer's templates show the results (monitoring/imports/profiles.html,
activities/imports/profiles.html, ...).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tutela.core import access
from tutela.core.downloads import download
from tutela.core.imports.forms import ProfileUploadForm
from tutela.core.imports.pages import safe_file_name
from tutela.core.imports.profiles import MAX_BYTES as MAX_PROFILE_BYTES
from tutela.core.imports.profiles import Profile, ProfileError
from tutela.core.imports.value_tables import MAX_CSV_BYTES, value_tables_csv
from tutela.core.models import AuditEntry, ImportProfile, Operation
from tutela.core.pcodes import name_key
from tutela.core.services.audit import audit_write


def profile_upload_form(
    request: HttpRequest,
    *,
    operation: Operation,
    profile_import: Callable[..., ImportProfile],
) -> tuple[ProfileUploadForm | None, bool]:
    """The profile file form of a profiles page: for the operation's managers only (None for
    others, and PermissionDenied when someone else posts). A posted, valid file is taken in with
    the importer's `profile_import` service: (form, True) with a message once imported, else
    every problem of the file on the form."""
    manager = access.is_manager(request.user, operation)
    form = ProfileUploadForm(request.POST or None, request.FILES or None) if manager else None
    if request.method != "POST":
        return form, False
    if form is None:
        raise PermissionDenied
    if not form.is_valid():
        return form, False
    try:
        row = profile_import(
            operation=operation,
            by=request.user,
            data=form.cleaned_data["file"].read(MAX_PROFILE_BYTES + 1),
            request=request,
        )
    except ProfileError as error:
        for problem in error.problems:
            form.add_error("file", problem)
        return form, False
    messages.success(request, _("Profile “%(name)s” imported.") % {"name": row.name})
    return form, True


def profile_rows(profiles: Iterable[tuple[str, str, Profile]]) -> list[dict[str, Any]]:
    """What the profiles page shows of each (kind code, kind label, profile)."""
    return [
        {
            "name": profile.name,
            "kind": label,
            "kind_code": kind,
            "title": profile.label(),
            "description": profile.describe(),
            "origin": profile.origin,
            "left_out": profile.left_out(),
        }
        for kind, label, profile in profiles
    ]


def profile_json(name: str, dump: Callable[[], bytes]) -> HttpResponse:
    """The profile `dump()` gives as its JSON file; 404 when there is no such profile (dump
    raises LookupError)."""
    try:
        content = dump()
    except LookupError:
        raise Http404 from None
    return download(content, f"{safe_file_name(name)}.json", "application/json")


def value_tables_shown(values: Mapping[str, Any] | None) -> dict[str, list[tuple[Any, Any]]]:
    """A saved mapping's value tables as the edit page lists them: by field, values sorted."""
    return {
        field: sorted(table.items(), key=lambda item: name_key(str(item[0])))
        for field, table in sorted((values or {}).items())
        if isinstance(table, dict) and table
    }


def value_codes(choices: Mapping[str, Iterable[tuple[str, str]]]) -> dict[str, set[str]]:
    """The coded fields a value table may be given for, with their codes, from the mapping
    page's (code, label) choices."""
    return {field: {code for code, _label in items} for field, items in choices.items()}


def value_tables_download(
    request: HttpRequest, mapping: models.Model, *, operation: Operation
) -> HttpResponse:
    """The mapping's value tables as CSV (field, value, code), the export audited."""
    name = str(getattr(mapping, "name", ""))
    audit_write(
        actor=request.user,
        action=AuditEntry.Action.EXPORT,
        instance=mapping,
        operation=operation,
        summary=f"Value tables of the mapping {name}"[:300],
        request=request,
    )
    return download(
        "\ufeff" + value_tables_csv(getattr(mapping, "values", None) or {}),
        f"values_{name}.csv",
        "text/csv; charset=utf-8",
    )


def value_tables_upload(request: HttpRequest, values_import: Callable[[bytes], int]) -> None:
    """Lay the posted CSV file's value tables over a mapping with `values_import(data)` (the
    importer's service, all or nothing), and say what happened: the count saved, or every
    problem of the file."""
    uploaded = request.FILES.get("file")
    if uploaded is None:
        messages.error(request, _("Choose a CSV file."))
        return
    try:
        count = values_import(uploaded.read(MAX_CSV_BYTES + 1))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        messages.error(request, _("Nothing was imported: correct the file and try again."))
        return
    messages.success(
        request,
        ngettext(
            "%(count)d value of the file saved in the mapping.",
            "%(count)d values of the file saved in the mapping.",
            count,
        )
        % {"count": count},
    )


def mapping_delete_page(
    request: HttpRequest,
    mapping: Any,
    *,
    delete: Callable[..., None],
    done_url: str,
    confirm: Callable[[], HttpResponse],
) -> HttpResponse:
    """Delete a saved mapping the user may change: the `confirm()` page on GET; on POST the
    importer's `delete` service, a message, and back to `done_url`."""
    if request.method != "POST":
        return confirm()
    name = mapping.name
    delete(mapping=mapping, by=request.user, request=request)
    messages.success(request, _("Mapping “%(name)s” deleted.") % {"name": name})
    return redirect(done_url)
