"""The scorecard of an allocation's strategic review: seeded from the CBPF template, its categories
and questions editable until it is locked; and the keyed digest that stands for a score-bearing
value in the audit log.
"""

from __future__ import annotations

import hashlib
import hmac
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tutela.core.models import AuditEntry, User
from tutela.core.services.audit import audit_create, audit_update, audit_write, snapshot
from tutela.planning import access
from tutela.planning.models import (
    Allocation,
    Scorecard,
    ScoreCategory,
    ScoreQuestion,
)
from tutela.planning.selectors import reviews as selectors


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
