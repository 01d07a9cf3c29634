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

from typing import Any

from django.db.models import CharField, Exists, Q, QuerySet
from django.db.models.functions import Cast
from django.http import Http404, HttpRequest

from tutela.core import access
from tutela.core.models import AuditEntry, Delegation, Operation, Organisation
from tutela.core.models.roles import Role
from tutela.core.services.audit import audit_read, audit_read_many
from tutela.monitoring.models import Incident, MonitoringSettings, SharingAgreement


def _is_member(user: Any, operation: Operation) -> bool:
    """True when the user acts for an organisation of the operation (a role of their own in it,
    other than viewer: an inherited regional role reads, it does not record)."""
    if not user.is_authenticated or not user.is_active or not user.organisation_id:
        return False
    if not (access.roles_in(user, operation) - {Role.VIEWER}):
        return False
    return operation.organisations.filter(pk=user.organisation_id).exists()


def is_analyst(user: Any, operation: Operation) -> bool:
    """A designated cluster analyst of the operation (or a server administrator)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if not access.roles_in(user, operation):
        return False
    return MonitoringSettings.objects.filter(operation=operation, analysts=user).exists()


def can_record(user: Any, operation: Operation) -> bool:
    """May record incidents for their organisation in the operation."""
    return _is_member(user, operation)


def can_write_for(user: Any, operation: Operation, organisation: Organisation | int) -> bool:
    """May create or update `organisation`'s records (import included): its members; the
    operation's managers only where the organisation delegated monitoring imports to them; the
    command line (`user` None)."""
    return access.may_write_for(user, operation, organisation, Delegation.Scope.MONITORING)


def writable_organisations(user: Any, operation: Operation) -> QuerySet[Organisation]:
    """The organisations whose records `user` may import: their own, and for managers those that
    delegated monitoring imports to them."""
    ids: set[int] = set()
    if _is_member(user, operation):
        ids.add(user.organisation_id)
    if access.is_manager(user, operation):
        ids |= access.delegated_organisation_ids(operation, Delegation.Scope.MONITORING)
    return operation.organisations.filter(pk__in=ids).order_by("acronym")


def can_edit(user: Any, incident: Incident) -> bool:
    """Members of the reporting organisation edit and delete its records."""
    return incident.organisation_id == getattr(user, "organisation_id", None) and _is_member(
        user, incident.operation
    )


def incidents_for_user(user: Any, operation: Operation) -> QuerySet[Incident]:
    """The records of the operation the user may see: their organisation's, and for designated
    analysts other organisations' non-GBV records too."""
    incidents = Incident.objects.filter(operation=operation)
    own = _is_member(user, operation)
    analyst = is_analyst(user, operation)
    if own and analyst:
        return incidents.filter(Q(organisation_id=user.organisation_id) | Q(is_gbv=False))
    if own:
        return incidents.filter(organisation_id=user.organisation_id)
    if analyst:
        return incidents.filter(is_gbv=False)
    return incidents.none()


def incident_get_for_user(
    user: Any,
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
    user: Any,
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


def can_read_narrative(user: Any, incident: Incident) -> bool:
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


# --- Audit log ---------------------------------------------------------------------------------
# The rules are built as subqueries (no query of their own): the audit page and API stay at a
# fixed number of queries.


def _member_condition(user: Any, operation: Operation) -> Q | None:
    """`_is_member` as an SQL condition (None when the user is no member whatever the data)."""
    if not user.is_authenticated or not user.is_active or not user.organisation_id:
        return None
    if not (access.roles_in(user, operation) - {Role.VIEWER}):
        return None
    takes_part = Operation.organisations.through.objects.filter(
        operation_id=operation.pk, organisation_id=user.organisation_id
    )
    return Q(Exists(takes_part))


def _analyst_condition(user: Any, operation: Operation) -> Q | None:
    """`is_analyst` as an SQL condition (None when the user is no analyst whatever the data)."""
    if not user.is_authenticated or not user.is_active or not access.roles_in(user, operation):
        return None
    return Q(Exists(MonitoringSettings.objects.filter(operation=operation, analysts=user.pk)))


def incident_audit_rule(user: Any, operation: Operation) -> Q:
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


def duplicate_audit_rule(user: Any, operation: Operation) -> Q:
    """Reviews of probable duplicates are shown to the analysts who make them."""
    analyst = _analyst_condition(user, operation)
    return analyst if analyst is not None else Q(pk__in=[])


INCIDENT_ENTITY = Incident._meta.label_lower


def audit_rules_register() -> None:
    access.audit_rule_register(INCIDENT_ENTITY, incident_audit_rule)
    access.audit_rule_register("monitoring.duplicateflag", duplicate_audit_rule)
