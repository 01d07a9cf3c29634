"""Knowledge tests of a session (pre-test, post-test, the follow-up some months later), each
participant's attempt and answers, and certificates.

An online test sends each participant a link carrying a secret token; only its SHA-256 is kept
(`Attempt.token_hash`), as for alert acknowledgements. A paper test is marked by the trainers and
only its score is entered.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class KnowledgeTest(models.Model):
    class Kind(models.TextChoices):
        PRE = "pre", _("Pre-test")
        POST = "post", _("Post-test")
        FOLLOW_UP = "follow_up", _("Follow-up survey")

    class Mode(models.TextChoices):
        PAPER = "paper", _("On paper (score entry)")
        ONLINE = "online", _("Online (a link per participant)")

    session = models.ForeignKey(
        "capacity.TrainingSession", on_delete=models.CASCADE, related_name="tests"
    )
    kind = models.CharField(_("test"), max_length=10, choices=Kind.choices)
    mode = models.CharField(_("mode"), max_length=6, choices=Mode.choices)
    # The questions asked (online), fixed when the test is created.
    questions = models.ManyToManyField(
        "capacity.Question", blank=True, related_name="tests", verbose_name=_("questions")
    )
    # The highest score of a paper test (e.g. 20 points).
    max_score = models.PositiveSmallIntegerField(_("maximum score"), null=True, blank=True)
    # Follow-up surveys are e-mailed on this day by the scheduler.
    send_on = models.DateField(_("send on"), null=True, blank=True)
    links_sent_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(_("links valid until"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["session_id", "kind"]
        verbose_name = _("knowledge test")
        verbose_name_plural = _("knowledge tests")
        constraints = [
            models.UniqueConstraint(fields=["session", "kind"], name="test_unique_kind"),
            models.CheckConstraint(
                condition=~models.Q(kind="follow_up") | models.Q(mode="online"),
                name="test_follow_up_online",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.session_id}"


class Attempt(models.Model):
    """A participant's test: invited (online link sent), then answered (online) or scored
    (paper)."""

    class UseOnJob(models.TextChoices):
        NEVER = "never", _("Never")
        SOMETIMES = "sometimes", _("Sometimes")
        OFTEN = "often", _("Often")
        DAILY = "daily", _("Every day or nearly")

    test = models.ForeignKey(KnowledgeTest, on_delete=models.CASCADE, related_name="attempts")
    registration = models.ForeignKey(
        "capacity.Registration", on_delete=models.CASCADE, related_name="attempts"
    )
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    invited_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # Online: questions right and asked. Paper: points and the test's maximum.
    points = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    out_of = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    score = models.DecimalField(
        _("score (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    # Follow-up survey: how the person uses what was learnt.
    use_on_job = models.CharField(
        _("use on the job"), max_length=10, choices=UseOnJob.choices, blank=True
    )
    shared_with_colleagues = models.BooleanField(_("shared with colleagues"), null=True)
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["test_id", "registration_id"]
        verbose_name = _("test attempt")
        verbose_name_plural = _("test attempts")
        constraints = [
            models.UniqueConstraint(fields=["test", "registration"], name="attempt_unique"),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=0, score__lte=100),
                name="attempt_score_percent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.test_id} / {self.registration_id}"


class AttemptAnswer(models.Model):
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(
        "capacity.Question", on_delete=models.PROTECT, related_name="answers"
    )
    # Ids of the choices ticked.
    selected = models.JSONField(default=list)
    is_correct = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["attempt_id", "question_id"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["attempt", "question"], name="attempt_answer_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id}:{self.question_id}"


class Certificate(models.Model):
    """A certificate of attendance (and of the post-test passed, when the session had one). The
    code is printed on it; the public verification page checks it."""

    registration = models.OneToOneField(
        "capacity.Registration", on_delete=models.PROTECT, related_name="certificate"
    )
    code = models.CharField(_("verification code"), max_length=20, unique=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-issued_at", "id"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")

    def __str__(self) -> str:
        return self.code


class VerificationWindow(models.Model):
    """How many certificate checks one client address made in one minute (the public page is
    rate-limited). The address is kept only as a keyed digest; windows are purged daily."""

    client = models.CharField(max_length=64)
    window = models.DateTimeField()
    hits = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-window"]
        verbose_name = _("verification window")
        verbose_name_plural = _("verification windows")
        constraints = [
            models.UniqueConstraint(fields=["client", "window"], name="verification_window_unique")
        ]

    def __str__(self) -> str:
        return f"{self.client[:8]} {self.window:%H:%M}"
