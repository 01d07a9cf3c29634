"""The cluster coordination performance monitoring (CCPM) survey.

The questionnaire (functions, sub-functions, questions for partners and for the coordination
team) is kept per operation and can be edited. A round sends partners anonymous links; their
answers are stored so that nobody can tell whose they are:

- `CcpmLink` is an invitation (an organisation, or one person of it, for one body). It holds the
  SHA-256 of its token and a "has answered" mark, nothing else about the answer, and no time of
  answering (the model has no `updated_at`, on purpose).
- `CcpmPendingAnswer` holds answers received and not yet released: no link, no organisation, no
  time, a random id.
- `CcpmResponse` / `CcpmAnswer` are the released answers: no link, organisation, person or time;
  a random id; the batch they were released in. Answers are released in shuffled batches of at
  least the round's minimum (and the rest when the round closes), so that neither the order nor
  the moment of release can be tied to who answered when.
- The coordination team's own questionnaire is not anonymous by nature (it is the team's
  self-assessment); it is stored as a response with the audience "coordinator".
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from tutela.core.models import Localised


class Audience(models.TextChoices):
    PARTNER = "partner", _("Partners")
    COORDINATOR = "coordinator", _("Coordination team")


class Scale(models.TextChoices):
    YES_NO = "yes_no", _("Yes / no / don't know")
    FREQUENCY = "frequency", _("Never / rarely / fairly often / very regularly")


class CcpmFunction(Localised):
    """A core cluster function (1-6) or accountability to affected people (7)."""

    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="+")
    code = models.CharField(_("code"), max_length=10)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("core function")
        verbose_name_plural = _("core functions")
        constraints = [
            models.UniqueConstraint(fields=["operation", "code"], name="ccpm_function_unique_code")
        ]


class CcpmSubFunction(Localised):
    function = models.ForeignKey(CcpmFunction, on_delete=models.CASCADE, related_name="subs")
    code = models.CharField(_("code"), max_length=10)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["function_id", "order", "code"]
        verbose_name = _("sub-function")
        verbose_name_plural = _("sub-functions")
        constraints = [
            models.UniqueConstraint(fields=["function", "code"], name="ccpm_sub_unique_code")
        ]


class CcpmQuestion(Localised):
    """A question (its wording in `name_en`, `name_fr`, `name_es`). A question asked in a
    launched round keeps its wording; it can be retired."""

    subfunction = models.ForeignKey(
        CcpmSubFunction, on_delete=models.CASCADE, related_name="questions"
    )
    audience = models.CharField(_("asked to"), max_length=12, choices=Audience.choices)
    scale = models.CharField(_("answer scale"), max_length=10, choices=Scale.choices)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["subfunction_id", "audience", "order", "id"]
        verbose_name = _("CCPM question")
        verbose_name_plural = _("CCPM questions")


class CcpmRound(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    class LinkMode(models.TextChoices):
        ORGANISATION = "organisation", _("One link per organisation")
        PERSON = "person", _("One link per person")

    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    bodies = models.ManyToManyField(
        "core.Body", related_name="+", verbose_name=_("bodies evaluated")
    )
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    # Results of a body are shown only with at least this many partner answers.
    minimum_responses = models.PositiveSmallIntegerField(
        _("minimum number of answers"), default=5, validators=[MinValueValidator(3)]
    )
    link_mode = models.CharField(
        _("links"), max_length=12, choices=LinkMode.choices, default=LinkMode.ORGANISATION
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    reminder_days = models.PositiveSmallIntegerField(_("reminder, days before closing"), default=3)
    questions = models.ManyToManyField(CcpmQuestion, blank=True, related_name="rounds")
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.DRAFT
    )
    launched_at = models.DateTimeField(null=True, blank=True)
    reminded_on = models.DateField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    released_batches = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-closes_on", "-id"]
        verbose_name = _("CCPM round")
        verbose_name_plural = _("CCPM rounds")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_on__gte=models.F("opens_on")), name="ccpm_round_dates"
            ),
            models.CheckConstraint(
                condition=models.Q(minimum_responses__gte=3), name="ccpm_round_minimum"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class CcpmLink(models.Model):
    """An invitation to answer for one body. It says whether it was used, never how or when
    (no `updated_at` on purpose: the moment of answering would tie the mark to a batch)."""

    round = models.ForeignKey(CcpmRound, on_delete=models.CASCADE, related_name="links")
    body = models.ForeignKey("core.Body", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    contact = models.ForeignKey(
        "core.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    has_answered = models.BooleanField(default=False)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["round_id", "body_id", "organisation_id", "id"]
        verbose_name = _("CCPM link")
        verbose_name_plural = _("CCPM links")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "body", "organisation", "contact"],
                condition=models.Q(contact__isnull=False),
                name="ccpm_link_unique_person",
            ),
            models.UniqueConstraint(
                fields=["round", "body", "organisation"],
                condition=models.Q(contact__isnull=True),
                name="ccpm_link_unique_organisation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round_id}:{self.body_id}:{self.organisation_id}"


class CcpmPendingAnswer(models.Model):
    """Answers received and not yet released. No link, organisation or time (see the module
    docstring), a random id."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(CcpmRound, on_delete=models.CASCADE, related_name="+")
    body = models.ForeignKey("core.Body", on_delete=models.PROTECT, related_name="+")
    # {question id: choice}
    answers = models.JSONField()

    class Meta:
        ordering = ["id"]
        verbose_name = _("pending CCPM answer")
        verbose_name_plural = _("pending CCPM answers")

    def __str__(self) -> str:
        return str(self.id)


class CcpmResponse(models.Model):
    """One respondent's released answers. Nothing here says who answered or when."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(CcpmRound, on_delete=models.CASCADE, related_name="responses")
    body = models.ForeignKey("core.Body", on_delete=models.PROTECT, related_name="+")
    audience = models.CharField(max_length=12, choices=Audience.choices)
    batch = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["round_id", "body_id", "id"]
        verbose_name = _("CCPM response")
        verbose_name_plural = _("CCPM responses")

    def __str__(self) -> str:
        return str(self.id)


class CcpmAnswer(models.Model):
    response = models.ForeignKey(CcpmResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(CcpmQuestion, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(max_length=16)
    # 0-1; empty for "don't know" (left out of the medians).
    score = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)

    class Meta:
        ordering = ["response_id", "question_id"]
        verbose_name = _("CCPM answer")
        verbose_name_plural = _("CCPM answers")
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="ccpm_answer_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.question_id}={self.choice}"


class CcpmActionItem(models.Model):
    """An item of the action plan agreed after a round. It becomes an action point of the
    coordination workspace (`action_point_id`), where it is followed up; the id is kept as a
    plain number so that this app depends on core only."""

    round = models.ForeignKey(CcpmRound, on_delete=models.CASCADE, related_name="action_items")
    body = models.ForeignKey(
        "core.Body", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    subfunction = models.ForeignKey(
        CcpmSubFunction,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sub-function"),
    )
    action = models.CharField(_("action"), max_length=500)
    owner_organisation = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner organisation"),
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    action_point_id = models.PositiveBigIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["round_id", "id"]
        verbose_name = _("action plan item")
        verbose_name_plural = _("action plan items")

    def __str__(self) -> str:
        return self.action
