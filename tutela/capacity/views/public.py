"""Pages reached without an account: a participant's test through their personal link, and the
public check of a certificate's code.

Both are small pages for phones on a poor connection: their own short template, one stylesheet
of a few hundred bytes, no script. The link's secret is the proof for the test page, which does
nothing else; the verification page says only the name and the course, and is rate-limited.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from tutela.capacity.forms.assessments import AnswerForm, VerifyForm
from tutela.capacity.forms.ccpm import QuestionnaireForm
from tutela.capacity.models import KnowledgeTest
from tutela.capacity.models.ccpm import Audience
from tutela.capacity.selectors.ccpm import round_questions
from tutela.capacity.services import assessments as services
from tutela.capacity.services import ccpm_answers
from tutela.capacity.services import certificates as certificate_services
from tutela.core.forms.directory import apply_validation_error
from tutela.core.services.audit import client_ip


def private(response: HttpResponse) -> HttpResponse:
    # The secret in the address must not leak through the Referer header (not "no-referrer":
    # browsers would then post the form with "Origin: null", which the CSRF check refuses).
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def knowledge_test_answer(request: HttpRequest, token: str) -> HttpResponse:
    attempt = services.attempt_for_token(token)
    if attempt is None:
        raise Http404
    test = attempt.test
    session = test.session
    with translation.override(session.language):
        state = services.link_state(attempt)
        questions = services.knowledge_test_questions(test)
        follow_up = test.kind == KnowledgeTest.Kind.FOLLOW_UP
        form = AnswerForm(
            request.POST if request.method == "POST" and state == "open" else None,
            questions=questions,
            follow_up=follow_up,
        )
        if request.method == "POST" and state == "open" and form.is_valid():
            data = form.cleaned_data
            try:
                services.attempt_submit_online(
                    attempt=attempt,
                    selections=form.selections(),
                    use_on_job=data.get("use_on_job") or "",
                    shared_with_colleagues=data.get("shared_with_colleagues"),
                    comment=data.get("comment") or "",
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                return private(redirect(request.path))
        response = render(
            request,
            "capacity/public/test_answer.html",
            {
                "attempt": attempt,
                "test": test,
                "session": session,
                "state": state,
                "form": form,
                "follow_up": follow_up,
                "language": session.language,
            },
        )
    return private(response)


@never_cache
@require_http_methods(["GET", "POST"])
def certificate_verify(request: HttpRequest) -> HttpResponse:
    """Anyone checks a certificate's code. The answer names the person and the course only."""
    data = (
        request.POST
        if request.method == "POST"
        else (request.GET if "code" in request.GET else None)
    )
    form = VerifyForm(data)
    result = None
    checked = False
    limited = False
    if form.is_bound and form.is_valid():
        if certificate_services.verification_allowed(client_ip(request) or ""):
            checked = True
            result = certificate_services.certificate_verify(form.cleaned_data["code"])
        else:
            limited = True
    response = render(
        request,
        "capacity/public/verify.html",
        {"form": form, "result": result, "checked": checked, "limited": limited},
        status=429 if limited else 200,
    )
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def ccpm_answer(request: HttpRequest, token: str) -> HttpResponse:
    """A partner answers the CCPM survey through their link. Nothing about the request is
    recorded with the answers (see tutela.capacity.services.ccpm_answers)."""
    link = ccpm_answers.link_for_token(token)
    if link is None:
        raise Http404
    round = link.round
    languages = {code for code, _label in settings.LANGUAGES}
    language = request.GET.get("lang") or round.language
    if language not in languages:
        language = round.language
    with translation.override(language):
        state = ccpm_answers.link_state(link)
        questions = round_questions(round, Audience.PARTNER) if state == "open" else []
        form = QuestionnaireForm(
            request.POST if request.method == "POST" and state == "open" else None,
            questions=questions,
        )
        if request.method == "POST" and state == "open" and form.is_valid():
            try:
                ccpm_answers.ccpm_answer_submit(link=link, answers=form.answers())
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                return private(redirect(request.get_full_path()))
        response = render(
            request,
            "capacity/public/ccpm_answer.html",
            {
                "round": round,
                "body": link.body,
                "state": state,
                "form": form,
                "language": language,
                "languages": settings.LANGUAGES,
            },
        )
    return private(response)
