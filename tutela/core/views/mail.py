"""The operation's "Sent e-mail" page (the outbox), for its managers."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tutela.core.forms.mail import OutboxFilterForm
from tutela.core.models import User
from tutela.core.services import mail
from tutela.core.views.common import managed_operation, paginate


@login_required
@require_GET
def outbox(request: HttpRequest, slug: str) -> HttpResponse:
    operation = managed_operation(request, slug)
    form = OutboxFilterForm(request.GET or None, kinds=mail.outbox_kinds(operation))
    filters = form.filters()
    page = paginate(request, mail.outbox_for_operation(operation, **filters))
    return render(
        request,
        "core/mail/outbox.html",
        {
            "operation": operation,
            "is_manager": True,
            "form": form,
            "page": page,
            "filtered": bool(filters),
            "failed": mail.Status.FAILED,
        },
    )


@login_required
@require_POST
def outbox_retry(request: HttpRequest, slug: str, pk: int) -> HttpResponseRedirect:
    operation = managed_operation(request, slug)
    message = mail.outbox_message_get_for_manager(operation, pk)
    assert isinstance(request.user, User)
    try:
        mail.outbox_retry(message=message, by=request.user, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The e-mail will be sent again in a moment."))
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(back)
    return redirect("core:outbox", slug=operation.slug)
