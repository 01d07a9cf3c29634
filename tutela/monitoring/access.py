"""Who may record, see and read protection incidents (built on tutela.core.access).

Rules (the issue's, and the GBV information-sharing protocol's):
- A record belongs to the reporting organisation. Its members — users of that organisation with
  a role of their own in the operation other than viewer — see, edit and delete its records and
  read their narratives. Nobody else creates or changes them, except the operation's managers
  importing files for an organisation that delegated that to them (`core.models.Delegation`),
  and the command line.
- Designated cluster analysts (MonitoringSettings.analysts) also see other organisations'
  non-GBV records and read their narratives (analysis, duplicate review); never their GBV records.
- Nobody else sees records: coordinators, other organisations and donors see aggregates only.
  Server administrators count as analysts (they see no other organisation's GBV record either).
- Every read of a record is written to the audit log, one entry per record, whether it was read
  on its own or in a list that returns whole records (the API list).
- The audit log follows the same rules: its entries about an incident (created, changed, read,
  merged, deleted) are shown only to those who may see the incident (for a deleted one, who could
  see it when it was deleted); entries of duplicate reviews only to analysts.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import CharField, Exists, Q, QuerySet
from django.db.models.functions import Cast
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from tutela.core import access
from tutela.core.models import AuditEntry, Delegation, Operation, Organisation, User
from tutela.core.models.roles import MANAGER_ROLES, Role
from tutela.core.services.audit import audit_read, audit_read_many
from tutela.monitoring.models import (
    AnalysisUpdate,
    Incident,
    MonitoringImport,
    MonitoringMapping,
    MonitoringSettings,
    SharingAgreement,
)


def _is_member(user: User, operation: Operation) -> bool:
    """True when the user acts for an organisation of the operation (a role of their own in it,
    other than viewer: an inherited regional role reads, it does not record)."""
    if not user.is_authenticated or not user.is_active or not user.organisation_id:
        return False
    if not (access.roles_in(user, operation) - {Role.VIEWER}):
        return False
    return operation.organisations.filter(pk=user.organisation_id).exists()


def is_designated_analyst(user: User, operation: Operation) -> bool:
    """Listed among the operation's cluster analysts (MonitoringSettings.analysts), with a role in
    the operation (an active, signed-in user)."""
    if not access.roles_in(user, operation):
        return False
    return MonitoringSettings.objects.filter(operation=operation, analysts=user.pk).exists()


def is_analyst(user: User, operation: Operation) -> bool:
    """Sees what the designated analysts see: a designated analyst, or a server administrator."""
    if not user.is_authenticated or not user.is_active:
        return False
    return bool(user.is_superuser) or is_designated_analyst(user, operation)


def can_record(user: User, operation: Operation) -> bool:
    """May record incidents for their organisation in the operation."""
    return _is_member(user, operation)


def can_write_for(user: User, operation: Operation, organisation: Organisation | int) -> bool:
    """May create or update `organisation`'s records (import included): its members; the
    operation's managers only where the organisation delegated monitoring imports to them; the
    command line (`user` None)."""
    return access.may_write_for(user, operation, organisation, Delegation.Scope.MONITORING)


def writable_organisations(user: User, operation: Operation) -> QuerySet[Organisation]:
    """The organisations whose records `user` may import: their own, and for managers those that
    delegated monitoring imports to them."""
    ids: set[int] = set()
    if _is_member(user, operation) and user.organisation_id is not None:
        ids.add(user.organisation_id)
    if access.is_manager(user, operation):
        ids |= access.delegated_organisation_ids(operation, Delegation.Scope.MONITORING)
    return operation.organisations.filter(pk__in=ids).order_by("acronym")


def can_edit(user: User, incident: Incident) -> bool:
    """Members of the reporting organisation edit and delete its records."""
    return incident.organisation_id == getattr(user, "organisation_id", None) and _is_member(
        user, incident.operation
    )


def incidents_for_user(user: User, operation: Operation) -> QuerySet[Incident]:
    """The records of the operation the user may see: their organisation's, and for designated
    analysts other organisations' non-GBV records too."""
    incidents = Incident.objects.filter(operation=operation)
    # A member always has an organisation (`_is_member`).
    own = user.organisation_id if _is_member(user, operation) else None
    analyst = is_analyst(user, operation)
    if own is not None and analyst:
        return incidents.filter(Q(organisation_id=own) | Q(is_gbv=False))
    if own is not None:
        return incidents.filter(organisation_id=own)
    if analyst:
        return incidents.filter(is_gbv=False)
    return incidents.none()


def incident_get_for_user(
    user: User,
    operation: Operation,
    pk: Any,
    *,
    request: HttpRequest | None = None,
    reason: str = "",
) -> Incident:
    """The record if the user may see it (404 otherwise); the read is audited."""
    try:
        incident = (
            incidents_for_user(user, operation)
            .select_related(
                "operation",
                "organisation",
                "area",
                "admin1",
                "admin2",
                "primary_risk",
                "perpetrator",
                "source",
                "verification",
                "merged_into",
            )
            .get(pk=int(pk))
        )
    except (Incident.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    audit_read(actor=user, instance=incident, operation=operation, request=request, reason=reason)
    return incident


def incidents_read_audit(
    user: User,
    operation: Operation,
    incidents: list[Incident],
    *,
    request: HttpRequest | None = None,
    reason: str = "",
) -> None:
    """Audit the reading of several records at once (a page of the API list returns each record
    whole, narrative included for those who may read it): one entry per record."""
    audit_read_many(
        actor=user, instances=incidents, operation=operation, request=request, reason=reason
    )


def can_read_narrative(user: User, incident: Incident) -> bool:
    """The reporting organisation, and designated analysts for non-GBV records."""
    if can_edit(user, incident):
        return True
    return not incident.is_gbv and is_analyst(user, incident.operation)


def gbv_sharing_organisations(operation: Operation) -> set[int]:
    """Organisations whose GBV incidents may be counted in aggregates shown outside them."""
    return set(
        SharingAgreement.objects.filter(
            operation=operation, shares_gbv_aggregates=True
        ).values_list("organisation_id", flat=True)
    )


# --- Imports and saved mappings ------------------------------------------------------------


def can_import(user: User, operation: Operation) -> bool:
    """Members of an organisation of the operation import for it; managers see the imports and
    import for organisations that delegated monitoring imports to them."""
    return access.is_manager(user, operation) or can_record(user, operation)


def import_organisations(user: User, operation: Operation) -> QuerySet[Organisation]:
    """The organisations the user may import for (the upload form's choices)."""
    return writable_organisations(user, operation)


def import_organisation(
    user: User | None, operation: Operation, chosen: Organisation | None
) -> Organisation:
    """The organisation an upload is for: the user's own by default; another one only for a
    manager it delegated monitoring imports to (and the command line, `user=None`).
    PermissionDenied when not allowed: an import updates the organisation's records matched by
    their identifier, so nobody outside it may run one without its consent."""
    in_operation = operation.organisations.all()
    if user is None:
        if chosen is None or not in_operation.filter(pk=chosen.pk).exists():
            raise PermissionDenied(_("Choose an organisation of the operation."))
        return chosen
    if chosen is None:
        # A member always has an organisation (`_is_member`): the second test is for mypy.
        if not can_record(user, operation) or user.organisation is None:
            raise PermissionDenied(_("Choose an organisation of the operation."))
        return user.organisation
    if not in_operation.filter(pk=chosen.pk).exists():
        raise PermissionDenied(_("Choose an organisation of the operation."))
    if not can_write_for(user, operation, chosen):
        if access.is_manager(user, operation):
            raise PermissionDenied(
                _(
                    "%(org)s has not authorised the operation's coordinators and information "
                    "management officers to import its monitoring data."
                )
                % {"org": chosen.acronym}
            )
        raise PermissionDenied(_("You may only import for your own organisation."))
    return chosen


def imports_for_user(user: User, operation: Operation) -> QuerySet[MonitoringImport]:
    """Uploads the user may see listed: all of the operation's for managers, their own
    organisation's for its members, none otherwise."""
    records = MonitoringImport.objects.filter(operation=operation).select_related(
        "organisation", "user", "mapping", "job"
    )
    if access.is_manager(user, operation):
        return records
    if can_record(user, operation) and user.organisation_id is not None:
        return records.filter(organisation_id=user.organisation_id)
    return records.none()


def import_get_for_user(user: User, operation: Operation, pk: Any) -> MonitoringImport:
    found = imports_for_user(user, operation).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def can_see_content(user: User, record: MonitoringImport) -> bool:
    """The file's rows and their problems (cell values) are for the uploader and the members of
    the organisation the file is for: records belong to the reporting organisation, so a
    coordinator who imported for a partner sees the rows, other managers only the counts."""
    if record.user_id is not None and record.user_id == getattr(user, "pk", None):
        return True
    return record.organisation_id == getattr(user, "organisation_id", None) and can_record(
        user, record.operation
    )


def mappings_for_user(
    user: User, operation: Operation, kind: str | None = None
) -> QuerySet[MonitoringMapping]:
    mappings = MonitoringMapping.objects.filter(operation=operation).select_related("organisation")
    if kind:
        mappings = mappings.filter(kind=kind)
    if access.is_manager(user, operation):
        return mappings
    if can_record(user, operation):
        return mappings.filter(
            Q(organisation__isnull=True) | Q(organisation_id=user.organisation_id)
        )
    return mappings.none()


def can_save_mapping(user: User, operation: Operation) -> bool:
    """Who saves mappings at all: the operation's managers and its organisations' members."""
    return access.is_manager(user, operation) or can_record(user, operation)


def _changer(user: User, operation: Operation) -> tuple[bool, int | None]:
    """(is a manager of the operation, the organisation whose mappings the user changes)."""
    if access.is_manager(user, operation):
        return True, None
    if can_record(user, operation):
        return False, user.organisation_id
    return False, None


def can_change_mapping(user: User, mapping: MonitoringMapping) -> bool:
    """The operation's managers change (rename, delete) any of its mappings; members of the
    organisation that owns a mapping change that one. A shared mapping is the managers'."""
    return mapping.pk in changeable_mappings(user, mapping.operation, [mapping])


def changeable_mappings(
    user: User, operation: Operation, mappings: Iterable[MonitoringMapping]
) -> set[int]:
    """The ids of those of the operation's `mappings` the user may change."""
    manager, own = _changer(user, operation)
    return {
        m.pk
        for m in mappings
        if m.operation_id == operation.pk
        and (manager or (own is not None and m.organisation_id == own))
    }


def can_share_mapping(user: User, mapping: MonitoringMapping) -> bool:
    """Sharing a mapping with the whole operation (or giving it to an organisation) is for the
    operation's managers, as saving a shared mapping is."""
    return access.is_manager(user, mapping.operation)


# --- Protection Analysis Updates -------------------------------------------------------------


def can_edit_pau(user: User, operation: Operation) -> bool:
    return access.is_manager(user, operation) or is_designated_analyst(user, operation)


def require_pau_editor(user: User | None, operation: Operation) -> None:
    """PermissionDenied unless the user may edit PAUs; `user` None is the server's command line
    (`tutela pau`), run by its administrator."""
    if user is not None and not can_edit_pau(user, operation):
        raise PermissionDenied


def can_see_draft(user: User, update: AnalysisUpdate) -> bool:
    operation = update.operation
    if not access.roles_in(user, operation):
        return False
    return can_edit_pau(user, operation) or (
        update.approver_id is not None and update.approver_id == user.pk
    )


def paus_for_user(user: User, operation: Operation) -> QuerySet[AnalysisUpdate]:
    if not access.roles_in(user, operation):
        return AnalysisUpdate.objects.none()
    updates = AnalysisUpdate.objects.filter(operation=operation)
    if can_edit_pau(user, operation):
        return updates
    return updates.filter(Q(status=AnalysisUpdate.Status.PUBLISHED) | Q(approver=user.pk))


def pau_get_for_user(user: User, operation: Operation, pk: int) -> AnalysisUpdate:
    """The PAU if the user may see it; 404 otherwise (a draft's existence is not disclosed)."""
    update = (
        paus_for_user(user, operation)
        .select_related("scope", "approver", "cleared_by")
        .filter(pk=pk)
        .first()
    )
    if update is None:
        raise Http404
    return update


def approver_candidates(operation: Operation) -> list[Any]:
    """Users a PAU can be submitted to: the operation's coordinators and IMOs."""
    return list(
        User.objects.filter(
            is_active=True,
            operation_roles__operation=operation,
            operation_roles__role__in=list(MANAGER_ROLES),
        )
        .distinct()
        .order_by("full_name", "email")
    )


# --- Audit log ---------------------------------------------------------------------------------
# The rules are built as subqueries (no query of their own): the audit page and API stay at a
# fixed number of queries.


def _member_condition(user: User, operation: Operation) -> Q | None:
    """`_is_member` as an SQL condition (None when the user is no member whatever the data)."""
    if not user.is_authenticated or not user.is_active or not user.organisation_id:
        return None
    if not (access.roles_in(user, operation) - {Role.VIEWER}):
        return None
    takes_part = Operation.organisations.through.objects.filter(
        operation_id=operation.pk, organisation_id=user.organisation_id
    )
    return Q(Exists(takes_part))


def _analyst_condition(user: User, operation: Operation) -> Q | None:
    """`is_analyst` as an SQL condition (None when the user is no analyst whatever the data)."""
    if not user.is_authenticated or not user.is_active or not access.roles_in(user, operation):
        return None
    return Q(Exists(MonitoringSettings.objects.filter(operation=operation, analysts=user.pk)))


def incident_audit_rule(user: User, operation: Operation) -> Q:
    """The audit entries about incidents (`AuditEntry.entity_type` "monitoring.incident") the
    user may see: those of the records they may see (`incidents_for_user`), and of deleted
    records they could see when they were deleted (the deletion entry keeps the record's last
    state)."""
    member = _member_condition(user, operation)
    analyst = _analyst_condition(user, operation)
    if member is None and analyst is None:
        return Q(pk__in=[])
    records = Q(pk__in=[])
    deleted = Q(pk__in=[])
    if member is not None:
        records |= member & Q(organisation_id=user.organisation_id)
        deleted |= member & Q(before__organisation_id=user.organisation_id)
    if analyst is not None:
        records |= analyst & Q(is_gbv=False)
        deleted |= analyst & Q(before__is_gbv=False)
    live = (
        Incident.objects.filter(operation=operation)
        .filter(records)
        .order_by()
        .annotate(key=Cast("pk", output_field=CharField()))
        .values("key")
    )
    gone = (
        AuditEntry.objects.filter(
            operation=operation, entity_type=INCIDENT_ENTITY, action=AuditEntry.Action.DELETE
        )
        .filter(deleted)
        .values("entity_id")
    )
    return Q(entity_id__in=live) | Q(entity_id__in=gone)


def duplicate_audit_rule(user: User, operation: Operation) -> Q:
    """Reviews of probable duplicates are shown to the analysts who make them."""
    analyst = _analyst_condition(user, operation)
    return analyst if analyst is not None else Q(pk__in=[])


INCIDENT_ENTITY = Incident._meta.label_lower


def audit_rules_register() -> None:
    access.audit_rule_register(INCIDENT_ENTITY, incident_audit_rule)
    access.audit_rule_register("monitoring.duplicateflag", duplicate_audit_rule)
