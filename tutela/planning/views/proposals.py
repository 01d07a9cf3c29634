"""Pages of proposals to an allocation: write (form, budget, targets, attachments), submit, the
fund's pre-review, the checks against the cluster's 5W data, and the strategic review of one
proposal: declaration, scoring, the score sheet with divergences and consensus, and the
justification."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tutela.core.forms.directory import apply_validation_error
from tutela.core.services.audit import audit_read
from tutela.core.views.common import current_user, download, operation_for, post_action
from tutela.planning import access
from tutela.planning.forms.allocations import (
    AttachmentForm,
    ConsensusForm,
    DeclarationForm,
    JustificationForm,
    PrereviewForm,
    ProposalForm,
    ScoreForm,
)
from tutela.planning.forms.projects import budget_formset, target_line_formset
from tutela.planning.models import Allocation, ConflictDeclaration, Proposal, ProposalAttachment
from tutela.planning.selectors import proposals as selectors
from tutela.planning.selectors import reviews as review_selectors
from tutela.planning.services import proposals as services
from tutela.planning.services import reviews as review_services
from tutela.planning.views.common import page


def _allocation(request: HttpRequest, slug: str, pk: int) -> Allocation:
    return access.allocation_get_for_user(current_user(request), operation_for(request, slug), pk)


def _proposal(request: HttpRequest, slug: str, pk: int, proposal_pk: int) -> Proposal:
    allocation = _allocation(request, slug, pk)
    return access.proposal_get_for_user(current_user(request), allocation, proposal_pk)


def _url(proposal: Proposal, name: str = "proposal_detail") -> str:
    allocation = proposal.allocation
    return reverse(f"planning:{name}", args=[allocation.operation.slug, allocation.pk, proposal.pk])


def _forms(request: HttpRequest, allocation: Allocation, proposal: Proposal | None) -> Any:
    operation = allocation.operation
    initial: dict[str, Any] = {}
    budget: list[dict[str, Any]] = []
    targets: list[dict[str, Any]] = []
    if proposal is not None:
        initial = {
            "title": proposal.title,
            "summary": proposal.summary,
            "project": proposal.project,
            "start_date": proposal.start_date,
            "end_date": proposal.end_date,
            "areas": list(proposal.areas.all()),
            "activities": list(proposal.activities.all()),
            "implementing_partners": list(proposal.implementing_partners.all()),
        }
        budget = [
            {"category": b.category, "description": b.description, "amount_usd": b.amount_usd}
            for b in proposal.budget_lines.all()
        ]
        targets = [
            {"population_group": t.population_group, "targeted": t.targeted}
            for t in proposal.targets.all()
        ]
    data = request.POST or None
    organisation_id = (
        proposal.organisation_id if proposal else current_user(request).organisation_id
    )
    form = ProposalForm(data, operation=operation, organisation_id=organisation_id, initial=initial)
    lines = budget_formset(data, initial=budget, prefix="budget")
    groups = target_line_formset(data, operation=operation, initial=targets, prefix="targets")
    return form, lines, groups


def _save(request: HttpRequest, form: Any, lines: Any, groups: Any, save: Any) -> Proposal | None:
    if request.method != "POST":
        return None
    if not all([form.is_valid(), lines.is_valid(), groups.is_valid()]):
        return None
    try:
        saved: Proposal = save(
            **form.cleaned_data, budget_lines=lines.lines(), targets=groups.targets()
        )
    except ValidationError as error:
        apply_validation_error(form, error)
        return None
    return saved


@login_required
@require_http_methods(["GET", "POST"])
def proposal_create(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    allocation = _allocation(request, slug, pk)
    if not access.can_submit_proposals(current_user(request), allocation):
        raise PermissionDenied
    form, lines, groups = _forms(request, allocation, None)
    user = current_user(request)
    saved = _save(
        request,
        form,
        lines,
        groups,
        lambda **fields: services.proposal_create(allocation=allocation, by=user, **fields),
    )
    if saved is not None:
        messages.success(request, _("Proposal saved as a draft. Attach documents, then submit."))
        return redirect(_url(saved))
    return page(
        request,
        "planning/proposal_form.html",
        allocation.operation,
        allocation=allocation,
        form=form,
        lines=lines,
        groups=groups,
        proposal=None,
    )


@login_required
@require_http_methods(["GET", "POST"])
def proposal_edit(request: HttpRequest, slug: str, pk: int, proposal_pk: int) -> HttpResponse:
    proposal = _proposal(request, slug, pk, proposal_pk)
    if not access.can_edit_proposal(current_user(request), proposal):
        raise PermissionDenied
    allocation = proposal.allocation
    form, lines, groups = _forms(request, allocation, proposal)
    user = current_user(request)
    saved = _save(
        request,
        form,
        lines,
        groups,
        lambda **fields: services.proposal_update(proposal=proposal, by=user, **fields),
    )
    if saved is not None:
        messages.success(request, _("Proposal saved."))
        return redirect(_url(saved))
    return page(
        request,
        "planning/proposal_form.html",
        allocation.operation,
        allocation=allocation,
        form=form,
        lines=lines,
        groups=groups,
        proposal=proposal,
    )


@login_required
@require_GET
def proposal_detail(request: HttpRequest, slug: str, pk: int, proposal_pk: int) -> HttpResponse:
    proposal = _proposal(request, slug, pk, proposal_pk)
    allocation = proposal.allocation
    user = current_user(request)
    reviewer = access.reviewer_for(user, allocation)
    declaration = (
        ConflictDeclaration.objects.filter(reviewer=reviewer, proposal=proposal).first()
        if reviewer
        else None
    )
    recusals = access.recusal_reasons(reviewer, proposal) if reviewer else []
    sees_scores = access.can_see_scores(user, proposal)
    in_review = (
        allocation.status == Allocation.Status.REVIEW
        and proposal.status == Proposal.Status.ACCEPTED
    )
    is_fund = access.is_fund_manager(user, allocation)
    return page(
        request,
        "planning/proposal_detail.html",
        allocation.operation,
        allocation=allocation,
        proposal=proposal,
        lines=selectors.proposal_lines(proposal),
        checks=selectors.proposal_checks(user, proposal),
        can_edit=access.can_edit_proposal(user, proposal),
        is_own=access.is_own_proposal(user, proposal),
        can_prereview=is_fund
        and proposal.status == Proposal.Status.SUBMITTED
        and allocation.status in (Allocation.Status.OPEN, Allocation.Status.PRE_REVIEW),
        prereview_form=PrereviewForm(),
        reviewer=reviewer,
        declaration=declaration,
        recusals=recusals,
        can_declare=reviewer is not None
        and in_review
        and not (declaration and declaration.has_conflict),
        can_score=reviewer is not None and in_review and declaration is not None and not recusals,
        declaration_form=DeclarationForm(
            initial={"has_conflict": "yes" if declaration and declaration.has_conflict else "no"}
        ),
        sees_scores=sees_scores,
        can_chair=access.can_chair(user, proposal),
        outcome_visible=proposal.status
        in (Proposal.Status.RECOMMENDED, Proposal.Status.NOT_RECOMMENDED),
        attachment_form=AttachmentForm(),
    )


@login_required
@require_POST
def proposal_submit(request: HttpRequest, slug: str, pk: int, proposal_pk: int) -> HttpResponse:
    proposal = _proposal(request, slug, pk, proposal_pk)
    return post_action(
        request,
        lambda: services.proposal_submit(proposal=proposal, by=current_user(request)),
        success=_("Proposal submitted to the fund."),
        then=_url(proposal),
    )


@login_required
@require_POST
def proposal_withdraw(request: HttpRequest, slug: str, pk: int, proposal_pk: int) -> HttpResponse:
    proposal = _proposal(request, slug, pk, proposal_pk)
    return post_action(
        request,
        lambda: services.proposal_withdraw(proposal=proposal, by=current_user(request)),
        success=_("Proposal withdrawn."),
        then=_url(proposal),
    )


@login_required
@require_POST
def proposal_attach(request: HttpRequest, slug: str, pk: int, proposal_pk: int) -> HttpResponse:
    proposal = _proposal(request, slug, pk, proposal_pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to attach."))
        return redirect(_url(proposal))
    return post_action(
        request,
        lambda: services.proposal_attach(
            proposal=proposal, by=current_user(request), file=form.cleaned_data["file"]
        ),
        success=_("Document attached."),
        then=_url(proposal),
    )


@login_required
@require_GET
def attachment_download(
    request: HttpRequest, slug: str, pk: int, proposal_pk: int, attachment_pk: int
) -> HttpResponse:
    proposal = _proposal(request, slug, pk, proposal_pk)
    attachment = get_object_or_404(ProposalAttachment, proposal=proposal, pk=attachment_pk)
    with attachment.file.open("rb") as handle:
        content = handle.read()
    audit_read(
        actor=current_user(request),
        instance=attachment,
        operation=proposal.allocation.operation,
        request=request,
    )
    return download(content, attachment.name, "application/octet-stream")


@login_required
@require_POST
def attachment_remove(
    request: HttpRequest, slug: str, pk: int, proposal_pk: int, attachment_pk: int
) -> HttpResponse:
    proposal = _proposal(request, slug, pk, proposal_pk)
    attachment = get_object_or_404(ProposalAttachment, proposal=proposal, pk=attachment_pk)
    return post_action(
        request,
        lambda: services.proposal_attachment_remove(
            attachment=attachment, by=current_user(request)
        ),
        success=_("Document removed."),
        then=_url(proposal),
    )


@login_required
@require_POST
def proposal_prereview(request: HttpRequest, slug: str, pk: int, proposal_pk: int) -> HttpResponse:
    proposal = _proposal(request, slug, pk, proposal_pk)
    form = PrereviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Accept, return or reject the proposal."))
        return redirect(_url(proposal))
    return post_action(
        request,
        lambda: services.proposal_prereview(
            proposal=proposal, by=current_user(request), **form.cleaned_data
        ),
        success=_("Pre-review recorded."),
        then=_url(proposal),
    )


# --- the strategic review of one proposal ---------------------------------------------------------


def _reviewer(request: HttpRequest, proposal: Proposal) -> Any:
    reviewer = access.reviewer_for(current_user(request), proposal.allocation)
    if reviewer is None:
        raise PermissionDenied
    return reviewer


@login_required
@require_POST
def proposal_declare(request: HttpRequest, slug: str, pk: int, proposal_pk: int) -> HttpResponse:
    proposal = _proposal(request, slug, pk, proposal_pk)
    reviewer = _reviewer(request, proposal)
    form = DeclarationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say whether you have a conflict of interest."))
        return redirect(_url(proposal))
    return post_action(
        request,
        lambda: review_services.declaration_save(
            reviewer=reviewer, proposal=proposal, by=current_user(request), **form.cleaned_data
        ),
        success=_("Declaration recorded."),
        then=_url(proposal),
    )


@login_required
@require_http_methods(["GET", "POST"])
def proposal_score(request: HttpRequest, slug: str, pk: int, proposal_pk: int) -> HttpResponse:
    """The reviewer's own scores of the proposal."""
    proposal = _proposal(request, slug, pk, proposal_pk)
    reviewer = _reviewer(request, proposal)
    if access.recusal_reasons(reviewer, proposal):
        raise PermissionDenied
    questions = [
        q
        for _category, items in review_selectors.structure(
            review_selectors.scorecard_of(proposal.allocation)
        )
        for q in items
    ]
    mine = review_selectors.reviewer_scores(reviewer, proposal)
    initial: dict[str, Any] = {}
    for question_id, (value, comment) in mine.items():
        initial[f"q{question_id}"] = value
        initial[f"c{question_id}"] = comment
    form = ScoreForm(request.POST or None, questions=questions, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            review_services.score_save(
                reviewer=reviewer,
                proposal=proposal,
                by=current_user(request),
                scores=form.scores(),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Your scores are saved."))
            return redirect(_url(proposal))
    return page(
        request,
        "planning/proposal_score.html",
        proposal.allocation.operation,
        allocation=proposal.allocation,
        proposal=proposal,
        form=form,
    )


@login_required
@require_GET
def proposal_scores(request: HttpRequest, slug: str, pk: int, proposal_pk: int) -> HttpResponse:
    """The score sheet: each reviewer's scores, divergences, the consensus (403 to anyone who
    may not see the scores, a recused reviewer first of all)."""
    user = current_user(request)
    proposal = _proposal(request, slug, pk, proposal_pk)
    sheet = review_selectors.score_sheet(user=user, proposal=proposal)
    audit_read(
        actor=user,
        instance=proposal,
        operation=proposal.allocation.operation,
        request=request,
        reason="score sheet",
    )
    can_chair = access.can_chair(user, proposal)
    return page(
        request,
        "planning/proposal_scores.html",
        proposal.allocation.operation,
        allocation=proposal.allocation,
        proposal=proposal,
        sheet=sheet,
        can_chair=can_chair,
        consensus_form=ConsensusForm(allocation=proposal.allocation) if can_chair else None,
    )


@login_required
@require_POST
def proposal_consensus(request: HttpRequest, slug: str, pk: int, proposal_pk: int) -> HttpResponse:
    user = current_user(request)
    proposal = _proposal(request, slug, pk, proposal_pk)
    if not access.can_chair(user, proposal):
        raise PermissionDenied
    form = ConsensusForm(request.POST, allocation=proposal.allocation)
    then = _url(proposal, "proposal_scores")
    if request.POST.get("clear"):
        question = get_object_or_404(
            review_selectors.ScoreQuestion,
            category__scorecard__allocation=proposal.allocation,
            pk=request.POST["clear"],
        )
        return post_action(
            request,
            lambda: review_services.consensus_clear(proposal=proposal, by=user, question=question),
            success=_("Consensus score cleared: the reviewers' mean counts again."),
            then=then,
        )
    if not form.is_valid():
        messages.error(request, _("Choose the question, give the score and say why."))
        return redirect(then)
    return post_action(
        request,
        lambda: review_services.consensus_set(proposal=proposal, by=user, **form.cleaned_data),
        success=_("Consensus score saved."),
        then=then,
    )


@login_required
@require_http_methods(["GET", "POST"])
def proposal_justify(request: HttpRequest, slug: str, pk: int, proposal_pk: int) -> HttpResponse:
    user = current_user(request)
    proposal = _proposal(request, slug, pk, proposal_pk)
    if not access.can_chair(user, proposal):
        raise PermissionDenied
    sheet = review_selectors.score_sheet(user=user, proposal=proposal)
    initial = {
        "recommended": "yes" if proposal.recommended else "no",
        "justification": proposal.justification,
    }
    form = JustificationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            review_services.justification_save(proposal=proposal, by=user, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Recommendation saved."))
            return redirect(
                reverse(
                    "planning:ranking",
                    args=[proposal.allocation.operation.slug, proposal.allocation_id],
                )
            )
    return page(
        request,
        "planning/proposal_justify.html",
        proposal.allocation.operation,
        allocation=proposal.allocation,
        proposal=proposal,
        sheet=sheet,
        form=form,
    )
