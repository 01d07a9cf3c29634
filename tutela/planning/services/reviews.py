"""The strategic review: the scorecard (seeded from the CBPF template, editable until it is locked),
conflict-of-interest declarations, each reviewer's scores, the committee's consensus, and the
recommendation with a written justification for every proposal.

Conflicts of interest are enforced here as well as in the reads: a recused reviewer cannot
score, and nobody writes a consensus or a justification for a proposal whose scores they may
not see. Scores, consensus scores, ranks and justifications enter the audit log only as keyed
digests (enough to show that a value changed, not what it is): the operation's managers read
the log, and a manager may be a recused reviewer.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tutela.core.models import AuditEntry, User
from tutela.core.services.audit import audit_create, audit_update, audit_write, snapshot
from tutela.planning import access
from tutela.planning.models import (
    Allocation,
    ConflictDeclaration,
    ConsensusScore,
    Proposal,
    Reviewer,
    Score,
    Scorecard,
    ScoreCategory,
    ScoreQuestion,
)
from tutela.planning.selectors import reviews as selectors
from tutela.planning.services.notify import notify


def digest(value: str) -> str:
    """A short keyed digest of a score-bearing value, for the audit log."""
    code = hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()
    return f"[digest #{code[:8]}]"


# --- the scorecard -------------------------------------------------------------------------------

# The CBPF strategic review scorecard's categories (OCHA's CBPF global guidelines): a template
# each allocation adapts before locking it. Weights in percent; questions scored 0 to 5.
CBPF_TEMPLATE: tuple[
    tuple[str, int, tuple[str, str, str], tuple[tuple[str, str, str], ...]], ...
] = (
    (
        "STR",
        20,
        ("Strategic relevance", "Pertinence stratégique", "Pertinencia estratégica"),
        (
            (
                "The project addresses the allocation's priorities (areas, activities, groups).",
                "Le projet répond aux priorités de l'allocation (zones, activités, groupes).",
                "El proyecto responde a las prioridades de la asignación (zonas, actividades, "
                "grupos).",
            ),
            (
                "It goes where needs are most severe and the response has gaps.",
                "Il va là où les besoins sont les plus sévères et où la réponse a des lacunes.",
                "Va donde las necesidades son más graves y la respuesta tiene brechas.",
            ),
        ),
    ),
    (
        "PROG",
        35,
        ("Programmatic relevance", "Pertinence programmatique", "Pertinencia programática"),
        (
            (
                "The needs analysis and the logic of the intervention are sound.",
                "L'analyse des besoins et la logique d'intervention sont solides.",
                "El análisis de necesidades y la lógica de la intervención son sólidos.",
            ),
            (
                "Protection mainstreaming, age, gender and diversity and accountability to "
                "affected people are built in.",
                "L'intégration de la protection, l'âge, le genre et la diversité et la "
                "redevabilité envers les personnes affectées sont pris en compte.",
                "La transversalización de la protección, la edad, el género y la diversidad y "
                "la rendición de cuentas a las personas afectadas están integrados.",
            ),
            (
                "Targets are realistic and the indicators measurable.",
                "Les cibles sont réalistes et les indicateurs mesurables.",
                "Las metas son realistas y los indicadores medibles.",
            ),
        ),
    ),
    (
        "COST",
        20,
        ("Cost-effectiveness", "Coût-efficacité", "Costo-eficacia"),
        (
            (
                "The budget matches the activities and is reasonable for the targets.",
                "Le budget correspond aux activités et est raisonnable au regard des cibles.",
                "El presupuesto corresponde a las actividades y es razonable para las metas.",
            ),
            (
                "Support costs are proportionate.",
                "Les coûts de soutien sont proportionnés.",
                "Los costos de apoyo son proporcionados.",
            ),
        ),
    ),
    (
        "MGMT",
        15,
        ("Management and monitoring", "Gestion et suivi", "Gestión y seguimiento"),
        (
            (
                "The organisation has the capacity and the access to implement in these areas.",
                "L'organisation a la capacité et l'accès pour mettre en œuvre dans ces zones.",
                "La organización tiene la capacidad y el acceso para ejecutar en estas zonas.",
            ),
            (
                "Monitoring and reporting arrangements are adequate.",
                "Les dispositifs de suivi et de rapportage sont adéquats.",
                "Los mecanismos de seguimiento y presentación de informes son adecuados.",
            ),
        ),
    ),
    (
        "COORD",
        10,
        (
            "Engagement with coordination",
            "Engagement dans la coordination",
            "Participación en la coordinación",
        ),
        (
            (
                "The organisation takes part in the cluster and reports to the 5W.",
                "L'organisation participe au cluster et rapporte dans les 5W.",
                "La organización participa en el clúster y reporta en las 5W.",
            ),
        ),
    ),
)


@transaction.atomic
def scorecard_seed(*, allocation: Allocation) -> Scorecard:
    """The allocation's scorecard from the CBPF template (once)."""
    scorecard, created = Scorecard.objects.get_or_create(allocation=allocation)
    if not created or scorecard.categories.exists():
        return scorecard
    for order, (code, weight, names, questions) in enumerate(CBPF_TEMPLATE, start=1):
        category = ScoreCategory.objects.create(
            scorecard=scorecard,
            code=code,
            weight=Decimal(weight),
            order=order,
            name_en=names[0],
            name_fr=names[1],
            name_es=names[2],
        )
        for number, (en, fr, es) in enumerate(questions, start=1):
            ScoreQuestion.objects.create(
                category=category,
                code=f"{code}{number}",
                name_en=en,
                name_fr=fr,
                name_es=es,
                max_score=5,
                weight=Decimal(1),
                order=number,
            )
    return scorecard


def _unlocked(scorecard: Scorecard, by: User) -> None:
    access.require_allocation_manager(by, scorecard.allocation)
    if scorecard.is_locked:
        raise ValidationError(
            _("The scorecard is locked: it cannot change once scoring may start."), code="locked"
        )


@transaction.atomic
def category_save(
    *,
    scorecard: Scorecard,
    by: User,
    code: str,
    name_en: str,
    name_fr: str,
    weight: Decimal,
    name_es: str = "",
    order: int = 0,
    category: ScoreCategory | None = None,
) -> ScoreCategory:
    _unlocked(scorecard, by)
    before = snapshot(category) if category is not None else None
    item = category or ScoreCategory(scorecard=scorecard)
    item.code = (code or "").strip()
    item.name_en, item.name_fr, item.name_es = name_en.strip(), name_fr.strip(), name_es.strip()
    item.weight = weight
    item.order = order or 0
    if (
        ScoreCategory.objects.filter(scorecard=scorecard, code__iexact=item.code)
        .exclude(pk=item.pk)
        .exists()
    ):
        raise ValidationError({"code": _("Another category has this code.")})
    item.full_clean()
    item.save()
    operation = scorecard.allocation.operation
    if before is None:
        audit_create(actor=by, instance=item, operation=operation)
    else:
        audit_update(actor=by, instance=item, operation=operation, before=before)
    return item


@transaction.atomic
def question_save(
    *,
    category: ScoreCategory,
    by: User,
    code: str,
    name_en: str,
    name_fr: str,
    name_es: str = "",
    guidance: str = "",
    max_score: int = 5,
    weight: Decimal = Decimal(1),
    order: int = 0,
    question: ScoreQuestion | None = None,
) -> ScoreQuestion:
    _unlocked(category.scorecard, by)
    before = snapshot(question) if question is not None else None
    item = question or ScoreQuestion(category=category)
    item.code = (code or "").strip()
    item.name_en, item.name_fr, item.name_es = name_en.strip(), name_fr.strip(), name_es.strip()
    item.guidance = (guidance or "").strip()
    item.max_score = max_score
    item.weight = weight
    item.order = order or 0
    if (
        ScoreQuestion.objects.filter(category=category, code__iexact=item.code)
        .exclude(pk=item.pk)
        .exists()
    ):
        raise ValidationError({"code": _("Another question of the category has this code.")})
    item.full_clean()
    item.save()
    operation = category.scorecard.allocation.operation
    if before is None:
        audit_create(actor=by, instance=item, operation=operation)
    else:
        audit_update(actor=by, instance=item, operation=operation, before=before)
    return item


@transaction.atomic
def scorecard_item_delete(*, item: ScoreCategory | ScoreQuestion, by: User) -> None:
    scorecard = item.scorecard if isinstance(item, ScoreCategory) else item.category.scorecard
    _unlocked(scorecard, by)
    before = snapshot(item)
    pk, label = item.pk, item._meta.label_lower
    item.delete()
    audit_write(
        actor=by,
        action=AuditEntry.Action.DELETE,
        operation=scorecard.allocation.operation,
        entity_type=label,
        entity_id=str(pk),
        summary=f"Scorecard item removed ({before.get('code')})",
        before=before,
    )


@transaction.atomic
def scorecard_lock(*, scorecard: Scorecard, by: User) -> Scorecard:
    """Fix the scorecard for good: categories, weights (adding up to 100) and questions."""
    _unlocked(scorecard, by)
    layout = selectors.structure(scorecard)
    problems = []
    if not layout:
        problems.append(_("The scorecard has no category."))
    total = sum((c.weight for c, _q in layout), Decimal(0))
    if layout and total != Decimal(100):
        problems.append(
            _("The categories' weights add up to %(total)s, not 100.") % {"total": total}
        )
    empty = [c.code for c, questions in layout if not questions]
    if empty:
        problems.append(
            _("These categories have no question: %(codes)s.") % {"codes": ", ".join(empty)}
        )
    if problems:
        raise ValidationError(problems, code="not_ready")
    scorecard.locked_at = timezone.now()
    scorecard.locked_by = by
    scorecard.save(update_fields=["locked_at", "locked_by", "updated_at"])
    audit_write(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        instance=scorecard,
        operation=scorecard.allocation.operation,
        summary=f"Scorecard locked: {scorecard.allocation.name}",
        after={
            "categories": [
                [c.code, str(c.weight), [[q.code, q.max_score, str(q.weight)] for q in questions]]
                for c, questions in layout
            ]
        },
    )
    return scorecard


# --- declarations and scores ---------------------------------------------------------------------


def _reviewing(reviewer: Reviewer, by: User, proposal: Proposal) -> tuple[Reviewer, Proposal]:
    """The reviewer and the proposal as the database has them now (the caller's copies may be
    stale), once checked: the reviewer's own, in an allocation under strategic review."""
    if reviewer.user_id != by.pk:
        raise PermissionDenied
    reviewer = Reviewer.objects.select_related("allocation", "user").get(pk=reviewer.pk)
    proposal = Proposal.objects.select_related("allocation").get(pk=proposal.pk)
    if proposal.allocation_id != reviewer.allocation_id:
        raise PermissionDenied
    if reviewer.allocation.status != Allocation.Status.REVIEW:
        raise ValidationError(_("The strategic review is not under way."), code="status")
    if proposal.status != Proposal.Status.ACCEPTED:
        raise ValidationError(_("This proposal is not in the strategic review."), code="status")
    return reviewer, proposal


@transaction.atomic
def declaration_save(
    *, reviewer: Reviewer, proposal: Proposal, by: User, has_conflict: bool, statement: str = ""
) -> ConflictDeclaration:
    """The reviewer's declaration for a proposal, required before scoring it. A declared
    conflict is final: it recuses the reviewer, and cannot be taken back."""
    reviewer, proposal = _reviewing(reviewer, by, proposal)
    declaration = ConflictDeclaration.objects.filter(reviewer=reviewer, proposal=proposal).first()
    statement = (statement or "").strip()
    if has_conflict and not statement:
        raise ValidationError({"statement": _("Say what the conflict of interest is.")})
    if declaration is not None:
        if declaration.has_conflict and not has_conflict:
            raise ValidationError(
                _("A declared conflict of interest cannot be taken back."), code="final"
            )
        before = snapshot(declaration)
        declaration.has_conflict = has_conflict
        declaration.statement = statement
        declaration.save()
        audit_update(
            actor=by, instance=declaration, operation=proposal.allocation.operation, before=before
        )
        return declaration
    declaration = ConflictDeclaration.objects.create(
        reviewer=reviewer, proposal=proposal, has_conflict=has_conflict, statement=statement
    )
    audit_create(actor=by, instance=declaration, operation=proposal.allocation.operation)
    return declaration


@transaction.atomic
def score_save(
    *,
    reviewer: Reviewer,
    proposal: Proposal,
    by: User,
    scores: Mapping[int, tuple[int, str]],
) -> list[Score]:
    """Save the reviewer's scores of a proposal: {question id: (score, comment)}. Refused to a
    reviewer who has not declared, or who is recused."""
    reviewer, proposal = _reviewing(reviewer, by, proposal)
    allocation = reviewer.allocation
    scorecard = selectors.scorecard_of(allocation)
    if scorecard is None or not scorecard.is_locked:
        raise ValidationError(_("The scorecard is not locked yet."), code="unlocked")
    declaration = ConflictDeclaration.objects.filter(reviewer=reviewer, proposal=proposal).first()
    if declaration is None:
        raise ValidationError(
            _("Declare whether you have a conflict of interest first."), code="undeclared"
        )
    if access.recusal_reasons(reviewer, proposal):
        raise PermissionDenied(_("You are recused from this proposal."))
    questions = {q.pk: q for q in ScoreQuestion.objects.filter(category__scorecard=scorecard)}
    unknown = set(scores) - set(questions)
    if unknown:
        raise ValidationError(_("Unknown question."), code="question")
    saved = []
    changes: dict[str, Any] = {}
    for question_id, (value, comment) in scores.items():
        question = questions[question_id]
        if value is None or not 0 <= int(value) <= question.max_score:
            raise ValidationError(
                _("%(code)s: give a score from 0 to %(max)s.")
                % {"code": question.code, "max": question.max_score},
                code="range",
            )
        score, _created = Score.objects.update_or_create(
            reviewer=reviewer,
            proposal=proposal,
            question=question,
            defaults={"value": int(value), "comment": (comment or "").strip()},
        )
        changes[question.code] = digest(f"{score.value}|{score.comment}")
        saved.append(score)
    audit_write(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        operation=allocation.operation,
        entity_type=Score._meta.label_lower,
        entity_id=str(proposal.pk),
        summary=f"Scores saved for proposal {proposal.pk} ({len(saved)} questions)",
        after={"proposal": proposal.pk, "reviewer": reviewer.pk, "scores": changes},
    )
    return saved


def _chairing(proposal: Proposal, by: User) -> Proposal:
    """The proposal as the database has it now, once checked that `by` chairs its review."""
    proposal = Proposal.objects.select_related("allocation").get(pk=proposal.pk)
    if not access.can_chair(by, proposal):
        raise PermissionDenied
    return proposal


@transaction.atomic
def consensus_set(
    *, proposal: Proposal, by: User, question: ScoreQuestion, value: Decimal, note: str
) -> ConsensusScore:
    """The committee's agreed score on a question (after discussing a divergence), set by the
    chair, with why."""
    proposal = _chairing(proposal, by)
    if question.category.scorecard.allocation_id != proposal.allocation_id:
        raise ValidationError(_("Unknown question."), code="question")
    if value is None or not Decimal(0) <= value <= question.max_score:
        raise ValidationError(
            {"value": _("Give a score from 0 to %(max)s.") % {"max": question.max_score}}
        )
    if not (note or "").strip():
        raise ValidationError({"note": _("Say why the committee agreed on this score.")})
    consensus, _created = ConsensusScore.objects.update_or_create(
        proposal=proposal,
        question=question,
        defaults={"value": value, "note": note.strip(), "set_by": by},
    )
    audit_write(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        operation=proposal.allocation.operation,
        entity_type=ConsensusScore._meta.label_lower,
        entity_id=str(proposal.pk),
        summary=f"Consensus score set for proposal {proposal.pk}, question {question.code}",
        after={"question": question.code, "value": digest(f"{value}|{note.strip()}")},
    )
    return consensus


@transaction.atomic
def consensus_clear(*, proposal: Proposal, by: User, question: ScoreQuestion) -> None:
    proposal = _chairing(proposal, by)
    deleted, _rows = ConsensusScore.objects.filter(proposal=proposal, question=question).delete()
    if deleted:
        audit_write(
            actor=by,
            action=AuditEntry.Action.DELETE,
            operation=proposal.allocation.operation,
            entity_type=ConsensusScore._meta.label_lower,
            entity_id=str(proposal.pk),
            summary=f"Consensus score cleared for proposal {proposal.pk}, question {question.code}",
        )


# --- the recommendation --------------------------------------------------------------------------


def draft_justification(
    *,
    sheet: selectors.ScoreSheet,
    rank: int,
    count: int,
    recommended: bool,
    above_line: bool,
    below_minimum: bool,
    allocation: Allocation,
) -> str:
    """A justification drafted from the scores and the reviewers' comments, for the chair to
    edit (in the chair's language)."""
    proposal = sheet.proposal
    parts = [
        _("Recommended.") if recommended else _("Not recommended."),
        _("Consensus score %(total)s/100, rank %(rank)s of %(count)s.")
        % {"total": sheet.total, "rank": rank, "count": count},
    ]
    shares = [(c.category.name, c.percent) for c in sheet.categories if c.percent is not None]
    if shares:
        best = max(shares, key=lambda item: item[1] or 0)
        worst = min(shares, key=lambda item: item[1] or 0)
        parts.append(
            _("Strongest: %(best)s (%(best_pct)s%%); weakest: %(worst)s (%(worst_pct)s%%).")
            % {
                "best": best[0],
                "best_pct": best[1],
                "worst": worst[0],
                "worst_pct": worst[1],
            }
        )
    if below_minimum:
        parts.append(
            _("Below the minimum score of %(minimum)s.") % {"minimum": allocation.min_score}
        )
    elif not above_line:
        parts.append(
            _("The USD %(amount)s requested does not fit in what is left of the envelope.")
            % {"amount": f"{proposal.requested_usd:,.0f}"}
        )
    divergences = sheet.divergences
    if divergences:
        parts.append(
            _("Reviewers diverged on %(codes)s.")
            % {"codes": ", ".join(q.question.code for q in divergences)}
        )
    comments = [f"{question.code}: {comment}" for _r, question, comment in sheet.comments()]
    if comments:
        parts.append(_("Reviewers' comments: %(comments)s") % {"comments": " ".join(comments)})
    return " ".join(str(p) for p in parts)


@transaction.atomic
def recommendation_draft(*, allocation: Allocation, by: User) -> int:
    """Rank the proposals, place the envelope's cut line and draft the recommendation and its
    justification of every proposal the user chairs (the chair; a fund manager for those the
    chair is recused from). Written justifications are kept. Returns how many were drafted."""
    if not (access.is_chair(by, allocation) or access.is_fund_manager(by, allocation)):
        raise PermissionDenied
    if allocation.status != Allocation.Status.REVIEW:
        raise ValidationError(_("The strategic review is not under way."), code="status")
    ordered, sheets, places = selectors.places_for_drafting(allocation)
    count = len(ordered)
    drafted = 0
    for rank, proposal in enumerate(ordered, start=1):
        if not access.can_chair(by, proposal):
            continue
        sheet = sheets[proposal.pk]
        if sheet.total is None:
            continue
        above, below, _cumulative = places[proposal.pk]
        proposal.rank = rank
        if proposal.recommended is None:
            proposal.recommended = above
        if not proposal.justification.strip():
            proposal.justification = draft_justification(
                sheet=sheet,
                rank=rank,
                count=count,
                recommended=bool(proposal.recommended),
                above_line=above,
                below_minimum=below,
                allocation=allocation,
            )
            proposal.justified_by = by
            proposal.justified_at = timezone.now()
            drafted += 1
        proposal.save(
            update_fields=["rank", "recommended", "justification", "justified_by", "justified_at"]
        )
    audit_write(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        instance=allocation,
        operation=allocation.operation,
        summary=f"Recommendation drafted ({drafted} justifications): {allocation.name}",
        after={"drafted": drafted},
    )
    return drafted


@transaction.atomic
def justification_save(
    *, proposal: Proposal, by: User, recommended: bool, justification: str
) -> Proposal:
    """The committee's recommendation for a proposal and why, written by the chair."""
    proposal = _chairing(proposal, by)
    justification = (justification or "").strip()
    if not justification:
        raise ValidationError(
            {"justification": _("Write why the proposal is or is not recommended.")}
        )
    proposal.recommended = recommended
    proposal.justification = justification
    proposal.justified_by = by
    proposal.justified_at = timezone.now()
    proposal.save(update_fields=["recommended", "justification", "justified_by", "justified_at"])
    audit_write(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        operation=proposal.allocation.operation,
        entity_type=Proposal._meta.label_lower,
        entity_id=str(proposal.pk),
        summary=f"Recommendation written for proposal {proposal.pk}",
        after={"recommendation": digest(f"{recommended}|{justification}")},
    )
    return proposal


@transaction.atomic
def allocation_finalise(*, allocation: Allocation, by: User) -> Allocation:
    """Send the committee's recommendation to the fund: every proposal in review has its
    consensus score, a recommendation and a written justification."""
    allocation = Allocation.objects.select_for_update().get(pk=allocation.pk)
    if allocation.status != Allocation.Status.REVIEW:
        raise ValidationError(_("The strategic review is not under way."), code="status")
    if not (access.is_chair(by, allocation) or access.is_fund_manager(by, allocation)):
        raise PermissionDenied
    ordered, sheets, _places = selectors.places_for_drafting(allocation)
    problems = []
    for proposal in ordered:
        if sheets[proposal.pk].total is None:
            problems.append(
                _("“%(title)s” has no consensus score yet.") % {"title": proposal.title}
            )
        elif proposal.recommended is None or not proposal.justification.strip():
            problems.append(
                _("“%(title)s” has no written recommendation yet.") % {"title": proposal.title}
            )
    if problems:
        raise ValidationError(problems, code="incomplete")
    for rank, proposal in enumerate(ordered, start=1):
        proposal.rank = rank
        proposal.status = (
            Proposal.Status.RECOMMENDED if proposal.recommended else Proposal.Status.NOT_RECOMMENDED
        )
        proposal.save(update_fields=["rank", "status", "updated_at"])
    allocation.status = Allocation.Status.RECOMMENDED
    allocation.recommended_at = timezone.now()
    allocation.recommended_by = by
    allocation.save(update_fields=["status", "recommended_at", "recommended_by", "updated_at"])
    audit_write(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        instance=allocation,
        operation=allocation.operation,
        summary=f"Recommendation sent to the fund: {allocation.name}",
        before={"status": Allocation.Status.REVIEW},
        after={
            "status": allocation.status,
            "recommended": sum(1 for p in ordered if p.recommended),
            "not_recommended": sum(1 for p in ordered if not p.recommended),
        },
    )
    notify(
        operation=allocation.operation,
        users=allocation.fund_managers.all(),
        kind="allocation_recommended",
        subject=lambda: (
            _("Recommendation of the review committee: %(name)s") % {"name": allocation.name}
        ),
        text=lambda: (
            _(
                "The review committee of “%(name)s” sent its recommendation. It can be downloaded "
                "from the allocation's page."
            )
            % {"name": allocation.name}
        ),
    )
    return allocation
