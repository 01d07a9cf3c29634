from tutela.core.models.audit import AuditEntry
from tutela.core.models.geography import AdminArea, PlaceAlias
from tutela.core.models.jobs import Job
from tutela.core.models.mail import OutboxAttachment, OutboxMessage, ScheduledRun
from tutela.core.models.operations import Operation
from tutela.core.models.organisations import Delegation, Organisation
from tutela.core.models.people import Contact, Invitation, User, Visitor
from tutela.core.models.profiles import ImportProfile
from tutela.core.models.reference import Localised, PopulationGroup, ProtectionRisk, ReferenceItem
from tutela.core.models.roles import OperationRole, Role
from tutela.core.models.structure import Body, Membership
from tutela.core.models.tokens import ApiToken
from tutela.core.models.workers import WorkerHeartbeat

__all__ = [
    "AdminArea",
    "ApiToken",
    "AuditEntry",
    "Body",
    "Contact",
    "Delegation",
    "ImportProfile",
    "Invitation",
    "Job",
    "Localised",
    "Membership",
    "Operation",
    "OperationRole",
    "Organisation",
    "OutboxAttachment",
    "OutboxMessage",
    "PlaceAlias",
    "PopulationGroup",
    "ProtectionRisk",
    "ReferenceItem",
    "Role",
    "ScheduledRun",
    "User",
    "Visitor",
    "WorkerHeartbeat",
]
