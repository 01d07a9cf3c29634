from tutela.coordination.models.actions import ActionPoint, ActionPointEvent
from tutela.coordination.models.advocacy import (
    ClearanceDocument,
    DocumentVersion,
    Recommendation,
    RecommendationFollowUp,
)
from tutela.coordination.models.alerts import Alert, AlertRecipient, Mission
from tutela.coordination.models.meetings import (
    AgendaItem,
    Attendance,
    CalendarFeed,
    Meeting,
    MeetingDocument,
    MeetingSeries,
    Minutes,
)

__all__ = [
    "ActionPoint",
    "ActionPointEvent",
    "AgendaItem",
    "Alert",
    "AlertRecipient",
    "Attendance",
    "CalendarFeed",
    "ClearanceDocument",
    "DocumentVersion",
    "Meeting",
    "MeetingDocument",
    "MeetingSeries",
    "Minutes",
    "Mission",
    "Recommendation",
    "RecommendationFollowUp",
]
