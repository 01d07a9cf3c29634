"""What the upload pages of every importer (5W, monitoring) do the same way: the htmx progress of
a queued upload, the annotated workbook as a download, refusing to import a file that is not a
clean dry run, and the two steps of the mapping page. The views keep their own access checks and
call these once they know the user may see the record.

The templates these go with are under core/templates/core/imports/ (_status, _progress,
_summary, _problems, _table, _mapping_form).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from tutela.core.downloads import download
from tutela.core.imports import problem_workbooks
from tutela.core.imports.problems import ImportFileError, Problem
from tutela.core.imports.uploads import R, UploadRecord
from tutela.core.models import User
from tutela.core.services import files

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Problems listed on an upload's page, a page at a time (the annotated workbook has all).
PROBLEMS_PAGE_SIZE = 100
PENDING = "pending"
DRY_RUN = "dry_run"
# Latest uploads listed on the upload page.
RECENT_UPLOADS = 5


def safe_file_name(stem: str) -> str:
    """A file name safe in a Content-Disposition header."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in stem)[:80] or "upload"


def xlsx_download(content: bytes, stem: str, suffix: str = "") -> HttpResponse:
    """`content` as an xlsx attachment named `stem` (made safe) + `suffix` + ".xlsx"."""
    return download(content, f"{safe_file_name(stem)}{suffix}.xlsx", XLSX)


def more_problems(record: UploadRecord) -> bool:
    """More problems were found than the record keeps (the page says so)."""
    return record.error_count + record.warning_count > len(record.problems or [])


def progress_response(
    request: HttpRequest, record: Any, *, progress_url: str, context: dict[str, Any]
) -> HttpResponse:
    """htmx: the progress of a queued upload; once it is done, an empty answer that reloads the
    page to show the result."""
    if record.status != PENDING or (record.job and record.job.is_finished):
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(
        request,
        "core/imports/_progress.html",
        {**context, "record": record, "job": record.job, "progress_url": progress_url},
    )


def annotated_download(
    request: HttpRequest,
    record: UploadRecord,
    *,
    build: Callable[..., bytes],
    detail_url: str,
    kind: str,
    builder: str,
) -> HttpResponse:
    """The upload back as xlsx with its problem cells highlighted (`build(record=record)`); back
    to the upload's page with a message when the file is no longer kept.

    The workbook of a big upload is prepared by the task worker (`problem_workbooks`): a POST
    starts it (`kind`: the Job's kind, `builder`: dotted path of `build`), the upload's page
    shows its progress, and a GET downloads it once it is ready."""
    stem = os.path.splitext(os.path.basename(record.file_name))[0]
    if not record.file:
        messages.error(request, _("The uploaded file is no longer kept."))
        return redirect(detail_url)
    if problem_workbooks.in_background(record):
        if request.method == "POST":
            # The importers' pages are behind login_required (core.views.common would be a cycle).
            user = request.user
            assert isinstance(user, User)
            problem_workbooks.problems_workbook_start(record, by=user, kind=kind, builder=builder)
            messages.info(
                request,
                _(
                    "The file with the problems marked is being prepared; this page shows when "
                    "it is ready."
                ),
            )
            return redirect(detail_url)
        content = problem_workbooks.problems_workbook_file(record, kind=kind)
        if content is None:
            messages.info(
                request, _("Prepare the file with the problems marked first (below the counts).")
            )
            return redirect(detail_url)
        return xlsx_download(content, stem, "-problems")
    if request.method == "POST":
        return redirect(detail_url)
    try:
        content = build(record=record)
    except ImportFileError as error:
        messages.error(request, error.message)
        return redirect(detail_url)
    return xlsx_download(content, stem, "-problems")


def record_problems(record: UploadRecord) -> list[Problem]:
    """The problems kept on the record."""
    return [Problem.from_dict(p) for p in record.problems or []]


def needs_mapping(record: UploadRecord) -> bool:
    """The file lacks columns that a column mapping may supply."""
    return any(p.get("code") == "missing_columns" for p in record.problems or [])


def committable(record: UploadRecord) -> bool:
    """Only the file of a dry run without errors is imported for real."""
    return record.status == DRY_RUN and record.error_count == 0 and bool(record.file)


def commit_refused(request: HttpRequest, record: UploadRecord) -> bool:
    """Only the file of a dry run without errors is imported for real: True (with a message)
    when `record` is not one."""
    if not committable(record):
        messages.error(request, _("Only a dry run without errors can be imported."))
        return True
    return False


def form_upload_start(form: forms.Form, *, start: Callable[..., R], **arguments: Any) -> R:
    """Import the file of a valid upload form (its mapping and dry run as chosen) with `start`,
    the importer's `*_start` service, given `arguments` too."""
    uploaded = form.cleaned_data["file"]
    return start(
        file=uploaded,
        file_name=uploaded.name,
        mapping=form.cleaned_data.get("mapping"),
        dry_run=form.cleaned_data["dry_run"],
        **arguments,
    )


def record_restart(record: R, *, start: Callable[..., R], **arguments: Any) -> R:
    """Import the stored upload of `record` again with `start` (the importer's `*_start`
    service): its file, name, organisation and mapping or import profile, and the cells
    corrected in the browser (core.imports.corrections), unless `arguments` say otherwise (a
    mapping given replaces the profile)."""
    given: dict[str, Any] = {
        "file_name": record.file_name,
        "organisation": record.organisation,
        "mapping": record.mapping,
        **arguments,
    }
    if record.profile and "mapping" not in arguments:
        given.setdefault("profile", record.profile)
    given.setdefault("corrections", record.corrections)
    with record.file.open("rb") as handle:
        new = start(file=handle, **given)
    # The new record keeps its own copy of the file as long as it needs it.
    files.file_release(record.file)
    record.save()
    return new


def mapping_asked(request: HttpRequest) -> set[str]:
    """The fields whose unknown values the mapping page asked about."""
    return set(filter(None, request.POST.get("asked", "").split(",")))


def mapping_ready(request: HttpRequest, form: forms.Form, unknown: Iterable[str]) -> bool:
    """The mapping form was posted valid and every field with unknown values was asked about.
    When the columns just chosen hold words Tutela does not know, says to map them first."""
    if request.method != "POST" or not form.is_valid():
        return False
    if not set(unknown) <= mapping_asked(request):
        messages.info(request, _("Say what the file's own words below mean, then save again."))
        return False
    return True


def mapping_recheck(
    request: HttpRequest, record: R, mapping: Any, *, start: Callable[..., R], **arguments: Any
) -> R:
    """Check the stored upload of `record` again with the mapping just saved (a dry run, see
    `record_restart`) and say so; the new record."""
    new = record_restart(record, start=start, mapping=mapping, dry_run=True, **arguments)
    mapping_saved(request, mapping.name)
    return new


def mapping_saved(request: HttpRequest, name: str) -> None:
    messages.success(
        request,
        _("Mapping “%(name)s” saved; the file was checked with it (nothing saved yet).")
        % {"name": name},
    )
