"""Test, results and certificate pages of a session (training managers, and partners for their
own participants' results and certificates)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tutela.capacity import access as capacity_access
from tutela.capacity.forms.assessments import PaperScoresForm, RevokeForm, TestForm
from tutela.capacity.models import Certificate, KnowledgeTest
from tutela.capacity.selectors import trainings as selectors
from tutela.capacity.services import assessments as services
from tutela.capacity.services import certificates as certificate_services
from tutela.capacity.views.common import button, capacity_page
from tutela.capacity.views.sessions import session_url
from tutela.core.views.common import current_user as _user
from tutela.core.views.common import download, form_saved
from tutela.core.views.common import operation_for as _operation


def knowledge_test_url(slug: str, test: KnowledgeTest) -> str:
    return reverse("capacity:test_detail", args=[slug, test.pk])


@login_required
@require_http_methods(["GET", "POST"])
def knowledge_test_create(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation = _operation(request, slug)
    session = capacity_access.session_get(_user(request), operation, pk)
    if not capacity_access.can_manage_trainings(_user(request), operation):
        raise PermissionDenied
    taken = set(session.tests.values_list("kind", flat=True))
    free = [choice for choice in KnowledgeTest.Kind.choices if choice[0] not in taken]
    form = TestForm(
        request.POST or None,
        initial={"kind": free[0][0] if free else "", "mode": KnowledgeTest.Mode.ONLINE},
    )
    form.fields["kind"].choices = free  # type: ignore[attr-defined]
    saved = form_saved(
        request,
        form,
        lambda: services.knowledge_test_create(
            session=session, by=_user(request), **form.cleaned_data
        ),
        _("Test created."),
    )
    if saved is not None:
        return redirect(knowledge_test_url(slug, saved.value))
    return capacity_page(request, "capacity/test_form.html", operation, form=form, session=session)


@login_required
@require_http_methods(["GET", "POST"])
def knowledge_test_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A test: its questions and who answered (online), or the score sheet (paper)."""
    operation = _operation(request, slug)
    test = capacity_access.knowledge_test_get(_user(request), operation, pk)
    manager = capacity_access.can_manage_trainings(_user(request), operation)
    rows = selectors.knowledge_test_attempts(test, _user(request))
    scores_form = None
    if test.mode == KnowledgeTest.Mode.PAPER and manager and test.max_score:
        scores_form = PaperScoresForm(request.POST or None, rows=rows, maximum=test.max_score)
        saved = form_saved(
            request,
            scores_form,
            lambda: services.paper_scores_record(
                test=test, by=_user(request), scores=scores_form.scores()
            ),
            lambda count: _("%(count)s score(s) saved.") % {"count": count},
        )
        if saved is not None:
            return redirect(knowledge_test_url(slug, test))
    elif request.method == "POST":
        raise PermissionDenied
    return capacity_page(
        request,
        "capacity/test_detail.html",
        operation,
        test=test,
        session=test.session,
        rows=rows,
        scores_form=scores_form,
        questions=services.knowledge_test_questions(test) if manager else [],
        issued_link=None,
    )


@login_required
@require_POST
def knowledge_test_send(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation = _operation(request, slug)
    test = capacity_access.knowledge_test_get(_user(request), operation, pk)
    if not capacity_access.can_manage_trainings(_user(request), operation):
        raise PermissionDenied
    return button(
        request,
        lambda: services.knowledge_test_links_send(test=test, by=_user(request)),
        success=lambda result: (
            _(
                "Links e-mailed to %(sent)s participant(s); %(no_address)s without e-mail, "
                "%(answered)s already answered."
            )
            % result
        ),
        then=knowledge_test_url(slug, test),
    )


@login_required
@require_POST
def knowledge_test_link(
    request: HttpRequest, slug: str, pk: int, registration: int
) -> HttpResponse:
    """Show one participant's fresh link once (to pass on by SMS or a messaging app)."""
    operation = _operation(request, slug)
    test = capacity_access.knowledge_test_get(_user(request), operation, pk)
    if not capacity_access.can_manage_trainings(_user(request), operation):
        raise PermissionDenied
    found = capacity_access.registration_get_for_user(_user(request), test.session, registration)
    try:
        link = services.knowledge_test_link_issue(test=test, by=_user(request), registration=found)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(knowledge_test_url(slug, test))
    response = capacity_page(
        request,
        "capacity/test_detail.html",
        operation,
        test=test,
        session=test.session,
        rows=selectors.knowledge_test_attempts(test, _user(request)),
        scores_form=None,
        questions=services.knowledge_test_questions(test),
        issued_link=link,
        issued_for=found,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def session_results(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation = _operation(request, slug)
    session = capacity_access.session_get(_user(request), operation, pk)
    if not capacity_access.can_see_participants(_user(request), operation):
        raise PermissionDenied
    return capacity_page(
        request,
        "capacity/session_results.html",
        operation,
        session=session,
        results=selectors.session_results(_user(request), session),
    )


# --- Certificates -------------------------------------------------------------------------------


@login_required
@require_POST
def certificates_issue(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation = _operation(request, slug)
    session = capacity_access.session_get(_user(request), operation, pk)
    if not capacity_access.can_manage_trainings(_user(request), operation):
        raise PermissionDenied
    return button(
        request,
        lambda: certificate_services.certificates_issue(session=session, by=_user(request)),
        success=lambda issued: _("%(count)s certificate(s) issued.") % {"count": len(issued)},
        then=session_url(slug, session) + "#participants",
    )


def _certificate(request: HttpRequest, slug: str, code: str) -> Certificate:
    operation = _operation(request, slug)
    try:
        certificate = Certificate.objects.select_related(
            "registration__participant", "registration__session__course", "registration__session"
        ).get(code=code, registration__session__operation=operation)
    except Certificate.DoesNotExist:
        raise Http404 from None
    visible = capacity_access.participants_for_user(_user(request), operation)
    if not visible.filter(pk=certificate.registration.participant_id).exists():
        raise Http404
    return certificate


@login_required
@require_GET
def certificate_download(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    certificate = _certificate(request, slug, code)
    if certificate.revoked_at is not None:
        messages.error(request, _("This certificate has been revoked."))
        return redirect(session_url(slug, certificate.registration.session))
    return download(
        certificate_services.certificate_pdf(certificate),
        certificate_services.certificate_filename(certificate),
        "application/pdf",
    )


@login_required
@require_http_methods(["GET", "POST"])
def certificate_revoke(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    certificate = _certificate(request, slug, code)
    session = certificate.registration.session
    operation = session.operation
    if not capacity_access.can_manage_trainings(_user(request), operation):
        raise PermissionDenied
    form = RevokeForm(request.POST or None)
    saved = form_saved(
        request,
        form,
        lambda: certificate_services.certificate_revoke(
            certificate=certificate, by=_user(request), reason=form.cleaned_data["reason"]
        ),
        _("Certificate revoked."),
    )
    if saved is not None:
        return redirect(session_url(slug, session) + "#participants")
    return capacity_page(
        request,
        "capacity/certificate_revoke.html",
        operation,
        form=form,
        certificate=certificate,
        session=session,
    )
