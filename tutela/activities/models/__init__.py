from tutela.activities.models.catalogue import Activity, Indicator
from tutela.activities.models.mappings import ColumnMapping, ImportRecord
from tutela.activities.models.planning import PlanningFigure
from tutela.activities.models.reports import ActivityReport, ReportingRound, Submission
from tutela.activities.models.settings import ActivitySettings
from tutela.activities.models.summaries import MonthlySummary, PickedSummary, SummaryState

__all__ = [
    "Activity",
    "ActivityReport",
    "ActivitySettings",
    "ColumnMapping",
    "ImportRecord",
    "Indicator",
    "MonthlySummary",
    "PickedSummary",
    "PlanningFigure",
    "ReportingRound",
    "Submission",
    "SummaryState",
]
