from tutela.monitoring.models.analysis import (
    AnalysisUpdate,
    AnalysisUpdateVersion,
    EarlyWarningSignal,
)
from tutela.monitoring.models.community import CommunityReport, CommunityRisk
from tutela.monitoring.models.imports import Kind, MonitoringImport, MonitoringMapping
from tutela.monitoring.models.incidents import (
    DuplicateFlag,
    Incident,
    IncidentPeople,
    IncidentRisk,
)
from tutela.monitoring.models.reference import (
    AgeBand,
    PerpetratorCategory,
    ReferralService,
    RiskMapping,
    Source,
    VerificationStatus,
    ViolationType,
)
from tutela.monitoring.models.settings import (
    AreaPopulation,
    MonitoringSettings,
    SharingAgreement,
)
from tutela.monitoring.models.summaries import (
    SUMMARY_KEY_FIELDS,
    IncidentAtom,
    IncidentAtomBasis,
    IncidentDataVersion,
    IncidentSummary,
)

__all__ = [
    "AgeBand",
    "AreaPopulation",
    "AnalysisUpdate",
    "AnalysisUpdateVersion",
    "CommunityReport",
    "CommunityRisk",
    "DuplicateFlag",
    "EarlyWarningSignal",
    "Incident",
    "IncidentPeople",
    "IncidentRisk",
    "SUMMARY_KEY_FIELDS",
    "IncidentAtom",
    "IncidentAtomBasis",
    "IncidentDataVersion",
    "IncidentSummary",
    "Kind",
    "MonitoringImport",
    "MonitoringMapping",
    "MonitoringSettings",
    "PerpetratorCategory",
    "ReferralService",
    "RiskMapping",
    "SharingAgreement",
    "Source",
    "VerificationStatus",
    "ViolationType",
]
