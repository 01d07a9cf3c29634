"""Monitoring aggregates for a user, disclosure-controlled (see `selectors.base` for the method).

incident_trend, top_risks, affected_groups, hotspots   (incidents)
community_risk_shares                                  (community monitoring)
signals_for_user                                       (early-warning evidence)
"""

from tutela.monitoring.selectors.base import (
    AnalysisFilters,
    Table,
    organisations_filterable,
    viewer_for,
)
from tutela.monitoring.selectors.community import CommunityShares, community_risk_shares
from tutela.monitoring.selectors.incidents import (
    AffectedGroups,
    Hotspots,
    affected_groups,
    hotspots,
    incident_trend,
    last_incident_month,
    top_risks,
)
from tutela.monitoring.selectors.signals import SignalView, signals_for_user

__all__ = [
    "AffectedGroups",
    "AnalysisFilters",
    "CommunityShares",
    "Hotspots",
    "SignalView",
    "Table",
    "affected_groups",
    "community_risk_shares",
    "hotspots",
    "incident_trend",
    "last_incident_month",
    "organisations_filterable",
    "signals_for_user",
    "top_risks",
    "viewer_for",
]
