from tutela.core.models.audit import AuditEntry
from tutela.core.models.geography import AdminArea
from tutela.core.models.jobs import Job
from tutela.core.models.mail import OutboxAttachment, OutboxMessage, ScheduledRun
from tutela.core.models.operations import Operation
from tutela.core.models.organisations import Delegation, Organisation
from tutela.core.models.people import Contact, Invitation, User
from tutela.core.models.roles import OperationRole, Role
from tutela.core.models.structure import Body, Membership

__all__ = [
    "AdminArea",
    "AuditEntry",
    "Body",
    "Contact",
    "Delegation",
    "Invitation",
    "Job",
    "Membership",
    "Operation",
    "OperationRole",
    "Organisation",
    "OutboxAttachment",
    "OutboxMessage",
    "Role",
    "ScheduledRun",
    "User",
]
