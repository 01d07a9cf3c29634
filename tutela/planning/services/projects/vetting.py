"""Vetting a project sheet: submitted to the cluster (a frozen version per submission, the
coordinators told), commented, returned for changes, approved or withdrawn.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tutela.core import access as core_access
from tutela.core.models import (
    AuditEntry,
    User,
)
from tutela.core.services.audit import audit_create, audit_write
from tutela.planning import access
from tutela.planning.models import (
    Project,
    ProjectEvent,
    ProjectVersion,
)
from tutela.planning.services.notify import absolute, managers_of, members_of, notify
from tutela.planning.services.projects.sheets import project_details

Status = Project.Status


def _event(project: Project, by: User, kind: str, text: str = "") -> ProjectEvent:
    return ProjectEvent.objects.create(
        project=project, kind=kind, text=(text or "").strip(), version=project.version, author=by
    )


def _transition(project: Project, by: User, status: str, summary: str, comment: str = "") -> None:
    before = project.status
    project.status = status
    project.save()
    audit_write(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        instance=project,
        operation=project.operation,
        summary=f"{summary}: {project.code}",
        before={"status": before},
        after={"status": status, "version": project.version, "comment": comment},
    )


def _project_url(project: Project) -> str:
    return absolute(reverse("planning:project_detail", args=[project.operation.slug, project.pk]))


def _missing_for_submission(project: Project) -> list[str]:
    missing = []
    if not project.budget_lines.exists():
        missing.append(_("a budget line"))
    if not project.locations.exists():
        missing.append(_("a location"))
    if not project.activities.exists():
        missing.append(_("an activity"))
    if not project.targets.exists():
        missing.append(_("a target"))
    return missing


@transaction.atomic
def project_submit(*, project: Project, by: User) -> ProjectVersion:
    """Send a draft or returned project to the cluster for vetting: a new frozen version."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    if not access.can_edit_project(by, project):
        if not project.is_editable:
            raise ValidationError(
                _("Only a draft or returned project can be submitted."), code="status"
            )
        raise PermissionDenied
    missing = _missing_for_submission(project)
    if missing:
        raise ValidationError(
            _("Before submitting, add %(missing)s.") % {"missing": ", ".join(missing)},
            code="incomplete",
        )
    project.version += 1
    project.submitted_at = timezone.now()
    version = ProjectVersion.objects.create(
        project=project,
        number=project.version,
        content={**_version_content(project), **project_details(project)},
        created_by=by,
    )
    _transition(project, by, Status.SUBMITTED, "Project submitted for vetting")
    _event(project, by, ProjectEvent.Kind.SUBMITTED)
    operation = project.operation
    notify(
        operation=operation,
        users=managers_of(operation),
        kind="project_submitted",
        subject=lambda: _("Project submitted for vetting: %(code)s") % {"code": project.code},
        text=lambda: (
            _(
                "%(organisation)s submitted the project “%(title)s” (%(code)s, version "
                "%(version)s) for vetting.\n\n%(url)s"
            )
            % {
                "organisation": project.organisation.acronym,
                "title": project.title,
                "code": project.code,
                "version": project.version,
                "url": _project_url(project),
            }
        ),
    )
    return version


def _version_content(project: Project) -> dict[str, Any]:
    return {
        "code": project.code,
        "title": project.title,
        "organisation": project.organisation.acronym,
        "body": project.body.code or project.body.name,
        "plan": (project.plan.code or str(project.plan.year)) if project.plan else "",
        "objectives": project.objectives,
        "start_date": project.start_date.isoformat(),
        "end_date": project.end_date.isoformat(),
        "requirements_usd": str(project.requirements_usd),
    }


@transaction.atomic
def project_comment(*, project: Project, by: User, text: str) -> ProjectEvent:
    if not access.can_comment_project(by, project):
        raise PermissionDenied
    if not (text or "").strip():
        raise ValidationError({"text": _("Write a comment.")})
    event = _event(project, by, ProjectEvent.Kind.COMMENT, text)
    audit_create(actor=by, instance=event, operation=project.operation)
    return event


def _vet(project: Project, by: User) -> Project:
    project = Project.objects.select_for_update().get(pk=project.pk)
    if not access.can_vet_projects(by, project.operation):
        raise PermissionDenied
    if project.status != Status.SUBMITTED:
        raise ValidationError(_("Only a submitted project is vetted."), code="status")
    return project


def _tell_organisation(project: Project, kind: str, subject: str, text: str) -> None:
    users = members_of(project.operation, project.organisation_id)
    if project.created_by is not None:
        users.append(project.created_by)
    notify(
        operation=project.operation,
        users=users,
        kind=kind,
        subject=lambda: _(subject) % {"code": project.code},
        text=lambda: (
            _(text) % {"code": project.code, "title": project.title, "url": _project_url(project)}
        ),
    )


@transaction.atomic
def project_return(*, project: Project, by: User, comment: str) -> Project:
    """Send a submitted project back to its organisation with what needs to change."""
    project = _vet(project, by)
    if not (comment or "").strip():
        raise ValidationError({"comment": _("Say what needs to change.")})
    project.reviewed_at = timezone.now()
    project.reviewed_by = by
    _transition(project, by, Status.RETURNED, "Project returned for changes", comment)
    _event(project, by, ProjectEvent.Kind.RETURNED, comment)
    _tell_organisation(
        project,
        "project_returned",
        gettext_noop("Project returned for changes: %(code)s"),
        gettext_noop(
            "The cluster returned the project “%(title)s” (%(code)s) for changes. Its comments "
            "are on the project's page.\n\n%(url)s"
        ),
    )
    return project


@transaction.atomic
def project_approve(*, project: Project, by: User, comment: str = "") -> Project:
    project = _vet(project, by)
    project.reviewed_at = timezone.now()
    project.reviewed_by = by
    _transition(project, by, Status.APPROVED, "Project approved", comment)
    _event(project, by, ProjectEvent.Kind.APPROVED, comment)
    _tell_organisation(
        project,
        "project_approved",
        gettext_noop("Project approved: %(code)s"),
        gettext_noop("The cluster approved the project “%(title)s” (%(code)s).\n\n%(url)s"),
    )
    return project


@transaction.atomic
def project_withdraw(*, project: Project, by: User, comment: str = "") -> Project:
    project = Project.objects.select_for_update().get(pk=project.pk)
    if not (core_access.is_manager(by, project.operation) or access.is_own_project(by, project)):
        raise PermissionDenied
    if project.status == Status.WITHDRAWN:
        raise ValidationError(_("The project is already withdrawn."), code="status")
    _transition(project, by, Status.WITHDRAWN, "Project withdrawn", comment)
    _event(project, by, ProjectEvent.Kind.WITHDRAWN, comment)
    return project
