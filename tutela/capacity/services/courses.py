"""The course catalogue: courses, their materials and their question bank. Training managers
write (see tutela.capacity.access); every write is audited."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from tutela.capacity import access as capacity_access
from tutela.capacity.models import AttemptAnswer, Choice, Course, CourseMaterial, Question
from tutela.core.models import AuditEntry, Operation, User
from tutela.core.services.audit import audit_create, audit_update, audit_write, snapshot
from tutela.core.upload_checks import upload_check, upload_types

COURSE_FIELDS = frozenset(
    {
        "code",
        "title",
        "topic",
        "audience",
        "language",
        "duration_days",
        "description",
        "pass_mark",
        "is_active",
    }
)
# Course materials: documents, presentations, spreadsheets, pictures; 25 MB at most.
MATERIAL_MAX_BYTES = 25 * 1024 * 1024
MATERIAL_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odt": "application/vnd.oasis.opendocument.text",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "txt": "text/plain",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "mp3": "audio/mpeg",
    "mp4": "video/mp4",
}
MAX_CHOICES = 8


def _require_manager(by: User, operation: Operation) -> None:
    capacity_access.require(capacity_access.can_manage_trainings(by, operation))


def _clean_text(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


# --- Courses ------------------------------------------------------------------------------------


def _check_unique_title(course: Course) -> None:
    clash = Course.objects.filter(operation=course.operation, title__iexact=course.title)
    if course.pk:
        clash = clash.exclude(pk=course.pk)
    if clash.exists():
        raise ValidationError({"title": _("A course with this title already exists.")})


@transaction.atomic
def course_create(*, operation: Operation, by: User, **fields: Any) -> Course:
    unknown = set(fields) - COURSE_FIELDS
    if unknown:
        raise TypeError(f"course_create() got unknown field(s): {sorted(unknown)}")
    _require_manager(by, operation)
    course = Course(
        operation=operation,
        created_by=by,
        **{key: _clean_text(value) for key, value in fields.items()},
    )
    course.full_clean(validate_unique=False, validate_constraints=False)
    _check_unique_title(course)
    course.save()
    audit_create(actor=by, instance=course, operation=operation)
    return course


@transaction.atomic
def course_update(*, course: Course, by: User, **fields: Any) -> Course:
    unknown = set(fields) - COURSE_FIELDS
    if unknown:
        raise TypeError(f"course_update() got unknown field(s): {sorted(unknown)}")
    _require_manager(by, course.operation)
    before = snapshot(course)
    for name, value in fields.items():
        setattr(course, name, _clean_text(value))
    course.full_clean(validate_unique=False, validate_constraints=False)
    _check_unique_title(course)
    course.save()
    audit_update(actor=by, instance=course, operation=course.operation, before=before)
    return course


# --- Materials ----------------------------------------------------------------------------------


def _check_material(upload: UploadedFile) -> tuple[str, str]:
    """(extension, MIME type) of an acceptable upload; ValidationError otherwise."""
    extension = upload_check(
        upload,
        types=upload_types(*MATERIAL_TYPES),
        max_bytes=MATERIAL_MAX_BYTES,
    )
    return extension, MATERIAL_TYPES[extension]


@transaction.atomic
def material_add(*, course: Course, by: User, title: str, file: UploadedFile) -> CourseMaterial:
    """Keep a file of the course through Django's storage (the server's disk or any storage the
    deployment configures)."""
    _require_manager(by, course.operation)
    _extension, content_type = _check_material(file)
    title = (title or "").strip() or (file.name or "")[:200]
    material = CourseMaterial(
        course=course,
        title=title[:200],
        original_name=(file.name or "")[:255],
        content_type=content_type,
        size=file.size or 0,
        uploaded_by=by,
    )
    material.file.save(file.name or "material", file, save=False)
    try:
        material.full_clean()
        material.save()
    except Exception:
        # Nothing is left behind in storage when the record cannot be saved.
        material.file.delete(save=False)
        raise
    audit_write(
        actor=by,
        action=AuditEntry.Action.CREATE,
        instance=material,
        operation=course.operation,
        after=_material_snapshot(material),
    )
    return material


def _material_snapshot(material: CourseMaterial) -> dict[str, Any]:
    # A FieldFile is not JSON: the audit log records the stored file's name.
    fields = ["course", "title", "original_name", "content_type", "size", "uploaded_by"]
    return {**snapshot(material, fields=fields), "file": material.file.name}


@transaction.atomic
def material_remove(*, material: CourseMaterial, by: User) -> None:
    operation = material.course.operation
    _require_manager(by, operation)
    name = material.file.name
    audit_write(
        actor=by,
        action=AuditEntry.Action.DELETE,
        instance=material,
        operation=operation,
        before=_material_snapshot(material),
    )
    storage = material.file.storage
    material.delete()
    # The file goes once the database has forgotten it (a rollback keeps both).
    if name:
        transaction.on_commit(lambda: storage.delete(name))


# --- Question bank ------------------------------------------------------------------------------


def _true_false_choices(language: str) -> list[str]:
    with translation.override(language):
        return [_("True"), _("False")]


def _check_choices(kind: str, choices: Sequence[tuple[str, bool]]) -> None:
    texts = [text for text, _correct in choices]
    correct = sum(1 for _text, is_correct in choices if is_correct)
    if kind == Question.Kind.TRUE_FALSE:
        if len(choices) != 2 or correct != 1:
            raise ValidationError({"choices": _("Say whether the statement is true or false.")})
        return
    if len(choices) < 2:
        raise ValidationError({"choices": _("Give at least two answers.")})
    if len(choices) > MAX_CHOICES:
        raise ValidationError({"choices": _("Give at most %(n)s answers.") % {"n": MAX_CHOICES}})
    if any(not text for text in texts) or len({t.lower() for t in texts}) != len(texts):
        raise ValidationError({"choices": _("Every answer must be given, and only once.")})
    if kind == Question.Kind.SINGLE and correct != 1:
        raise ValidationError({"choices": _("A single-choice question has one correct answer.")})
    if kind == Question.Kind.MULTIPLE and correct < 1:
        raise ValidationError({"choices": _("Mark at least one answer as correct.")})


def question_choices_for(
    *, kind: str, language: str, choices: Sequence[tuple[str, bool]] = (), true: bool | None = None
) -> list[tuple[str, bool]]:
    """The (text, correct) answers of a question: for true/false, made from `true`."""
    if kind == Question.Kind.TRUE_FALSE:
        if true is None:
            raise ValidationError({"choices": _("Say whether the statement is true or false.")})
        yes, no = _true_false_choices(language)
        return [(yes, bool(true)), (no, not true)]
    return [((text or "").strip(), bool(correct)) for text, correct in choices]


def question_is_locked(question: Question) -> bool:
    """Answered questions keep their wording and answers."""
    return AttemptAnswer.objects.filter(question=question).exists()


def _question_snapshot(question: Question) -> dict[str, Any]:
    data = snapshot(question)
    data["choices"] = [[c.text, c.is_correct] for c in question.choices.all()]
    return data


def _choices_write(question: Question, answers: Sequence[tuple[str, bool]]) -> None:
    """The question's choices, in the order given (a new question's, or an update's after its
    old ones are deleted)."""
    Choice.objects.bulk_create(
        Choice(question=question, text=answer, is_correct=correct, order=index)
        for index, (answer, correct) in enumerate(answers)
    )


@transaction.atomic
def question_create(
    *,
    course: Course,
    by: User,
    text: str,
    kind: str,
    choices: Sequence[tuple[str, bool]] = (),
    true: bool | None = None,
    order: int | None = None,
) -> Question:
    _require_manager(by, course.operation)
    answers = question_choices_for(kind=kind, language=course.language, choices=choices, true=true)
    _check_choices(kind, answers)
    if order is None:
        order = (course.questions.count() + 1) * 10
    question = Question(course=course, text=(text or "").strip(), kind=kind, order=order)
    question.full_clean()
    question.save()
    _choices_write(question, answers)
    audit_write(
        actor=by,
        action=AuditEntry.Action.CREATE,
        instance=question,
        operation=course.operation,
        after=_question_snapshot(question),
    )
    return question


@transaction.atomic
def question_update(
    *,
    question: Question,
    by: User,
    text: str,
    kind: str,
    choices: Sequence[tuple[str, bool]] = (),
    true: bool | None = None,
    order: int | None = None,
) -> Question:
    course = question.course
    _require_manager(by, course.operation)
    if question_is_locked(question):
        raise ValidationError(
            _(
                "This question has been answered: it cannot be changed. Retire it and write a "
                "new one."
            )
        )
    answers = question_choices_for(kind=kind, language=course.language, choices=choices, true=true)
    _check_choices(kind, answers)
    before = _question_snapshot(question)
    question.text = (text or "").strip()
    question.kind = kind
    if order is not None:
        question.order = order
    question.full_clean()
    question.save()
    question.choices.all().delete()
    _choices_write(question, answers)
    audit_write(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        instance=question,
        operation=course.operation,
        before=before,
        after=_question_snapshot(question),
    )
    return question


@transaction.atomic
def question_set_active(*, question: Question, by: User, active: bool) -> Question:
    """Retire a question (no new test asks it) or bring it back."""
    _require_manager(by, question.course.operation)
    before = snapshot(question)
    question.is_active = active
    question.save(update_fields=["is_active", "updated_at"])
    audit_update(actor=by, instance=question, operation=question.course.operation, before=before)
    return question
