"""Offline collection with ODK Collect / KoboToolbox: the encrypted case forms and their public key
(the operation's managers), and the import of encrypted submissions (case management staff)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tutela.cases import access
from tutela.cases.models import OdkKey
from tutela.cases.odk_crypto import public_key_pem
from tutela.cases.services import odk_forms, odk_import
from tutela.cases.views.common import case_page
from tutela.core.views.common import current_user, operation_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
@require_http_methods(["GET", "POST"])
def odk_page(request: HttpRequest, slug: str) -> HttpResponse:
    operation = operation_for(request, slug)
    is_manager = access.can_manage_settings(current_user(request), operation)
    is_staff = access.is_case_staff(current_user(request), operation)
    if not (is_manager or is_staff):
        raise PermissionDenied
    result = error = None
    status = 200
    if request.method == "POST":
        if not is_staff:
            raise PermissionDenied
        uploads = request.FILES.getlist("files")
        try:
            if len(uploads) > 1000 or sum(f.size or 0 for f in uploads) > (
                odk_import.MAX_UPLOAD_BYTES
            ):
                raise odk_import.OdkImportError(_("The upload is too large (50 MB at most)."))
            files = {str(f.name): f.read() for f in uploads}
            submissions = odk_import.submissions_from_files(files)
            result = odk_import.odk_import(
                operation=operation,
                by=current_user(request),
                submissions=submissions,
                confirm_not_duplicate=request.POST.get("confirm_not_duplicate") == "on",
            )
            if not result.saved:
                status = 400
        except ValidationError as refused:
            error = " ".join(refused.messages)
            status = 400
    response = case_page(
        request,
        "cases/odk.html",
        operation,
        is_manager=is_manager,
        can_import=is_staff,
        result=result,
        error=error,
        forms=odk_forms.FORMS,
        keys=OdkKey.objects.filter(operation=operation).order_by("-pk") if is_manager else [],
    )
    response.status_code = status
    return response


@login_required
@require_GET
def odk_form_download(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    operation = operation_for(request, slug)
    access.require_form_manager(current_user(request), operation)
    if kind not in odk_forms.FORMS:
        raise PermissionDenied
    odk_forms.odk_key_get_or_create(operation=operation, by=current_user(request))
    try:
        content = odk_forms.xlsform_cases(
            operation, kind, submission_url=request.GET.get("submission_url", "")
        )
    except ValidationError as refused:
        return HttpResponse(" ".join(refused.messages), status=400, content_type="text/plain")
    response = HttpResponse(content, content_type=XLSX)
    name = odk_forms.form_id(operation, kind)
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


@login_required
@require_GET
def odk_public_key(request: HttpRequest, slug: str) -> HttpResponse:
    operation = operation_for(request, slug)
    access.require_form_manager(current_user(request), operation)
    key = odk_forms.odk_key_get_or_create(operation=operation, by=current_user(request))
    response = HttpResponse(public_key_pem(key.private_key), content_type="application/x-pem-file")
    response["Content-Disposition"] = f'attachment; filename="{slug}-odk-public-key.pem"'
    return response


@login_required
@require_POST
def odk_key_rotate(request: HttpRequest, slug: str) -> HttpResponse:
    """A manager of the operation replaces its ODK key (the old one is kept to read old forms)."""
    operation = operation_for(request, slug)
    access.require_form_manager(current_user(request), operation)
    if request.POST.get("confirm") != "on":
        messages.error(request, _("Tick the box to confirm the new key."))
        return redirect("cases:odk", slug=slug)
    key = odk_forms.odk_key_rotate(operation=operation, by=current_user(request))
    messages.success(
        request,
        _(
            "New key made. Download the forms again and replace them on the server and the "
            "phones: their version ends with %(suffix)s. Submissions of the older forms still "
            "import."
        )
        % {"suffix": key.version_suffix},
    )
    return redirect("cases:odk", slug=slug)
