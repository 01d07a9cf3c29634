"""Reads of core: the directory (organisations, structure, contacts, the operation home), geography
and the audit log, one module each. Their names are importable from `tutela.core.selectors` too, as
every app and core's own views have always imported them."""

from tutela.core.selectors.audit import (
    Change,
    audit_changes,
    audit_entity_types,
    audit_entries,
)
from tutela.core.selectors.directory import (
    BODY_KIND_ORDER,
    AreaLevel,
    BodyNode,
    OperationSummary,
    active_membership_q,
    area_levels,
    body_children,
    body_contacts,
    body_get,
    body_memberships,
    body_tree,
    contact_get,
    contact_list,
    nuclear_members,
    operation_summary,
    organisation_get,
    organisation_led_bodies,
    organisation_list,
    organisation_memberships,
)
from tutela.core.selectors.geography import (
    area_feature_collection,
    areas_for_operation,
    country_pcodes,
)

__all__ = [
    "AreaLevel",
    "BODY_KIND_ORDER",
    "BodyNode",
    "Change",
    "OperationSummary",
    "active_membership_q",
    "area_feature_collection",
    "area_levels",
    "areas_for_operation",
    "audit_changes",
    "audit_entity_types",
    "audit_entries",
    "body_children",
    "body_contacts",
    "body_get",
    "body_memberships",
    "body_tree",
    "contact_get",
    "contact_list",
    "country_pcodes",
    "nuclear_members",
    "operation_summary",
    "organisation_get",
    "organisation_led_bodies",
    "organisation_list",
    "organisation_memberships",
]
