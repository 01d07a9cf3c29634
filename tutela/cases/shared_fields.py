"""The information of a case that a consent can allow to leave the organisation, and what it is.

A consent to share names the fields (codes below); every hand-off (referral, transfer, export)
copies only those. Identifying fields never leave a GBV case, whatever the consent or an override
says (GBVIMS: nothing identifying leaves the organisation).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext_lazy as _

from tutela.cases.models import Case, CasePerson

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


def _household(case: Case) -> list[dict[str, Any]]:
    return [
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


# The value of each field, read from the principal (left out when the case has none)...
PRINCIPAL_VALUES: dict[str, Callable[[CasePerson], Any]] = {
    "names": lambda p: {
        "given_name": p.given_name,
        "family_name": p.family_name,
        "other_names": p.other_names,
    },
    "date_of_birth": lambda p: p.date_of_birth,
    "phone": lambda p: p.phone,
    "id_documents": lambda p: {"type": p.id_type, "number": p.id_number} if p.id_number else None,
}
# ... or from the case ("age" reads both: see snapshot).
CASE_VALUES: dict[str, Callable[[Case], Any]] = {
    "address": lambda c: c.address,
    "household": _household,
    "summary": lambda c: c.summary,
    "sex": lambda c: c.sex,
    "disability": lambda c: c.disability,
    "nationality": lambda c: c.nationality,
    "displacement_status": lambda c: c.displacement_status.code if c.displacement_status else "",
    "location": lambda c: c.area.pcode,
    "specific_needs": lambda c: sorted(n.code for n in c.specific_needs.all()),
    "concerns": lambda c: sorted(r.code for r in c.concerns.all()),
    "risk_level": lambda c: c.risk_level,
}


def snapshot(case: Case, fields: list[str]) -> dict[str, Any]:
    """The values of `fields` (already allowed) as plain text and lists, to copy into a referral
    or an export. Reads the case's people, needs and concerns."""
    principal = next((p for p in case.people.all() if p.is_principal), None)
    values: dict[str, Any] = {"code": case.code}
    for code in fields:
        if code in PRINCIPAL_VALUES:
            if principal is not None:
                values[code] = PRINCIPAL_VALUES[code](principal)
        elif code == "age":
            values["age"] = principal.age if principal is not None else None
            values["age_band"] = case.age_band
        elif code in CASE_VALUES:
            values[code] = CASE_VALUES[code](case)
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
