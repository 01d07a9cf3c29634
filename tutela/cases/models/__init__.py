from tutela.cases.models.cases import (
    AgeBand,
    Case,
    CaseDocument,
    CasePerson,
    CaseSearchToken,
    Sex,
    age_band_for,
)
from tutela.cases.models.consent import Consent, ConsentOverride
from tutela.cases.models.odk import OdkKey, OdkSubmission
from tutela.cases.models.peers import (
    InboundReferral,
    InstanceKey,
    Peer,
    PeerInboxAddressWindow,
    PeerMessage,
    PeerPackageSeen,
)
from tutela.cases.models.reference import CaseSettings, ServiceType, SpecificNeed
from tutela.cases.models.referrals import Referral, RetentionRun, Service
from tutela.cases.models.workflow import (
    Approval,
    Assessment,
    CasePlan,
    FollowUp,
    Intervention,
    ReviewStatus,
    ServiceDelivery,
    Transfer,
)

__all__ = [
    "AgeBand",
    "Approval",
    "Assessment",
    "Case",
    "CaseDocument",
    "CasePerson",
    "CasePlan",
    "CaseSearchToken",
    "CaseSettings",
    "Consent",
    "ConsentOverride",
    "FollowUp",
    "InboundReferral",
    "InstanceKey",
    "Intervention",
    "OdkKey",
    "OdkSubmission",
    "Peer",
    "PeerInboxAddressWindow",
    "PeerMessage",
    "PeerPackageSeen",
    "Referral",
    "RetentionRun",
    "ReviewStatus",
    "Service",
    "ServiceDelivery",
    "ServiceType",
    "Sex",
    "SpecificNeed",
    "Transfer",
    "age_band_for",
]
from tutela.cases.models.cash import (  # noqa: E402
    BasketAmount,
    CashAssistance,
    CashInstalment,
    CashRules,
    DistributionMonitoring,
    EligibilityCriterion,
    ExpenditureBasket,
    SharingAgreement,
)

__all__ += [
    "BasketAmount",
    "CashAssistance",
    "CashInstalment",
    "CashRules",
    "DistributionMonitoring",
    "EligibilityCriterion",
    "ExpenditureBasket",
    "SharingAgreement",
]
