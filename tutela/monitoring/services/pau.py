"""Protection Analysis Update (PAU): drafts, versions and clearance.

    update = pau_create(operation=op, by=imo, period="2026Q3", scope=None, language="fr")
    pau_save_sections(update=update, by=imo, sections={...}, note="Key messages")
    pau_submit(update=update, by=imo, approver=coordinator)
    pau_clear(update=update, by=coordinator)          # only the approver
    pau_publish(update=update, by=imo)                # only once cleared
    pau_return_to_draft(update=update, by=coordinator, note="Rework the messages")

A draft is structured by the Protection Analytical Framework (context; threats, violations and
abuses; effects on the population and the groups most affected; existing capacities; key messages;
recommendations), pre-filled with the figures (`pau_figures`, computed for publication: GBV only
from consenting organisations, small counts suppressed). Every save is a new version (number + 1)
with its note and the figures snapshot it was written against. Each step writes its audit entry.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tutela.core import access
from tutela.core.models import AdminArea, AuditEntry, Operation, User
from tutela.core.selectors import country_pcodes
from tutela.core.services.audit import audit_create, audit_write
from tutela.monitoring.access import can_edit_pau, require_pau_editor
from tutela.monitoring.models import AnalysisUpdate, AnalysisUpdateVersion
from tutela.monitoring.pau.figures import parse_period, pau_figures
from tutela.monitoring.pau.sections import (
    MAX_SECTION_CHARS,
    SECTION_KEYS,
    draft_sections,
    languages,
    latest_version,
    pau_title,
)

Status = AnalysisUpdate.Status


def _scope_area(operation: Operation, scope: AdminArea | str | None) -> AdminArea | None:
    if scope is None or scope == "":
        return None
    pcode = scope.pcode if isinstance(scope, AdminArea) else str(scope).strip().upper()
    area = AdminArea.objects.filter(
        pcode=pcode, level=1, country_pcode__in=country_pcodes(operation)
    ).first()
    if area is None:
        raise ValidationError(
            {
                "scope": _("“%(pcode)s” is not a region (admin 1) of this operation.")
                % {"pcode": pcode}
            }
        )
    return area


def _add_version(
    *,
    update: AnalysisUpdate,
    by: User | None,
    sections: dict[str, str],
    figures: dict[str, Any],
    note: str,
) -> AnalysisUpdateVersion:
    number = (update.versions.aggregate(top=Max("number"))["top"] or 0) + 1
    version = AnalysisUpdateVersion(
        update=update,
        number=number,
        sections={k: sections.get(k, "") for k in SECTION_KEYS},
        figures=figures,
        note=note[:300],
        created_by=by,
    )
    # created_by is empty for the command line.
    version.full_clean(exclude=["created_by"])
    version.save()
    return version


def _status_audit(
    update: AnalysisUpdate, by: User, before: str, summary: str, request: HttpRequest | None = None
) -> None:
    audit_write(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        instance=update,
        operation=update.operation,
        before={"status": before},
        after={"status": update.status},
        summary=summary,
        request=request,
    )


@transaction.atomic
def pau_create(
    *,
    operation: Operation,
    by: User | None,
    period: str,
    scope: AdminArea | str | None = None,
    language: str,
    request: HttpRequest | None = None,
) -> AnalysisUpdate:
    """A new draft for `period` ("2026Q3" or "2026-07") and `scope` (an admin 1 area, its P-code,
    or None for the whole operation), with version 1 pre-filled from the figures."""
    require_pau_editor(by, operation)
    try:
        parsed = parse_period(period)
    except ValueError:
        raise ValidationError(
            {"period": _("Enter a quarter such as 2026Q3 or a month such as 2026-07.")}
        ) from None
    if language not in languages():
        raise ValidationError({"language": _("Choose one of the available languages.")})
    area = _scope_area(operation, scope)
    figures = pau_figures(operation=operation, period=parsed, scope=area, presence_user=by)
    with translation.override(language):
        title = pau_title(operation, parsed, area)
    update = AnalysisUpdate(
        operation=operation,
        scope=area,
        period=parsed.code,
        period_start=parsed.start,
        period_end=parsed.end,
        language=language,
        title=title[:300],
        status=Status.DRAFT,
        created_by=by,
    )
    update.full_clean(exclude=["created_by"])
    update.save()
    audit_create(actor=by, instance=update, operation=operation, request=request)
    sections = draft_sections(figures, operation=operation, language=language)
    with translation.override(language):
        note = _("Draft generated from the figures")
    _add_version(update=update, by=by, sections=sections, figures=figures, note=note)
    return update


def _require_draft(update: AnalysisUpdate) -> None:
    if update.status != Status.DRAFT:
        raise ValidationError(
            _("Only a draft can be changed: return it to draft first."), code="not_draft"
        )


@transaction.atomic
def pau_save_sections(
    *,
    update: AnalysisUpdate,
    by: User,
    sections: dict[str, str],
    note: str = "",
    request: HttpRequest | None = None,
) -> AnalysisUpdateVersion:
    """Save the narrative as a new version (the figures snapshot carries over)."""
    require_pau_editor(by, update.operation)
    update = AnalysisUpdate.objects.select_for_update().get(pk=update.pk)
    _require_draft(update)
    unknown = set(sections) - set(SECTION_KEYS)
    if unknown:
        raise ValidationError(
            _("Unknown section: %(names)s.") % {"names": ", ".join(sorted(unknown))}
        )
    too_long = [k for k, v in sections.items() if len(v or "") > MAX_SECTION_CHARS]
    if too_long:
        raise ValidationError(
            {
                k: _("This section is too long (at most %(n)s characters).")
                % {"n": MAX_SECTION_CHARS}
                for k in too_long
            }
        )
    current = latest_version(update)
    merged = dict(current.sections if current else {})
    merged.update({k: (v or "").replace("\r\n", "\n") for k, v in sections.items()})
    version = _add_version(
        update=update,
        by=by,
        sections=merged,
        figures=current.figures if current else {},
        note=note,
    )
    update.save(update_fields=["updated_at"])
    audit_write(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        instance=update,
        operation=update.operation,
        after={"version": version.number, "note": version.note},
        summary=f"{update.title} — v{version.number}"[:300],
        request=request,
    )
    return version


@transaction.atomic
def pau_refresh(
    *, update: AnalysisUpdate, by: User | None, request: HttpRequest | None = None
) -> AnalysisUpdateVersion:
    """Recompute the figures (data arrived since the draft) as a new version; the narrative is
    kept."""
    require_pau_editor(by, update.operation)
    update = AnalysisUpdate.objects.select_for_update().get(pk=update.pk)
    _require_draft(update)
    figures = pau_figures(
        operation=update.operation,
        period=parse_period(update.period),
        scope=update.scope,
        presence_user=by,
    )
    current = latest_version(update)
    with translation.override(update.language):
        note = _("Figures refreshed")
    version = _add_version(
        update=update,
        by=by,
        sections=dict(current.sections) if current else {},
        figures=figures,
        note=note,
    )
    update.save(update_fields=["updated_at"])
    audit_write(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        instance=update,
        operation=update.operation,
        after={"version": version.number, "note": version.note},
        summary=f"{update.title} — v{version.number}"[:300],
        request=request,
    )
    return version


@transaction.atomic
def pau_submit(
    *, update: AnalysisUpdate, by: User, approver: User, request: HttpRequest | None = None
) -> AnalysisUpdate:
    """Send a draft for clearance to `approver` (a coordinator or IMO of the operation, not the
    person submitting)."""
    require_pau_editor(by, update.operation)
    update = AnalysisUpdate.objects.select_for_update().get(pk=update.pk)
    _require_draft(update)
    if approver is None or not access.is_manager(approver, update.operation):
        raise ValidationError(
            {"approver": _("The approver must be a coordinator or IMO of the operation.")}
        )
    if approver.pk == getattr(by, "pk", None):
        raise ValidationError({"approver": _("Someone else must clear what you submit.")})
    before = update.status
    update.status = Status.SUBMITTED
    update.approver = approver
    update.submitted_at = timezone.now()
    update.cleared_at = None
    update.cleared_by = None
    update.full_clean()
    update.save()
    _status_audit(update, by, before, f"{update.title} — submitted to {approver.email}", request)
    return update


@transaction.atomic
def pau_clear(
    *, update: AnalysisUpdate, by: User, request: HttpRequest | None = None
) -> AnalysisUpdate:
    """The designated approver clears a submitted PAU."""
    update = AnalysisUpdate.objects.select_for_update().get(pk=update.pk)
    if update.approver_id is None or update.approver_id != getattr(by, "pk", None):
        raise PermissionDenied
    if not access.roles_in(by, update.operation):
        raise PermissionDenied
    if update.status != Status.SUBMITTED:
        raise ValidationError(_("Only a submitted update can be cleared."), code="not_submitted")
    before = update.status
    update.status = Status.CLEARED
    update.cleared_by = by
    update.cleared_at = timezone.now()
    update.save()
    _status_audit(update, by, before, f"{update.title} — cleared", request)
    return update


@transaction.atomic
def pau_publish(
    *, update: AnalysisUpdate, by: User, request: HttpRequest | None = None
) -> AnalysisUpdate:
    """Publish a cleared PAU: everyone in the operation can then read and download it."""
    update = AnalysisUpdate.objects.select_for_update().get(pk=update.pk)
    if by is not None and not (
        can_edit_pau(by, update.operation) or update.approver_id == getattr(by, "pk", None)
    ):
        raise PermissionDenied
    if update.status != Status.CLEARED:
        raise ValidationError(_("Only a cleared update can be published."), code="not_cleared")
    before = update.status
    update.status = Status.PUBLISHED
    update.published_at = timezone.now()
    update.save()
    _status_audit(update, by, before, f"{update.title} — published", request)
    return update


@transaction.atomic
def pau_return_to_draft(
    *, update: AnalysisUpdate, by: User, note: str = "", request: HttpRequest | None = None
) -> AnalysisUpdate:
    """Back to draft, from submitted, cleared or published (the approver or an editor)."""
    update = AnalysisUpdate.objects.select_for_update().get(pk=update.pk)
    is_approver = update.approver_id is not None and update.approver_id == getattr(by, "pk", None)
    if not (
        can_edit_pau(by, update.operation)
        or (is_approver and access.roles_in(by, update.operation))
    ):
        raise PermissionDenied
    if update.status == Status.DRAFT:
        raise ValidationError(_("This update is already a draft."), code="already_draft")
    before = update.status
    update.status = Status.DRAFT
    update.cleared_at = None
    update.cleared_by = None
    update.published_at = None
    update.save()
    summary = f"{update.title} — returned to draft" + (f": {note}" if note else "")
    _status_audit(update, by, before, summary[:300], request)
    return update


def pau_for_cli(
    *,
    operation: Operation,
    by: User | None,
    period: str,
    scope: str | None,
    language: str,
) -> tuple[AnalysisUpdate, bool]:
    """The PAU the command line writes: the latest one for the period, scope and language (its
    figures refreshed when it is still a draft), or a new draft. Returns (update, created)."""
    parsed = parse_period(period)
    area = _scope_area(operation, scope)
    existing = (
        AnalysisUpdate.objects.filter(
            operation=operation, period=parsed.code, scope=area, language=language
        )
        .order_by("-created_at")
        .first()
    )
    if existing is None:
        return (
            pau_create(
                operation=operation, by=by, period=parsed.code, scope=area, language=language
            ),
            True,
        )
    if existing.status == Status.DRAFT:
        pau_refresh(update=existing, by=by)
    return existing, False
