"""The CCPM questionnaire of an operation: seeding the standard structure and editing it.

Managers (coordinator, information management officer) edit it. A question asked in a launched
round keeps its wording and scale (the answers already given would change meaning); it can be
retired and replaced.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tutela.capacity import access as capacity_access
from tutela.capacity.ccpm_questionnaire import STRUCTURE
from tutela.capacity.models import CcpmFunction, CcpmQuestion, CcpmRound, CcpmSubFunction
from tutela.capacity.models.ccpm import Audience, Scale
from tutela.core.models import AuditEntry, Operation, User
from tutela.core.services.audit import audit_create, audit_update, audit_write, snapshot

NAME_FIELDS = ("name_en", "name_fr", "name_es")


def _require_manager(by: User | None, operation: Operation) -> None:
    capacity_access.require(by is not None and capacity_access.can_manage_ccpm(by, operation))


def ccpm_structure_seed(*, operation: Operation, by: User | None = None) -> int:
    """Create the standard questionnaire when the operation has none; returns the number of
    questions created (0 when it already had a questionnaire)."""
    if CcpmFunction.objects.filter(operation=operation).exists():
        return 0
    created = 0
    with transaction.atomic():
        for f_order, (code, en, fr, es, subs) in enumerate(STRUCTURE, start=1):
            function = CcpmFunction.objects.create(
                operation=operation, code=code, order=f_order, name_en=en, name_fr=fr, name_es=es
            )
            for s_order, (s_code, s_en, s_fr, s_es, questions) in enumerate(subs, start=1):
                sub = CcpmSubFunction.objects.create(
                    function=function,
                    code=s_code,
                    order=s_order,
                    name_en=s_en,
                    name_fr=s_fr,
                    name_es=s_es,
                )
                CcpmQuestion.objects.bulk_create(
                    CcpmQuestion(
                        subfunction=sub,
                        audience=audience,
                        scale=scale,
                        order=q_order,
                        name_en=q_en,
                        name_fr=q_fr,
                        name_es=q_es,
                    )
                    for q_order, (audience, scale, q_en, q_fr, q_es) in enumerate(
                        questions, start=1
                    )
                )
                created += len(questions)
        audit_write(
            actor=by,
            action=AuditEntry.Action.CREATE,
            operation=operation,
            entity_type="capacity.ccpmfunction",
            summary=_("Standard CCPM questionnaire loaded (%(n)s questions)") % {"n": created},
        )
    return created


@transaction.atomic
def ccpm_structure_load(*, operation: Operation, by: User) -> int:
    """A manager loads the standard questionnaire (for an operation created before it)."""
    _require_manager(by, operation)
    created = ccpm_structure_seed(operation=operation, by=by)
    if not created:
        raise ValidationError(_("This operation already has a CCPM questionnaire."))
    return created


def question_is_locked(question: CcpmQuestion) -> bool:
    return question.rounds.exclude(status=CcpmRound.Status.DRAFT).exists()


def _names(fields: dict[str, Any]) -> dict[str, str]:
    names = {name: (fields.get(name) or "").strip() for name in NAME_FIELDS}
    if not names["name_en"] or not names["name_fr"]:
        raise ValidationError({"name_en": _("Give the wording in English and in French.")})
    return names


@transaction.atomic
def ccpm_question_create(
    *, subfunction: CcpmSubFunction, by: User, audience: str, scale: str, **names: Any
) -> CcpmQuestion:
    operation = subfunction.function.operation
    _require_manager(by, operation)
    if audience not in Audience.values or scale not in Scale.values:
        raise ValidationError(_("Unknown audience or scale."))
    order = subfunction.questions.count() + 1
    question = CcpmQuestion(
        subfunction=subfunction, audience=audience, scale=scale, order=order, **_names(names)
    )
    question.full_clean()
    question.save()
    audit_create(actor=by, instance=question, operation=operation)
    return question


@transaction.atomic
def ccpm_question_update(
    *, question: CcpmQuestion, by: User, audience: str, scale: str, **names: Any
) -> CcpmQuestion:
    operation = question.subfunction.function.operation
    _require_manager(by, operation)
    if question_is_locked(question):
        raise ValidationError(
            _(
                "This question was asked in a launched round: it cannot be changed. Retire it "
                "and add a new one."
            )
        )
    before = snapshot(question)
    question.audience = audience
    question.scale = scale
    for name, value in _names(names).items():
        setattr(question, name, value)
    question.full_clean()
    question.save()
    audit_update(actor=by, instance=question, operation=operation, before=before)
    return question


@transaction.atomic
def ccpm_question_set_active(*, question: CcpmQuestion, by: User, active: bool) -> CcpmQuestion:
    operation = question.subfunction.function.operation
    _require_manager(by, operation)
    before = snapshot(question)
    question.is_active = active
    question.save(update_fields=["is_active", "updated_at"])
    audit_update(actor=by, instance=question, operation=operation, before=before)
    return question


@transaction.atomic
def ccpm_subfunction_create(
    *, function: CcpmFunction, by: User, code: str, **names: Any
) -> CcpmSubFunction:
    operation = function.operation
    _require_manager(by, operation)
    code = (code or "").strip()
    if not code or function.subs.filter(code=code).exists():
        raise ValidationError({"code": _("Give a code not used in this function yet.")})
    sub = CcpmSubFunction(
        function=function, code=code, order=function.subs.count() + 1, **_names(names)
    )
    sub.full_clean()
    sub.save()
    audit_create(actor=by, instance=sub, operation=operation)
    return sub


@transaction.atomic
def ccpm_subfunction_update(*, sub: CcpmSubFunction, by: User, **names: Any) -> CcpmSubFunction:
    operation = sub.function.operation
    _require_manager(by, operation)
    before = snapshot(sub)
    for name, value in _names(names).items():
        setattr(sub, name, value)
    sub.full_clean()
    sub.save()
    audit_update(actor=by, instance=sub, operation=operation, before=before)
    return sub
