"""The course catalogue: courses, their materials (files kept through Django's storage API) and
the question bank their pre/post tests draw from."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Course(models.Model):
    class Topic(models.TextChoices):
        MAINSTREAMING = "mainstreaming", _("Protection mainstreaming")
        PRINCIPLES = "principles", _("Protection principles and humanitarian law")
        CASE_MANAGEMENT = "case_management", _("Case management")
        GBV = "gbv", _("Gender-based violence")
        CHILD_PROTECTION = "child_protection", _("Child protection")
        MONITORING = "monitoring", _("Protection monitoring")
        PSEA = "psea", _("Protection from sexual exploitation and abuse")
        HLP = "hlp", _("Housing, land and property")
        MINE_ACTION = "mine_action", _("Mine action and explosive ordnance risk education")
        INFORMATION_MANAGEMENT = "im", _("Information management")
        COORDINATION = "coordination", _("Coordination")
        OTHER = "other", _("Other")

    class Audience(models.TextChoices):
        PARTNERS = "partners", _("Partner staff")
        CASEWORKERS = "caseworkers", _("Caseworkers")
        AUTHORITIES = "authorities", _("Authorities")
        COMMUNITIES = "communities", _("Community members")
        MIXED = "mixed", _("Mixed audience")

    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="+")
    code = models.CharField(_("code"), max_length=30, blank=True)
    title = models.CharField(_("title"), max_length=200)
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices)
    audience = models.CharField(
        _("audience"), max_length=12, choices=Audience.choices, default=Audience.PARTNERS
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    duration_days = models.PositiveSmallIntegerField(
        _("duration (days)"), default=1, validators=[MinValueValidator(1), MaxValueValidator(30)]
    )
    description = models.TextField(_("description"), blank=True)
    # Percentage of correct answers from which a participant's knowledge is adequate.
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (%)"), default=70, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "id"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        constraints = [
            models.UniqueConstraint(fields=["operation", "title"], name="course_unique_title"),
            models.CheckConstraint(
                condition=models.Q(pass_mark__gte=1, pass_mark__lte=100), name="course_pass_mark"
            ),
        ]

    def __str__(self) -> str:
        return self.title


def material_path(instance: CourseMaterial, filename: str) -> str:
    # The stored name never comes from the user (it may hold anything); the original name is
    # kept in `original_name` for the download.
    import secrets

    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"capacity/materials/{instance.course_id}/{secrets.token_hex(12)}.{suffix[:8]}"


class CourseMaterial(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="materials")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=material_path, max_length=300)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["course_id", "title", "id"]
        verbose_name = _("course material")
        verbose_name_plural = _("course materials")

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    """A question of a course's bank. A question that has been answered cannot be changed (the
    scores already given would no longer mean what they meant); it can be retired."""

    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        TRUE_FALSE = "true_false", _("True / false")

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="questions")
    text = models.TextField(_("question"), max_length=1000)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["course_id", "order", "id"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return self.text[:80]


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    text = models.CharField(_("answer"), max_length=300)
    is_correct = models.BooleanField(_("correct"), default=False)
    order = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["question_id", "order", "id"]
        verbose_name = _("answer choice")
        verbose_name_plural = _("answer choices")

    def __str__(self) -> str:
        return self.text
