"""Course catalogue pages: the list, a course with its materials and question bank, and the
forms that change them (training managers; everyone with a role reads)."""

from __future__ import annotations

from functools import partial

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tutela.capacity import access as capacity_access
from tutela.capacity.forms.trainings import CourseForm, MaterialForm, QuestionForm
from tutela.capacity.models import Course, CourseMaterial, Question
from tutela.capacity.selectors import trainings as selectors
from tutela.capacity.services import courses as services
from tutela.capacity.views.common import button, capacity_page
from tutela.core.models import Operation
from tutela.core.views.common import current_user as _user
from tutela.core.views.common import download, form_saved
from tutela.core.views.common import operation_for as _operation


def _course_url(slug: str, course: Course) -> str:
    return reverse("capacity:course_detail", args=[slug, course.pk])


def _managed(request: HttpRequest, slug: str) -> Operation:
    operation = _operation(request, slug)
    if not capacity_access.can_manage_trainings(_user(request), operation):
        raise PermissionDenied
    return operation


def _managed_course(request: HttpRequest, slug: str, pk: int) -> tuple[Operation, Course]:
    operation = _operation(request, slug)
    course = capacity_access.course_get(_user(request), operation, pk)
    if not capacity_access.can_manage_trainings(_user(request), operation):
        raise PermissionDenied
    return operation, course


@login_required
@require_GET
def courses(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _operation(request, slug)
    manager = capacity_access.can_manage_trainings(_user(request), operation)
    listed = selectors.course_list(operation, active_only=not manager)
    return capacity_page(request, "capacity/course_list.html", operation, courses=listed)


@login_required
@require_http_methods(["GET", "POST"])
def course_create(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _managed(request, slug)
    form = CourseForm(
        request.POST or None,
        initial={"language": operation.default_language, "duration_days": 1, "is_active": True},
    )
    saved = form_saved(
        request,
        form,
        lambda: services.course_create(operation=operation, by=_user(request), **form.cleaned_data),
        _("Course saved."),
    )
    if saved is not None:
        return redirect(_course_url(slug, saved.value))
    return capacity_page(request, "capacity/course_form.html", operation, form=form)


@login_required
@require_http_methods(["GET", "POST"])
def course_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation, course = _managed_course(request, slug, pk)
    form = CourseForm(request.POST or None, initial=CourseForm.initial_for(course))
    saved = form_saved(
        request,
        form,
        lambda: services.course_update(course=course, by=_user(request), **form.cleaned_data),
        _("Course saved."),
    )
    if saved is not None:
        return redirect(_course_url(slug, course))
    return capacity_page(request, "capacity/course_form.html", operation, form=form, course=course)


@login_required
@require_GET
def course_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation = _operation(request, slug)
    course = capacity_access.course_get(_user(request), operation, pk)
    manager = capacity_access.can_manage_trainings(_user(request), operation)
    return capacity_page(
        request,
        "capacity/course_detail.html",
        operation,
        course=course,
        materials=list(course.materials.all()),
        questions=selectors.course_questions(course) if manager else [],
        sessions=list(selectors.session_list(operation, course=course)[:20]),
        material_form=MaterialForm() if manager else None,
    )


# --- Materials ----------------------------------------------------------------------------------


@login_required
@require_POST
def material_upload(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation, course = _managed_course(request, slug, pk)
    form = MaterialForm(request.POST, request.FILES)
    saved = form_saved(
        request,
        form,
        lambda: services.material_add(
            course=course,
            by=_user(request),
            title=form.cleaned_data["title"],
            file=form.cleaned_data["file"],
        ),
        _("File added."),
    )
    if saved is not None:
        return redirect(_course_url(slug, course))
    return capacity_page(
        request,
        "capacity/course_detail.html",
        operation,
        course=course,
        materials=list(course.materials.all()),
        questions=selectors.course_questions(course),
        sessions=[],
        material_form=form,
    )


def _material(request: HttpRequest, slug: str, pk: int, material: int) -> CourseMaterial:
    operation = _operation(request, slug)
    course = capacity_access.course_get(_user(request), operation, pk)
    try:
        return course.materials.select_related("course__operation").get(pk=material)
    except CourseMaterial.DoesNotExist:
        raise Http404 from None


@login_required
@require_GET
def material_download(request: HttpRequest, slug: str, pk: int, material: int) -> HttpResponse:
    found = _material(request, slug, pk, material)
    try:
        with found.file.open("rb") as handle:
            content = handle.read()
    except FileNotFoundError:
        raise Http404 from None
    return download(content, found.original_name or found.file.name, found.content_type)


@login_required
@require_POST
def material_delete(request: HttpRequest, slug: str, pk: int, material: int) -> HttpResponse:
    found = _material(request, slug, pk, material)
    if not capacity_access.can_manage_trainings(_user(request), found.course.operation):
        raise PermissionDenied
    return button(
        request,
        lambda: services.material_remove(material=found, by=_user(request)),
        success=_("File removed."),
        then=_course_url(slug, found.course),
    )


# --- Question bank ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def question_create(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation, course = _managed_course(request, slug, pk)
    form = QuestionForm(request.POST or None, initial={"kind": Question.Kind.SINGLE})
    saved = form_saved(
        request,
        form,
        lambda: services.question_create(
            course=course, by=_user(request), **form.service_arguments()
        ),
        _("Question saved."),
    )
    if saved is not None:
        return redirect(_course_url(slug, course) + "#questions")
    return capacity_page(
        request, "capacity/question_form.html", operation, form=form, course=course
    )


def _question(course: Course, question: int) -> Question:
    try:
        return course.questions.get(pk=question)
    except Question.DoesNotExist:
        raise Http404 from None


@login_required
@require_http_methods(["GET", "POST"])
def question_edit(request: HttpRequest, slug: str, pk: int, question: int) -> HttpResponse:
    operation, course = _managed_course(request, slug, pk)
    found = _question(course, question)
    locked = services.question_is_locked(found)
    form = QuestionForm(request.POST or None, initial=QuestionForm.initial_for(found))
    update = partial(services.question_update, question=found, by=_user(request))
    saved = form_saved(
        request, form, lambda: update(**form.service_arguments()), _("Question saved.")
    )
    if saved is not None:
        return redirect(_course_url(slug, course) + "#questions")
    return capacity_page(
        request,
        "capacity/question_form.html",
        operation,
        form=form,
        course=course,
        question=found,
        locked=locked,
    )


@login_required
@require_POST
def question_toggle(request: HttpRequest, slug: str, pk: int, question: int) -> HttpResponse:
    _operation_found, course = _managed_course(request, slug, pk)
    found = _question(course, question)
    active = not found.is_active
    return button(
        request,
        lambda: services.question_set_active(question=found, by=_user(request), active=active),
        success=_("Question brought back.") if active else _("Question retired."),
        then=_course_url(slug, course) + "#questions",
    )
