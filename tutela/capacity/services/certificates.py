"""Certificates: who earns one, issuing and revoking them, the PDF (in the session's language)
and the public verification of a code.

A participant earns a certificate when they attended every day of a held session and, when the
session had a post-test, scored at least the course's pass mark in it.

The verification code is 12 random characters from an alphabet without look-alikes (60 bits):
codes cannot be guessed, and the public page is rate-limited per client address anyway
(VERIFY_PER_MINUTE). It shows the name and the course only.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tutela.capacity import access as capacity_access
from tutela.capacity.models import (
    Attempt,
    AttendanceDay,
    Certificate,
    KnowledgeTest,
    Registration,
    TrainingSession,
    VerificationWindow,
)
from tutela.core.models import User
from tutela.core.services.audit import audit_create, audit_update, snapshot

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12
VERIFY_PER_MINUTE = 10
CSS_FILE = Path(__file__).resolve().parent.parent / "templates" / "capacity" / "certificate.css"


def code_new() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def code_normalise(text: str) -> str:
    """What a person typed, as stored: upper case, groups of four, look-alikes read as meant."""
    raw = "".join(ch for ch in (text or "").upper() if ch.isalnum())
    raw = raw.replace("0", "O").replace("1", "I")
    if len(raw) != CODE_LENGTH or any(ch not in ALPHABET for ch in raw):
        return ""
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


# --- Eligibility --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Eligibility:
    registration: Registration
    days_present: int
    days: int
    post_score: float | None
    needs_post_test: bool
    pass_mark: int

    @property
    def attended_all(self) -> bool:
        return self.days_present >= self.days

    @property
    def passed(self) -> bool:
        if not self.needs_post_test:
            return True
        return self.post_score is not None and self.post_score >= self.pass_mark

    @property
    def eligible(self) -> bool:
        return self.attended_all and self.passed


def eligibility(session: TrainingSession) -> list[Eligibility]:
    """Every registered participant's standing for a certificate (three queries)."""
    registrations = list(
        session.registrations.filter(status=Registration.Status.REGISTERED).select_related(
            "participant", "participant__organisation"
        )
    )
    days = len(session.days())
    present: dict[int, int] = {}
    for registration_id in AttendanceDay.objects.filter(
        registration__session=session, present=True, day__range=(session.starts_on, session.ends_on)
    ).values_list("registration_id", flat=True):
        present[registration_id] = present.get(registration_id, 0) + 1
    post = KnowledgeTest.objects.filter(session=session, kind=KnowledgeTest.Kind.POST).first()
    scores: dict[int, float] = {}
    if post is not None:
        scores = {
            registration_id: float(score)
            for registration_id, score in Attempt.objects.filter(
                test=post, score__isnull=False
            ).values_list("registration_id", "score")
            if score is not None
        }
    return [
        Eligibility(
            registration=r,
            days_present=present.get(r.pk, 0),
            days=days,
            post_score=scores.get(r.pk),
            needs_post_test=post is not None,
            pass_mark=session.course.pass_mark,
        )
        for r in registrations
    ]


# --- Issuing ------------------------------------------------------------------------------------


@transaction.atomic
def certificates_issue(*, session: TrainingSession, by: User) -> list[Certificate]:
    """A certificate, in the session's language, for each eligible participant who has none
    yet. Returns the new certificates."""
    capacity_access.require(capacity_access.can_manage_trainings(by, session.operation))
    if session.status != TrainingSession.Status.HELD:
        raise ValidationError(_("Certificates are issued once the session is marked as held."))
    already = set(
        Certificate.objects.filter(registration__session=session).values_list(
            "registration_id", flat=True
        )
    )
    issued = []
    now = timezone.now()
    for standing in eligibility(session):
        if not standing.eligible or standing.registration.pk in already:
            continue
        for _attempt in range(5):
            try:
                with transaction.atomic():
                    certificate = Certificate.objects.create(
                        registration=standing.registration,
                        code=code_new(),
                        language=session.language,
                        issued_at=now,
                        issued_by=by,
                    )
                break
            except IntegrityError:
                # A code already taken (one chance in 2^60): draw again.
                continue
        else:  # pragma: no cover - would need five collisions in a row
            raise RuntimeError("could not draw a free certificate code")
        audit_create(actor=by, instance=certificate, operation=session.operation)
        issued.append(certificate)
    return issued


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, by: User, reason: str) -> Certificate:
    session = certificate.registration.session
    capacity_access.require(capacity_access.can_manage_trainings(by, session.operation))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the certificate is revoked.")})
    if certificate.revoked_at is not None:
        raise ValidationError(_("This certificate is already revoked."))
    before = snapshot(certificate)
    certificate.revoked_at = timezone.now()
    certificate.revoked_reason = reason[:300]
    certificate.save(update_fields=["revoked_at", "revoked_reason", "updated_at"])
    audit_update(actor=by, instance=certificate, operation=session.operation, before=before)
    return certificate


# --- The PDF ------------------------------------------------------------------------------------


def verify_url() -> str:

    return settings.BASE_URL + reverse("capacity:certificate_verify")


def certificate_html(certificate: Certificate) -> str:
    registration = certificate.registration
    session = registration.session
    with translation.override(certificate.language):
        return render_to_string(
            "capacity/certificate.html",
            {
                "certificate": certificate,
                "participant": registration.participant,
                "session": session,
                "course": session.course,
                "operation": session.operation,
                "days": len(session.days()),
                "verify_url": verify_url(),
            },
        )


def certificate_pdf(certificate: Certificate) -> bytes:
    # heavy library, loaded only when this document is built
    from weasyprint import CSS, HTML

    html = certificate_html(certificate)
    return bytes(
        HTML(string=html, base_url=str(CSS_FILE.parent)).write_pdf(
            stylesheets=[CSS(filename=str(CSS_FILE))]
        )
    )


def certificate_filename(certificate: Certificate) -> str:
    return f"certificate-{certificate.code}.pdf"


# --- Public verification ------------------------------------------------------------------------


def client_key(address: str) -> str:
    """A keyed digest of the client address: the table never holds the address itself."""
    return hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256).hexdigest()


def verification_allowed(address: str, now: datetime.datetime | None = None) -> bool:
    """Count one check from this address in the current minute; False beyond the limit."""
    now = now or timezone.now()
    window = now.replace(second=0, microsecond=0)
    key = client_key(address or "unknown")
    with transaction.atomic():
        row, _created = VerificationWindow.objects.get_or_create(client=key, window=window)
        VerificationWindow.objects.filter(pk=row.pk).update(hits=F("hits") + 1)
        row.refresh_from_db(fields=["hits"])
    return row.hits <= VERIFY_PER_MINUTE


def verification_windows_purge(now: datetime.datetime | None = None) -> int:
    now = now or timezone.now()
    deleted, _details = VerificationWindow.objects.filter(
        window__lt=now - datetime.timedelta(hours=1)
    ).delete()
    return deleted


@dataclass(frozen=True)
class Verification:
    name: str
    course: str
    valid: bool


def certificate_verify(code: str) -> Verification | None:
    """What the public page may say about a code: the name and the course, and whether the
    certificate stands. None for an unknown code."""
    normalised = code_normalise(code)
    if not normalised:
        return None
    certificate = (
        Certificate.objects.filter(code=normalised)
        .select_related("registration__participant", "registration__session__course")
        .first()
    )
    if certificate is None:
        return None
    registration = certificate.registration
    return Verification(
        name=registration.participant.full_name,
        course=registration.session.course.title,
        valid=certificate.revoked_at is None,
    )
