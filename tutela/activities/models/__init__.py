from tutela.activities.models.catalogue import Activity, Indicator, PopulationGroup
from tutela.activities.models.mappings import ColumnMapping, ImportRecord
from tutela.activities.models.planning import PlanningFigure
from tutela.activities.models.reports import ActivityReport, ReportingRound, Submission
from tutela.activities.models.settings import ActivitySettings

__all__ = [
    "Activity",
    "ActivityReport",
    "ActivitySettings",
    "ColumnMapping",
    "ImportRecord",
    "Indicator",
    "PlanningFigure",
    "PopulationGroup",
    "ReportingRound",
    "Submission",
]
