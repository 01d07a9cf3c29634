"""CCPM pages: rounds (prepare, launch, remind, close), the coordination team's questionnaire,
the results banded by function and sub-function, the report (Word, PDF), the action plan and
the questionnaire's editor. Who may do what: tutela.capacity.access (managers run rounds;
everyone with a role reads the results of closed rounds)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tutela.capacity import access as capacity_access
from tutela.capacity import ccpm_report
from tutela.capacity.forms.ccpm import (
    ActionItemForm,
    CcpmQuestionForm,
    QuestionnaireForm,
    RoundForm,
)
from tutela.capacity.models import CcpmActionItem, CcpmQuestion, CcpmRound
from tutela.capacity.models.ccpm import Audience
from tutela.capacity.selectors import ccpm as selectors
from tutela.capacity.selectors import coordination_link
from tutela.capacity.services import (
    ccpm_actions,
    ccpm_answers,
    ccpm_rounds,
    ccpm_structure,
)
from tutela.capacity.views.common import button, capacity_page
from tutela.core.models import Operation
from tutela.core.views.common import current_user as _user
from tutela.core.views.common import download, form_saved
from tutela.core.views.common import operation_for as _operation


def round_url(slug: str, round: CcpmRound) -> str:
    return reverse("capacity:ccpm_round", args=[slug, round.pk])


def _managed(request: HttpRequest, slug: str) -> Operation:
    operation = _operation(request, slug)
    if not capacity_access.can_manage_ccpm(_user(request), operation):
        raise PermissionDenied
    return operation


def _round(request: HttpRequest, slug: str, pk: int) -> CcpmRound:
    operation = _operation(request, slug)
    try:
        round = CcpmRound.objects.select_related("operation").get(operation=operation, pk=pk)
    except CcpmRound.DoesNotExist:
        raise Http404 from None
    # Drafts are the managers' work in progress.
    if round.status == CcpmRound.Status.DRAFT and not capacity_access.can_manage_ccpm(
        _user(request), operation
    ):
        raise Http404
    return round


def _managed_round(request: HttpRequest, slug: str, pk: int) -> CcpmRound:
    round = _round(request, slug, pk)
    if not capacity_access.can_manage_ccpm(_user(request), round.operation):
        raise PermissionDenied
    return round


# --- Rounds -------------------------------------------------------------------------------------


@login_required
@require_GET
def rounds(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _operation(request, slug)
    listed = selectors.rounds(operation)
    if not capacity_access.can_manage_ccpm(_user(request), operation):
        listed = listed.exclude(status=CcpmRound.Status.DRAFT)
    return capacity_page(
        request,
        "capacity/ccpm_rounds.html",
        operation,
        rounds=list(listed),
        can_manage_ccpm=capacity_access.can_manage_ccpm(_user(request), operation),
    )


@login_required
@require_http_methods(["GET", "POST"])
def round_create(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _managed(request, slug)
    today = timezone.localdate()
    form = RoundForm(
        request.POST or None,
        operation=operation,
        initial={
            "title": _("CCPM %(year)s") % {"year": today.year},
            "opens_on": today,
            "closes_on": today + datetime.timedelta(days=14),
            "minimum_responses": ccpm_rounds.minimum_allowed(operation),
            "link_mode": CcpmRound.LinkMode.ORGANISATION,
            "language": operation.default_language,
            "reminder_days": 3,
        },
    )
    saved = form_saved(
        request,
        form,
        lambda: ccpm_rounds.ccpm_round_create(
            operation=operation, by=_user(request), **form.cleaned_data
        ),
        _("Round prepared: check who it goes to, then launch it."),
    )
    if saved is not None:
        return redirect(round_url(slug, saved.value))
    return capacity_page(request, "capacity/ccpm_round_form.html", operation, form=form)


@login_required
@require_http_methods(["GET", "POST"])
def round_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    round = _managed_round(request, slug, pk)
    form = RoundForm(
        request.POST or None, operation=round.operation, initial=RoundForm.initial_for(round)
    )
    if round.status != CcpmRound.Status.DRAFT:
        for name in form.fields:
            if name not in {"closes_on", "reminder_days"}:
                form.fields[name].disabled = True

    def save() -> CcpmRound:
        data = dict(form.cleaned_data)
        if round.status != CcpmRound.Status.DRAFT:
            data = {k: data[k] for k in ("closes_on", "reminder_days")}
        return ccpm_rounds.ccpm_round_update(round=round, by=_user(request), **data)

    saved = form_saved(request, form, save, _("Round saved."))
    if saved is not None:
        return redirect(round_url(slug, round))
    return capacity_page(
        request, "capacity/ccpm_round_form.html", round.operation, form=form, round=round
    )


@login_required
@require_GET
def round_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    round = _round(request, slug, pk)
    manager = capacity_access.can_manage_ccpm(_user(request), round.operation)
    return capacity_page(
        request,
        "capacity/ccpm_round.html",
        round.operation,
        round=round,
        bodies=selectors.round_bodies(round),
        tracking=selectors.round_tracking(round),
        recipients=selectors.round_recipients(round)
        if manager and round.status == CcpmRound.Status.DRAFT
        else [],
        partner_questions=len(selectors.round_questions(round, Audience.PARTNER)),
        can_manage_ccpm=manager,
    )


@login_required
@require_POST
def round_launch(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    round = _managed_round(request, slug, pk)
    return button(
        request,
        lambda: ccpm_rounds.ccpm_round_launch(round=round, by=_user(request)),
        success=lambda result: (
            _(
                "Round launched: %(links)s links sent (%(without_address)s without an e-mail "
                "address)."
            )
            % result
        ),
        then=round_url(slug, round),
    )


@login_required
@require_POST
def round_remind(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    round = _managed_round(request, slug, pk)
    return button(
        request,
        lambda: ccpm_rounds.ccpm_reminders_send(round=round, by=_user(request)),
        success=lambda count: (
            _("Reminders sent to %(count)s invitations not used yet.") % {"count": count}
        ),
        then=round_url(slug, round),
    )


@login_required
@require_POST
def round_close(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    round = _managed_round(request, slug, pk)
    return button(
        request,
        lambda: ccpm_rounds.ccpm_round_close(round=round, by=_user(request)),
        success=_("Round closed: the results are ready."),
        then=reverse("capacity:ccpm_results", args=[slug, round.pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def coordinator_answers(request: HttpRequest, slug: str, pk: int, body: int) -> HttpResponse:
    """The coordination team's own questionnaire for one body (not anonymous)."""
    round = _managed_round(request, slug, pk)
    try:
        found = round.bodies.get(pk=body)
    except round.bodies.model.DoesNotExist:
        raise Http404 from None
    questions = selectors.round_questions(round, Audience.COORDINATOR)
    initial = {f"q{q}": c for q, c in selectors.coordinator_answers(round, found).items()}
    form = QuestionnaireForm(request.POST or None, questions=questions, initial=initial)
    saved = form_saved(
        request,
        form,
        lambda: ccpm_answers.ccpm_coordinator_answers_save(
            round=round, body=found, by=_user(request), answers=form.answers()
        ),
        _("The coordination team's answers are saved."),
    )
    if saved is not None:
        return redirect(round_url(slug, round))
    return capacity_page(
        request,
        "capacity/ccpm_coordinator.html",
        round.operation,
        round=round,
        body=found,
        form=form,
    )


# --- Results, report and action plan ------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def results(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    round = _round(request, slug, pk)
    operation = round.operation
    manager = capacity_access.can_manage_ccpm(_user(request), operation)
    form = ActionItemForm(request.POST or None, round=round) if manager else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        saved = form_saved(
            request,
            form,
            lambda: ccpm_actions.ccpm_action_item_add(
                round=round, by=_user(request), **form.cleaned_data
            ),
            _("Action added to the plan."),
        )
        if saved is not None:
            return redirect(reverse("capacity:ccpm_results", args=[slug, pk]) + "#action-plan")
    items = selectors.action_items(round)
    states = coordination_link.action_points_state(
        operation, [i.action_point_id for i in items if i.action_point_id]
    )
    return capacity_page(
        request,
        "capacity/ccpm_results.html",
        operation,
        round=round,
        results=selectors.round_results(round) if round.status == CcpmRound.Status.CLOSED else [],
        items=[(item, states.get(item.action_point_id or 0)) for item in items],
        form=form,
        can_manage_ccpm=manager,
    )


@login_required
@require_GET
def report(request: HttpRequest, slug: str, pk: int, fmt: str) -> HttpResponse:
    round = _round(request, slug, pk)
    if round.status != CcpmRound.Status.CLOSED:
        raise Http404
    if fmt not in {"docx", "pdf"}:
        raise Http404
    language = request.GET.get("lang") or round.language
    if language not in {code for code, _label in settings.LANGUAGES}:
        language = round.language
    content, mime, name = ccpm_report.render(round, fmt, language)
    return download(content, name, mime)


@login_required
@require_POST
def action_item_promote(request: HttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    round = _managed_round(request, slug, pk)
    found = _item(round, item)
    return button(
        request,
        lambda: ccpm_actions.ccpm_action_item_to_action_point(item=found, by=_user(request)),
        success=_("The action is now an action point of the coordination workspace."),
        then=reverse("capacity:ccpm_results", args=[slug, pk]) + "#action-plan",
    )


@login_required
@require_POST
def action_item_delete(request: HttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    round = _managed_round(request, slug, pk)
    found = _item(round, item)
    return button(
        request,
        lambda: ccpm_actions.ccpm_action_item_remove(item=found, by=_user(request)),
        success=_("Action removed from the plan."),
        then=reverse("capacity:ccpm_results", args=[slug, pk]) + "#action-plan",
    )


def _item(round: CcpmRound, pk: int) -> CcpmActionItem:
    try:
        return round.action_items.select_related("round__operation", "subfunction").get(pk=pk)
    except CcpmActionItem.DoesNotExist:
        raise Http404 from None


# --- Questionnaire ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def questionnaire(request: HttpRequest, slug: str) -> HttpResponse:
    """The operation's CCPM questionnaire (managers load the standard one, and edit it)."""
    operation = _managed(request, slug)
    if request.method == "POST":
        return button(
            request,
            lambda: ccpm_structure.ccpm_structure_load(operation=operation, by=_user(request)),
            success=lambda n: _("Standard questionnaire loaded: %(n)s questions.") % {"n": n},
            then=reverse("capacity:ccpm_questionnaire", args=[slug]),
        )
    return capacity_page(
        request,
        "capacity/ccpm_questionnaire.html",
        operation,
        functions=selectors.questionnaire(operation),
    )


@login_required
@require_http_methods(["GET", "POST"])
def question_edit(request: HttpRequest, slug: str, question: int | None = None) -> HttpResponse:
    operation = _managed(request, slug)
    found: CcpmQuestion | None = None
    if question is not None:
        try:
            found = CcpmQuestion.objects.select_related("subfunction__function").get(
                subfunction__function__operation=operation, pk=question
            )
        except CcpmQuestion.DoesNotExist:
            raise Http404 from None
    form = CcpmQuestionForm(
        request.POST or None,
        operation=operation,
        initial=CcpmQuestionForm.initial_for(found) if found else {"audience": "partner"},
    )

    def save() -> CcpmQuestion:
        data = dict(form.cleaned_data)
        sub = data.pop("subfunction")
        if found is None:
            return ccpm_structure.ccpm_question_create(subfunction=sub, by=_user(request), **data)
        return ccpm_structure.ccpm_question_update(question=found, by=_user(request), **data)

    saved = form_saved(request, form, save, _("Question saved."))
    if saved is not None:
        return redirect(reverse("capacity:ccpm_questionnaire", args=[slug]))
    return capacity_page(
        request,
        "capacity/ccpm_question_form.html",
        operation,
        form=form,
        question=found,
        locked=bool(found and ccpm_structure.question_is_locked(found)),
    )


@login_required
@require_POST
def question_toggle(request: HttpRequest, slug: str, question: int) -> HttpResponse:
    operation = _managed(request, slug)
    try:
        found = CcpmQuestion.objects.get(subfunction__function__operation=operation, pk=question)
    except CcpmQuestion.DoesNotExist:
        raise Http404 from None
    active = not found.is_active
    return button(
        request,
        lambda: ccpm_structure.ccpm_question_set_active(
            question=found, by=_user(request), active=active
        ),
        success=_("Question brought back.") if active else _("Question retired."),
        then=reverse("capacity:ccpm_questionnaire", args=[slug]),
    )
