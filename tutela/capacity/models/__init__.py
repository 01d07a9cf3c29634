from tutela.capacity.models.assessments import (
    Attempt,
    AttemptAnswer,
    Certificate,
    KnowledgeTest,
    VerificationWindow,
)
from tutela.capacity.models.ccpm import (
    CcpmActionItem,
    CcpmAnswer,
    CcpmFunction,
    CcpmLink,
    CcpmPendingAnswer,
    CcpmQuestion,
    CcpmResponse,
    CcpmRound,
    CcpmSubFunction,
)
from tutela.capacity.models.compliance import ComplianceSettings, ReportingReminder
from tutela.capacity.models.courses import Choice, Course, CourseMaterial, Question
from tutela.capacity.models.planning import (
    CapacityPlan,
    CapacityPlanItem,
    NeedsAssessment,
    NeedsResponse,
)
from tutela.capacity.models.sessions import (
    AttendanceDay,
    Participant,
    Registration,
    TrainingSession,
)
from tutela.capacity.models.workplans import WorkActivity, WorkObjective, WorkPlan, WorkReview

__all__ = [
    "Attempt",
    "CapacityPlan",
    "CapacityPlanItem",
    "CcpmActionItem",
    "CcpmAnswer",
    "CcpmFunction",
    "CcpmLink",
    "CcpmPendingAnswer",
    "CcpmQuestion",
    "CcpmResponse",
    "CcpmRound",
    "CcpmSubFunction",
    "AttemptAnswer",
    "AttendanceDay",
    "Certificate",
    "Choice",
    "Course",
    "CourseMaterial",
    "KnowledgeTest",
    "NeedsAssessment",
    "NeedsResponse",
    "Participant",
    "Question",
    "Registration",
    "ComplianceSettings",
    "ReportingReminder",
    "TrainingSession",
    "VerificationWindow",
    "WorkActivity",
    "WorkObjective",
    "WorkPlan",
    "WorkReview",
]
