"""Reading a referral as its two sides see it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tutela.cases import shared_fields
from tutela.cases.models import Case, CasePerson, Referral, Sex
from tutela.cases.shared_fields import shared_values


@dataclass
class SharedLine:
    label: Any
    value: Any


def _display(code: str, value: Any) -> Any:
    if code == "names" and isinstance(value, dict):
        return " ".join(v for v in (value.get("given_name"), value.get("family_name")) if v) + (
            f" ({value['other_names']})" if value.get("other_names") else ""
        )
    if code == "sex":
        return Sex(value).label if value in Sex.values else value
    if code == "id_documents" and isinstance(value, dict):
        kind = value.get("type")
        label = CasePerson.IdType(kind).label if kind in CasePerson.IdType.values else kind
        return f"{label}: {value.get('number')}"
    if code == "household" and isinstance(value, list):
        return "; ".join(
            " ".join(str(v) for v in (m.get("given_name"), m.get("family_name")) if v)
            + f" ({CasePerson.Relationship(m['relationship']).label}"
            f"{', ' + str(m['age']) if m.get('age') is not None else ''})"
            for m in value
            if m.get("relationship") in CasePerson.Relationship.values
        )
    if code == "risk_level" and value in Case.RiskLevel.values:
        return Case.RiskLevel(value).label
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "✓" if value else "—"
    return value


def referral_view(referral: Referral) -> list[SharedLine]:
    """The information the referral carries (what the consent allowed), labelled."""
    values = shared_values(referral.shared_data)
    lines = []
    for code in referral.shared_fields:
        if code in values:
            value = values[code]
            if code == "age" and values.get("age_band"):
                value = f"{value if value is not None else '?'} ({values['age_band']})"
            lines.append(SharedLine(shared_fields.FIELDS[code], _display(code, value)))
    return lines
