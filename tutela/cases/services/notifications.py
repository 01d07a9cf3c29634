"""E-mails of case management. They name a case or referral by its code and link to it; they
never carry a name, a phone number or anything the case says (the outbox keeps e-mails in clear)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from tutela.cases.models import Referral
from tutela.core.models import Operation, OperationRole, Organisation, User
from tutela.core.models.roles import Role
from tutela.core.services.mail import mail_enqueue


def supervisors_of(operation: Operation, organisation_id: int | None) -> list[User]:
    if organisation_id is None:
        return []
    ids = OperationRole.objects.filter(
        operation=operation, role=Role.SUPERVISOR, user__organisation_id=organisation_id
    ).values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True))


def referral_receivers(referral: Referral) -> list[User]:
    """Who answers a referral: the named focal point, the service's focal point, or else the
    receiving organisation's supervisors."""
    for person in (referral.to_user, referral.service.focal_point if referral.service else None):
        if person is not None and person.is_active:
            return [person]
    return supervisors_of(referral.operation, referral.to_organisation_id)


def _link(path: str) -> str:
    return f"{settings.BASE_URL}{path}"


def referral_url(referral: Referral) -> str:
    return _link(
        reverse(
            "cases:referral_detail", kwargs={"slug": referral.operation.slug, "pk": referral.pk}
        )
    )


def _send(operation: Operation, kind: str, user: User, subject: str, text: str) -> None:
    mail_enqueue(operation=operation, kind=kind, subject=subject, text=text, to_users=[user])


def referral_received_notify(referral: Referral) -> None:
    for user in referral_receivers(referral):
        with translation.override(user.language or referral.operation.default_language):
            subject = _("New referral %(code)s (%(priority)s)") % {
                "code": referral.code,
                "priority": referral.get_priority_display(),
            }
            text = _(
                "%(org)s sent your organisation the referral %(code)s. Please answer by "
                "%(deadline)s UTC.\n\n%(url)s"
            ) % {
                "org": referral.from_organisation.acronym,
                "code": referral.code,
                "deadline": referral.respond_by.strftime("%Y-%m-%d %H:%M"),
                "url": referral_url(referral),
            }
            _send(referral.operation, "cases.referral_received", user, subject, text)


def referral_answered_notify(referral: Referral) -> None:
    for user in [referral.referred_by]:
        with translation.override(user.language or referral.operation.default_language):
            subject = _("Referral %(code)s: %(status)s") % {
                "code": referral.code,
                "status": referral.get_status_display(),
            }
            text = _("%(org)s answered the referral %(code)s: %(status)s.\n\n%(url)s") % {
                "org": referral.to_organisation.acronym,
                "code": referral.code,
                "status": referral.get_status_display(),
                "url": referral_url(referral),
            }
            _send(referral.operation, "cases.referral_answered", user, subject, text)


def referral_overdue_notify(referral: Referral) -> list[User]:
    """The escalation: the referring organisation's supervisors and the receiving focal point."""
    people = supervisors_of(referral.operation, referral.from_organisation_id) + referral_receivers(
        referral
    )
    for user in {u.pk: u for u in people}.values():
        with translation.override(user.language or referral.operation.default_language):
            subject = _("Overdue referral %(code)s (%(priority)s)") % {
                "code": referral.code,
                "priority": referral.get_priority_display(),
            }
            text = _(
                "The referral %(code)s from %(from)s to %(to)s was due an answer by %(deadline)s "
                "UTC and has none yet.\n\n%(url)s"
            ) % {
                "code": referral.code,
                "from": referral.from_organisation.acronym,
                "to": referral.to_organisation.acronym,
                "deadline": referral.respond_by.strftime("%Y-%m-%d %H:%M"),
                "url": referral_url(referral),
            }
            _send(referral.operation, "cases.referral_overdue", user, subject, text)
    return people


def organisation_name(organisation: Organisation | None) -> str:
    return organisation.acronym if organisation else ""
