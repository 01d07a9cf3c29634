"""The strategic review of an allocation's proposals by the cluster's review committee.

- The scorecard (categories with weights, questions with their maximum score) is fixed and locked
  before anyone scores.
- Each reviewer declares, for each proposal, whether they have a conflict of interest; they are
  recused automatically from the proposals of their own organisation and of the organisations
  they declare ties with (partners, sub-grantees). Recusal is computed from these records every
  time it is needed (tutela.planning.access), never stored, so it cannot fall out of date.
- Each reviewer scores each proposal they are not recused from; the committee agrees a consensus
  score per question (by default the reviewers' mean).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tutela.core.models.reference import Localised


class Reviewer(models.Model):
    """A member of the allocation's review committee."""

    allocation = models.ForeignKey(
        "planning.Allocation", on_delete=models.CASCADE, related_name="reviewers"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The organisation the reviewer belongs to when appointed (recusal also looks at the
    # user's organisation now, should it change).
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["allocation", "user__full_name", "id"]
        verbose_name = _("reviewer")
        verbose_name_plural = _("reviewers")
        constraints = [
            models.UniqueConstraint(fields=["allocation", "user"], name="reviewer_unique_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.allocation_id}"


class ReviewerTie(models.Model):
    """An organisation a reviewer declares ties with: they are recused from its proposals."""

    class Relation(models.TextChoices):
        PARTNER = "partner", _("Partner of my organisation")
        SUB_GRANTEE = "sub_grantee", _("Sub-grantee of my organisation")
        PERSONAL = "personal", _("Personal or family tie")
        OTHER = "other", _("Other tie")

    reviewer = models.ForeignKey(Reviewer, on_delete=models.CASCADE, related_name="ties")
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    relation = models.CharField(_("relation"), max_length=12, choices=Relation.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["reviewer", "organisation__acronym"]
        verbose_name = _("declared tie")
        verbose_name_plural = _("declared ties")
        constraints = [
            models.UniqueConstraint(fields=["reviewer", "organisation"], name="tie_unique_org"),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer_id} {self.organisation_id} {self.relation}"


class ConflictDeclaration(models.Model):
    """A reviewer's declaration for one proposal, required before scoring it."""

    reviewer = models.ForeignKey(Reviewer, on_delete=models.CASCADE, related_name="declarations")
    proposal = models.ForeignKey(
        "planning.Proposal", on_delete=models.CASCADE, related_name="declarations"
    )
    has_conflict = models.BooleanField(_("I have a conflict of interest"))
    statement = models.TextField(_("statement"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["reviewer", "proposal"]
        verbose_name = _("conflict-of-interest declaration")
        verbose_name_plural = _("conflict-of-interest declarations")
        constraints = [
            models.UniqueConstraint(
                fields=["reviewer", "proposal"], name="declaration_unique_proposal"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer_id} {self.proposal_id} {self.has_conflict}"


class Scorecard(models.Model):
    """The allocation's scorecard; locked (for good) before scoring starts."""

    allocation = models.OneToOneField(
        "planning.Allocation", on_delete=models.CASCADE, related_name="scorecard"
    )
    locked_at = models.DateTimeField(null=True, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["allocation"]
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")

    def __str__(self) -> str:
        return f"Scorecard of {self.allocation_id}"

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None


class ScoreCategory(Localised):
    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="categories")
    code = models.CharField(_("code"), max_length=20)
    # Share of the total score, in percent; the categories add up to 100 when locked.
    weight = models.DecimalField(_("weight (%)"), max_digits=5, decimal_places=2)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["scorecard", "order", "code"]
        verbose_name = _("scorecard category")
        verbose_name_plural = _("scorecard categories")
        constraints = [
            models.UniqueConstraint(fields=["scorecard", "code"], name="scorecategory_unique"),
            models.CheckConstraint(
                condition=models.Q(weight__gte=0, weight__lte=100), name="scorecategory_weight"
            ),
        ]


class ScoreQuestion(Localised):
    category = models.ForeignKey(ScoreCategory, on_delete=models.CASCADE, related_name="questions")
    code = models.CharField(_("code"), max_length=20)
    guidance = models.TextField(_("guidance for reviewers"), blank=True)
    # Answers go from 0 to this.
    max_score = models.PositiveSmallIntegerField(_("highest score"), default=5)
    # Relative weight among the category's questions.
    weight = models.DecimalField(_("weight in its category"), max_digits=5, decimal_places=2)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category", "order", "code"]
        verbose_name = _("scorecard question")
        verbose_name_plural = _("scorecard questions")
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="scorequestion_unique"),
            models.CheckConstraint(condition=models.Q(max_score__gte=1), name="question_max_1"),
            models.CheckConstraint(condition=models.Q(weight__gt=0), name="question_weight_pos"),
        ]


class Score(models.Model):
    """One reviewer's score of one proposal on one question."""

    reviewer = models.ForeignKey(Reviewer, on_delete=models.CASCADE, related_name="scores")
    proposal = models.ForeignKey("planning.Proposal", on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(ScoreQuestion, on_delete=models.PROTECT, related_name="+")
    value = models.PositiveSmallIntegerField(_("score"))
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["proposal", "question", "reviewer"]
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(
                fields=["reviewer", "proposal", "question"], name="score_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"score {self.pk}"


class ConsensusScore(models.Model):
    """The committee's agreed score of a proposal on a question, where it differs from the
    reviewers' mean (after discussing a divergence)."""

    proposal = models.ForeignKey("planning.Proposal", on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(ScoreQuestion, on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(_("consensus score"), max_digits=5, decimal_places=2)
    note = models.TextField(_("why"), blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["proposal", "question"]
        verbose_name = _("consensus score")
        verbose_name_plural = _("consensus scores")
        constraints = [
            models.UniqueConstraint(fields=["proposal", "question"], name="consensus_unique"),
            models.CheckConstraint(condition=models.Q(value__gte=0), name="consensus_not_negative"),
        ]

    def __str__(self) -> str:
        return f"consensus {self.pk}"
