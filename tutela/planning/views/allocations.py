"""Pages of pooled-fund allocations: list, set-up, stages, eligible organisations, the review
committee and declared ties, the scorecard, the record of recusals, the ranking with the cut line,
and the committee's recommendation as Excel and Word (French or English)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tutela.core.forms.directory import apply_validation_error
from tutela.core.models import User
from tutela.core.services.audit import audit_read
from tutela.core.views.common import current_user, download, operation_for, post_action
from tutela.planning import access, documents
from tutela.planning.forms.allocations import (
    AllocationForm,
    CategoryForm,
    EligibilityForm,
    QuestionForm,
    ReviewerForm,
    TieForm,
)
from tutela.planning.models import (
    Allocation,
    EligibleOrganisation,
    Reviewer,
    ReviewerTie,
    ScoreCategory,
    ScoreQuestion,
)
from tutela.planning.selectors import allocations as selectors
from tutela.planning.selectors import reviews as review_selectors
from tutela.planning.services import allocations as services
from tutela.planning.services import reviews as review_services
from tutela.planning.views.common import page


def _allocation(request: HttpRequest, slug: str, pk: int) -> Allocation:
    operation = operation_for(request, slug)
    return access.allocation_get_for_user(current_user(request), operation, pk)


def allocation_url(allocation: Allocation, name: str = "allocation_detail") -> str:
    return reverse(f"planning:{name}", args=[allocation.operation.slug, allocation.pk])


def _managed(request: HttpRequest, slug: str, pk: int) -> Allocation:
    allocation = _allocation(request, slug, pk)
    access.require_allocation_manager(current_user(request), allocation)
    return allocation


@login_required
@require_GET
def allocation_list(request: HttpRequest, slug: str) -> HttpResponse:
    operation = operation_for(request, slug)
    return page(
        request,
        "planning/allocation_list.html",
        operation,
        allocations=list(selectors.allocation_list(operation)),
        can_create=access.can_create_allocation(current_user(request), operation),
    )


def _setup_initial(allocation: Allocation) -> dict[str, Any]:
    initial: dict[str, Any] = {name: getattr(allocation, name) for name in services.SETUP_FIELDS}
    for name in services.SETUP_LINKS:
        initial[name] = list(getattr(allocation, name).all())
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def allocation_create(request: HttpRequest, slug: str) -> HttpResponse:
    operation = operation_for(request, slug)
    if not access.can_create_allocation(current_user(request), operation):
        raise PermissionDenied
    form = AllocationForm(request.POST or None, operation=operation)
    if request.method == "POST" and form.is_valid():
        try:
            allocation = services.allocation_create(
                operation=operation, by=current_user(request), **form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Allocation created, with the CBPF scorecard to adapt."))
            return redirect(allocation_url(allocation))
    return page(request, "planning/allocation_form.html", operation, form=form, allocation=None)


@login_required
@require_http_methods(["GET", "POST"])
def allocation_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    allocation = _managed(request, slug, pk)
    form = AllocationForm(
        request.POST or None, operation=allocation.operation, initial=_setup_initial(allocation)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.allocation_update(
                allocation=allocation, by=current_user(request), **form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Allocation saved."))
            return redirect(allocation_url(allocation))
    return page(
        request,
        "planning/allocation_form.html",
        allocation.operation,
        form=form,
        allocation=allocation,
    )


@login_required
@require_GET
def allocation_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    allocation = _allocation(request, slug, pk)
    user = current_user(request)
    reviewer = access.reviewer_for(user, allocation)
    proposals = access.proposal_queryset(user, allocation).select_related("organisation")
    return page(
        request,
        "planning/allocation_detail.html",
        allocation.operation,
        allocation=allocation,
        can_manage=access.can_manage_allocation(user, allocation),
        is_fund=access.is_fund_manager(user, allocation),
        reviewer=reviewer,
        queue=review_selectors.review_queue(reviewer) if reviewer else [],
        can_submit=access.can_submit_proposals(user, allocation),
        proposals=list(proposals),
        eligible=list(allocation.eligible.select_related("organisation")),
        reviewers=list(allocation.reviewers.select_related("user", "organisation")),
        scorecard=review_selectors.scorecard_of(allocation),
        sees_scores=bool(access.score_visible_ids(user, allocation)),
        sees_conflicts=access.can_see_conflicts(user, allocation),
        is_chair=access.is_chair(user, allocation),
        priority_areas=list(allocation.priority_areas.order_by("pcode")),
        priority_activities=list(allocation.priority_activities.order_by("code")),
        priority_groups=list(allocation.priority_groups.all()),
        fund_managers=list(allocation.fund_managers.all()),
    )


# Messages translated when shown (lazily), in the user's language.
TRANSITIONS = {
    "open": (services.allocation_open, gettext_lazy("The call for proposals is open.")),
    "close-call": (
        services.allocation_close_call,
        gettext_lazy("The call for proposals is closed."),
    ),
    "start-review": (
        services.allocation_start_review,
        gettext_lazy("The strategic review has started."),
    ),
    "close": (services.allocation_close, gettext_lazy("The allocation is closed.")),
}


@login_required
@require_POST
def allocation_move(request: HttpRequest, slug: str, pk: int, step: str) -> HttpResponse:
    user = current_user(request)
    allocation = _allocation(request, slug, pk)
    if step == "finalise":
        return post_action(
            request,
            lambda: review_services.allocation_finalise(allocation=allocation, by=user),
            success=_("The committee's recommendation was sent to the fund."),
            then=allocation_url(allocation, "ranking"),
        )
    if step not in TRANSITIONS:
        raise Http404
    move, success = TRANSITIONS[step]
    access.require_allocation_manager(user, allocation)
    return post_action(
        request,
        lambda: move(allocation=allocation, by=user),
        success=str(success),
        then=allocation_url(allocation),
    )


# --- eligibility and the committee ---------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def eligibility(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    allocation = _managed(request, slug, pk)
    form = EligibilityForm(request.POST or None, operation=allocation.operation)
    if request.method == "POST" and form.is_valid():
        try:
            services.eligibility_set(
                allocation=allocation, by=current_user(request), **form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Eligibility saved."))
            return redirect(allocation_url(allocation, "eligibility"))
    return page(
        request,
        "planning/eligibility.html",
        allocation.operation,
        allocation=allocation,
        form=form,
        rows=list(
            EligibleOrganisation.objects.filter(allocation=allocation).select_related(
                "organisation", "updated_by"
            )
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def committee(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    allocation = _managed(request, slug, pk)
    user = current_user(request)
    form = ReviewerForm(request.POST or None, operation=allocation.operation)
    if request.method == "POST":
        action = request.POST.get("action", "add")
        if action in ("add", "chair") and form.is_valid():
            member: User = form.cleaned_data["user"]
            try:
                if action == "add":
                    services.reviewer_add(allocation=allocation, by=user, user=member)
                    messages.success(request, _("Member added to the committee."))
                else:
                    services.chair_set(allocation=allocation, by=user, user=member)
                    messages.success(request, _("Chair chosen."))
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                return redirect(allocation_url(allocation, "committee"))
        elif action == "remove":
            reviewer = get_object_or_404(
                Reviewer, allocation=allocation, pk=request.POST.get("reviewer")
            )
            return post_action(
                request,
                lambda: services.reviewer_remove(reviewer=reviewer, by=user),
                success=_("Member removed from the committee."),
                then=allocation_url(allocation, "committee"),
            )
    return page(
        request,
        "planning/committee.html",
        allocation.operation,
        allocation=allocation,
        form=form,
        reviewers=list(allocation.reviewers.select_related("user", "organisation")),
    )


@login_required
@require_http_methods(["GET", "POST"])
def ties(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A reviewer's own declared ties (partners, sub-grantees...): recusal from those
    organisations' proposals."""
    allocation = _allocation(request, slug, pk)
    reviewer = access.reviewer_for(current_user(request), allocation)
    if reviewer is None:
        raise PermissionDenied
    user = current_user(request)
    form = TieForm(request.POST or None, operation=allocation.operation)
    if request.method == "POST":
        if request.POST.get("withdraw"):
            tie = get_object_or_404(ReviewerTie, reviewer=reviewer, pk=request.POST["withdraw"])
            return post_action(
                request,
                lambda: services.tie_withdraw(tie=tie, by=user),
                success=_("Tie withdrawn."),
                then=allocation_url(allocation, "ties"),
            )
        if form.is_valid():
            try:
                services.tie_declare(reviewer=reviewer, by=user, **form.cleaned_data)
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, _("Tie declared: you are recused from its proposals."))
                return redirect(allocation_url(allocation, "ties"))
    return page(
        request,
        "planning/ties.html",
        allocation.operation,
        allocation=allocation,
        form=form,
        reviewer=reviewer,
        ties=list(reviewer.ties.select_related("organisation")),
    )


@login_required
@require_GET
def conflicts(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    allocation = _allocation(request, slug, pk)
    rows = review_selectors.conflict_record(user=current_user(request), allocation=allocation)
    return page(
        request, "planning/conflicts.html", allocation.operation, allocation=allocation, rows=rows
    )


# --- the scorecard -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def scorecard(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    allocation = _allocation(request, slug, pk)
    card = review_selectors.scorecard_of(allocation) or review_services.scorecard_seed(
        allocation=allocation
    )
    can_edit = (
        access.can_manage_allocation(current_user(request), allocation) and not card.is_locked
    )
    category_form = CategoryForm(prefix="category")
    question_form = QuestionForm(prefix="question")
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        user = current_user(request)
        action = request.POST.get("action", "")
        then = allocation_url(allocation, "scorecard")
        if action == "lock":
            return post_action(
                request,
                lambda: review_services.scorecard_lock(scorecard=card, by=user),
                success=_("Scorecard locked."),
                then=then,
            )
        if action == "delete_category":
            item: ScoreCategory | ScoreQuestion = get_object_or_404(
                ScoreCategory, scorecard=card, pk=request.POST.get("item")
            )
            return post_action(
                request,
                lambda: review_services.scorecard_item_delete(item=item, by=user),
                success=_("Removed."),
                then=then,
            )
        if action == "delete_question":
            item = get_object_or_404(
                ScoreQuestion, category__scorecard=card, pk=request.POST.get("item")
            )
            return post_action(
                request,
                lambda: review_services.scorecard_item_delete(item=item, by=user),
                success=_("Removed."),
                then=then,
            )
        if action == "category":
            category_form = CategoryForm(request.POST, prefix="category")
            existing = card.categories.filter(pk=request.POST.get("item") or 0).first()
            if category_form.is_valid():
                try:
                    review_services.category_save(
                        scorecard=card, by=user, category=existing, **category_form.cleaned_data
                    )
                except ValidationError as error:
                    apply_validation_error(category_form, error)
                else:
                    messages.success(request, _("Category saved."))
                    return redirect(then)
        if action == "question":
            question_form = QuestionForm(request.POST, prefix="question")
            category = get_object_or_404(
                ScoreCategory, scorecard=card, pk=request.POST.get("category")
            )
            existing_question = category.questions.filter(pk=request.POST.get("item") or 0).first()
            if question_form.is_valid():
                try:
                    review_services.question_save(
                        category=category,
                        by=user,
                        question=existing_question,
                        **question_form.cleaned_data,
                    )
                except ValidationError as error:
                    apply_validation_error(question_form, error)
                else:
                    messages.success(request, _("Question saved."))
                    return redirect(then)
    layout = review_selectors.structure(card)
    return page(
        request,
        "planning/scorecard.html",
        allocation.operation,
        allocation=allocation,
        scorecard=card,
        layout=layout,
        weight_total=sum(c.weight for c, _q in layout),
        can_edit=can_edit,
        category_form=category_form,
        question_form=question_form,
    )


# --- ranking and the recommendation --------------------------------------------------------------


@login_required
@require_GET
def ranking(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    user = current_user(request)
    allocation = _allocation(request, slug, pk)
    result = review_selectors.ranking(user=user, allocation=allocation)
    audit_read(
        actor=user,
        instance=allocation,
        operation=allocation.operation,
        request=request,
        reason="ranking and scores",
    )
    return page(
        request,
        "planning/ranking.html",
        allocation.operation,
        allocation=allocation,
        ranking=result,
        can_draft=allocation.status == Allocation.Status.REVIEW
        and any(row.can_chair for row in result.rows),
        can_finalise=allocation.status == Allocation.Status.REVIEW
        and (access.is_chair(user, allocation) or access.is_fund_manager(user, allocation)),
        can_export=access.can_export_recommendation(user, allocation),
    )


@login_required
@require_POST
def recommendation_draft(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    allocation = _allocation(request, slug, pk)

    def drafted(count: int) -> str:
        return _("Recommendation drafted: %(count)s justifications written for you to edit.") % {
            "count": count
        }

    return post_action(
        request,
        lambda: review_services.recommendation_draft(
            allocation=allocation, by=current_user(request)
        ),
        success=drafted,
        then=allocation_url(allocation, "ranking"),
    )


@login_required
@require_GET
def recommendation_export(request: HttpRequest, slug: str, pk: int, fmt: str) -> HttpResponse:
    """The committee's recommendation as Excel or Word, in French or English (`?lang=`), for the
    chair and the fund managers; only the scores they may see."""
    allocation = _allocation(request, slug, pk)
    if fmt not in documents.FORMATS:
        raise Http404
    language = request.GET.get("lang") or allocation.operation.default_language
    if language not in documents.LANGUAGES:
        language = "en"
    content, filename, content_type = documents.recommendation_file(
        allocation=allocation, by=current_user(request), fmt=fmt, language=language, request=request
    )
    return download(content, filename, content_type)
