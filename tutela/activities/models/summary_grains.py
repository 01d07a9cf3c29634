"""The grains of the 5W summary tables (models.summaries): which dimension columns each level of
detail keeps and which finer grain it is summed from. The rebuild (services.summaries) writes them;
the selectors (selectors.summary_tables) pick the smallest grain that answers a table."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

MEASURE_COLUMNS = (
    "girls",
    "boys",
    "women",
    "men",
    "older_women",
    "older_men",
    "total",
    "with_disability",
    "quantity",
)
# The key the cumulative rule picks one row for (as selectors.RULE_KEY).
KEY_COLUMNS = ("organisation_id", "activity_id", "area_id", "population_group_id", "site_key")


@dataclass(frozen=True)
class Grain:
    """One level of detail of a summary table: the dimension columns kept (others are NULL) and
    the finer grain it is summed from ("" = the 5W rows)."""

    name: str
    columns: tuple[str, ...]
    source: str


# Every monthly grain also keeps the month and the validated / sensitive / named flags.
MONTHLY_GRAINS: tuple[Grain, ...] = (
    Grain(
        "m0",
        (
            "organisation_id",
            "implementing_partner_id",
            "activity_id",
            "indicator_id",
            "body_id",
            "admin1_id",
            "admin2_id",
            "population_group_id",
        ),
        "",
    ),
    # Who works where (and partner presence: the implementing partner where one is named).
    Grain(
        "m_partner",
        ("organisation_id", "implementing_partner_id", "body_id", "admin1_id", "admin2_id"),
        "m0",
    ),
    Grain("m_org_a1", ("organisation_id", "body_id", "admin1_id"), "m_partner"),
    Grain("m_org_act", ("organisation_id", "activity_id", "indicator_id", "body_id"), "m0"),
    Grain(
        "m_act_a2",
        (
            "activity_id",
            "indicator_id",
            "body_id",
            "admin1_id",
            "admin2_id",
            "population_group_id",
        ),
        "m0",
    ),
    Grain(
        "m_act_a1",
        ("activity_id", "indicator_id", "body_id", "admin1_id", "population_group_id"),
        "m_act_a2",
    ),
    Grain("m_a2", ("body_id", "admin1_id", "admin2_id", "population_group_id"), "m_act_a2"),
    Grain("m_a1", ("body_id", "admin1_id", "population_group_id"), "m_a2"),
    Grain("m_b1", ("body_id", "admin1_id"), "m_a1"),
)
# "p0" holds the picks themselves (every dimension, per indicator too); the others are sums of
# the picks of one kind (all rows / validated rows), without indicators.
PICK_COLUMNS = (
    "organisation_id",
    "activity_id",
    "indicator_id",
    "body_id",
    "area_id",
    "admin1_id",
    "admin2_id",
    "admin3_id",
    "population_group_id",
)
PICKED_GRAINS: tuple[Grain, ...] = (
    Grain("p0", PICK_COLUMNS, ""),
    # The organisation grains keep the population group so that the grains across
    # organisations are summed from them (a write computes those again for the admin 1 areas it
    # touched: from these sums of every organisation, not from every organisation's picks).
    Grain(
        "p_org_a2",
        ("organisation_id", "body_id", "admin1_id", "admin2_id", "population_group_id"),
        "p0",
    ),
    Grain("p_org_a1", ("organisation_id", "body_id", "admin1_id"), "p_org_a2"),
    Grain(
        "p_org_act_a1",
        ("organisation_id", "activity_id", "body_id", "admin1_id", "population_group_id"),
        "p0",
    ),
    Grain("p_org_act", ("organisation_id", "activity_id", "body_id"), "p_org_act_a1"),
    Grain(
        "p_act_a1", ("activity_id", "body_id", "admin1_id", "population_group_id"), "p_org_act_a1"
    ),
    Grain("p_a2", ("body_id", "admin1_id", "admin2_id", "population_group_id"), "p_org_a2"),
    Grain("p_a1", ("body_id", "admin1_id", "population_group_id"), "p_a2"),
    Grain("p_b1", ("body_id", "admin1_id"), "p_a1"),
)
GRAINS = {g.name: g for g in (*MONTHLY_GRAINS, *PICKED_GRAINS)}


def hidden_key(area_ids: Iterable[int]) -> str:
    """Digest of a set of area ids (the areas where partner names are hidden)."""
    text = ",".join(str(pk) for pk in sorted(set(area_ids)))
    return hashlib.sha256(text.encode()).hexdigest()
