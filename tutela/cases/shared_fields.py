"""The information of a case that a consent can allow to leave the organisation, and what it is.

A consent to share names the fields (codes below); every hand-off (referral, transfer, export)
copies only those. Identifying fields never leave a GBV case, whatever the consent or an override
says (GBVIMS: nothing identifying leaves the organisation).
"""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext_lazy as _

from tutela.cases.models import Case

FIELDS: dict[str, Any] = {
    "names": _("Names"),
    "date_of_birth": _("Date of birth"),
    "phone": _("Phone"),
    "address": _("Address"),
    "id_documents": _("ID documents"),
    "household": _("Household members"),
    "summary": _("Reason for registration"),
    "sex": _("Sex"),
    "age": _("Age"),
    "disability": _("Disability"),
    "nationality": _("Nationality"),
    "displacement_status": _("Displacement status"),
    "location": _("Location (P-code)"),
    "specific_needs": _("Specific needs"),
    "concerns": _("Protection concerns"),
    "risk_level": _("Risk level"),
}

# What identifies the person (or may, in free text).
IDENTIFYING = frozenset(
    {"names", "date_of_birth", "phone", "address", "id_documents", "household", "summary"}
)

CHOICES = [(code, label) for code, label in FIELDS.items()]


def allowed_for(case: Case, fields: list[str] | set[str] | frozenset[str]) -> list[str]:
    """The fields that may leave this case's organisation: known codes, minus identifying ones
    for a GBV case. Kept in the catalogue's order."""
    wanted = set(fields)
    return [code for code in FIELDS if code in wanted and not (case.is_gbv and code in IDENTIFYING)]


def snapshot(case: Case, fields: list[str]) -> dict[str, Any]:
    """The values of `fields` (already allowed) as plain text and lists, to copy into a referral
    or an export. Reads the case's people, needs and concerns."""
    principal = next((p for p in case.people.all() if p.is_principal), None)
    values: dict[str, Any] = {"code": case.code}
    for code in fields:
        if code == "names" and principal is not None:
            values["names"] = {
                "given_name": principal.given_name,
                "family_name": principal.family_name,
                "other_names": principal.other_names,
            }
        elif code == "date_of_birth" and principal is not None:
            values["date_of_birth"] = principal.date_of_birth
        elif code == "phone" and principal is not None:
            values["phone"] = principal.phone
        elif code == "address":
            values["address"] = case.address
        elif code == "id_documents" and principal is not None:
            values["id_documents"] = (
                {"type": principal.id_type, "number": principal.id_number}
                if principal.id_number
                else None
            )
        elif code == "household":
            values["household"] = [
                {
                    "given_name": p.given_name,
                    "family_name": p.family_name,
                    "relationship": p.relationship,
                    "sex": p.sex,
                    "age": p.age,
                }
                for p in case.people.all()
                if not p.is_principal
            ]
        elif code == "summary":
            values["summary"] = case.summary
        elif code == "sex":
            values["sex"] = case.sex
        elif code == "age":
            values["age"] = principal.age if principal is not None else None
            values["age_band"] = case.age_band
        elif code == "disability":
            values["disability"] = case.disability
        elif code == "nationality":
            values["nationality"] = case.nationality
        elif code == "displacement_status":
            group = case.displacement_status
            values["displacement_status"] = group.code if group else ""
        elif code == "location":
            values["location"] = case.area.pcode
        elif code == "specific_needs":
            values["specific_needs"] = sorted(n.code for n in case.specific_needs.all())
        elif code == "concerns":
            values["concerns"] = sorted(r.code for r in case.concerns.all())
        elif code == "risk_level":
            values["risk_level"] = case.risk_level
    return values


def shared_values(stored: str) -> dict[str, Any]:
    """The values a referral or transfer carries (its stored JSON; {} if empty or unreadable)."""
    if not stored:
        return {}
    try:
        value = json.loads(stored)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
